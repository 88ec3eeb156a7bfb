"""/api/conversations: every text in and out per phone number, replies and read marks (admin
only)."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

import pytest
from api_harness import FORD, TOYOTA, Api, assert_problem, param_names

from sm2_core.domain.records import OptOut
from sm2_core.parsing import ParsedRequest

TEXT = "Bonjour, besoin programmation de clé pour Toyota RAV4 2022 stock T-1234 svp"
READ = ParsedRequest(
    year=2022, make="Toyota", model="RAV4", stock_no="T-1234", service_code="KEY_PROGRAMMING"
)
STRANGER = "+15145550199"
#: What the outbox makes of a text when the worker has run: the memory system's recording
#: sender takes it; PostgreSQL's runtime has no Twilio credentials.
SETTLED = {"SENT", "NOT_CONFIGURED"}


async def receive(api: Api, sender: str, body: str, sid: str) -> None:
    form = {"From": sender, "To": "+14185550000", "Body": body, "MessageSid": sid}
    assert 200 == (await api.client.post("/webhooks/twilio/sms", data=form)).status_code
    await api.run()


async def request_job(api: Api, sender: str = TOYOTA, sid: str = "SMjob1") -> None:
    if api.parser is not None:
        api.parser.reads(TEXT, READ)
    await receive(api, sender, TEXT, sid)


async def listed(api: Api, **params: Any) -> dict[str, Any]:
    response = await api.client.get("/api/conversations", headers=api.admin, params=params)
    assert 200 == response.status_code, response.text
    return response.json()  # type: ignore[no-any-return]


async def thread(api: Api, phone: str) -> list[dict[str, Any]]:
    response = await api.client.get(f"/api/conversations/{quote(phone)}", headers=api.admin)
    assert 200 == response.status_code, response.text
    return response.json()["items"]  # type: ignore[no-any-return]


class TestList:
    async def test_a_dealership_text_and_its_confirmation(self, api: Api) -> None:
        """One conversation: the dealership named, the confirmation as the last text, the
        request unread."""
        await request_job(api)
        page = await listed(api)
        (item,) = page["items"]
        assert (TOYOTA, str(api.dealers[TOYOTA]), "Toyota Sainte-Foy", 1, None) == (
            item["phone"],
            item["dealership_id"],
            item["dealership_name"],
            item["unread"],
            page["next_cursor"],
        )
        assert item["last_body"] != TEXT
        assert set(item) == {
            "phone",
            "dealership_id",
            "dealership_name",
            "last_at",
            "last_body",
            "unread",
        }

    async def test_pages(self, mem_api: Api) -> None:
        """Three numbers two at a time; a cursor the API did not make is a 422 naming it."""
        for n, sender in enumerate((FORD, TOYOTA, STRANGER)):
            mem_api.clock.advance(seconds=1)
            await receive(mem_api, sender, "Bonjour", f"SM{n}")
        first = await listed(mem_api, limit=2)
        second = await listed(mem_api, limit=2, cursor=first["next_cursor"])
        assert ([STRANGER, TOYOTA], [FORD], None) == (
            [c["phone"] for c in first["items"]],
            [c["phone"] for c in second["items"]],
            second["next_cursor"],
        )
        response = await mem_api.client.get(
            "/api/conversations", headers=mem_api.admin, params={"cursor": "nope"}
        )
        assert {"cursor"} == param_names(assert_problem(response, 422))


class TestThread:
    async def test_texts_in_and_out_oldest_first_with_job_codes(self, api: Api) -> None:
        await request_job(api)
        (job,) = (await api.client.get("/api/jobs", headers=api.admin)).json()["items"]
        first, second = await thread(api, TOYOTA)
        assert ("in", TEXT, "PROCESSED", None, [job["job_code"]], [job["id"]]) == (
            first["direction"],
            first["body"],
            first["status"],
            first["kind"],
            first["job_codes"],
            first["job_ids"],
        )
        assert ("out", "CONFIRMATION", [job["job_code"]], None) == (
            second["direction"],
            second["kind"],
            second["job_codes"],
            second["sent_by"],
        )
        assert second["status"] in SETTLED

    @pytest.mark.parametrize("written", ["(418) 555-0103", "418-555-0103", "%2B14185550103"])
    async def test_the_number_as_people_write_it(self, mem_api: Api, written: str) -> None:
        await receive(mem_api, TOYOTA, "Merci!", "SM1")
        path = "/api/conversations/" + (written if "%" in written else quote(written))
        response = await mem_api.client.get(path, headers=mem_api.admin)
        assert ["Merci!"] == [m["body"] for m in response.json()["items"]], response.text

    async def test_a_number_with_no_texts_is_404(self, api: Api) -> None:
        response = await api.client.get(f"/api/conversations/{FORD}", headers=api.admin)
        assert_problem(response, 404)

    async def test_what_is_no_phone_number_is_422(self, api: Api) -> None:
        response = await api.client.get("/api/conversations/hello", headers=api.admin)
        assert {"phone"} == param_names(assert_problem(response, 422))


class TestReply:
    async def test_the_reply_is_recorded_sent_and_shown(self, api: Api) -> None:
        """201 with the text; it names the job of the dealer's last text; once the worker ran,
        the thread shows it sent (or recorded without Twilio)."""
        await request_job(api)
        (job,) = (await api.client.get("/api/jobs", headers=api.admin)).json()["items"]
        response = await api.client.post(
            f"/api/conversations/{TOYOTA}/messages",
            headers=api.admin,
            json={"body": "  Quel est le NIV?  "},
        )
        assert 201 == response.status_code, response.text
        sent = response.json()
        assert ("out", "Quel est le NIV?", "REPLY", "boss", "QUEUED", [job["job_code"]]) == (
            sent["direction"],
            sent["body"],
            sent["kind"],
            sent["sent_by"],
            sent["status"],
            sent["job_codes"],
        )
        await api.run()
        shown = next(m for m in await thread(api, TOYOTA) if m["id"] == sent["id"])
        assert ("out", "Quel est le NIV?") == (shown["direction"], shown["body"])
        assert shown["status"] in SETTLED
        if api.kind == "memory":
            assert (TOYOTA, "Quel est le NIV?") == (
                api.system.sms.sent[-1].to,
                api.system.sms.sent[-1].body,
            )

    @pytest.mark.parametrize("body", ["   ", "x" * 1601])
    async def test_an_empty_or_too_long_body_is_422(self, api: Api, body: str) -> None:
        response = await api.client.post(
            f"/api/conversations/{TOYOTA}/messages", headers=api.admin, json={"body": body}
        )
        assert {"body"} == param_names(assert_problem(response, 422))

    async def test_a_number_that_opted_out_is_409(self, api: Api) -> None:
        async with api.system.uow() as uow:
            await uow.opt_outs.add(OptOut(TOYOTA, api.clock.now(), "STOP"))
        response = await api.client.post(
            f"/api/conversations/{TOYOTA}/messages", headers=api.admin, json={"body": "Allo?"}
        )
        body = assert_problem(response, 409)
        assert "opted out" in body["detail"]

    async def test_a_number_nobody_knows_is_404(self, api: Api) -> None:
        response = await api.client.post(
            f"/api/conversations/{STRANGER}/messages", headers=api.admin, json={"body": "Allo?"}
        )
        assert_problem(response, 404)


class TestRead:
    async def test_reading_clears_the_unread_count(self, api: Api) -> None:
        await request_job(api)
        response = await api.client.post(f"/api/conversations/{TOYOTA}/read", headers=api.admin)
        assert (204, b"") == (response.status_code, response.content)
        assert 0 == (await listed(api))["items"][0]["unread"]


class TestAccess:
    @pytest.mark.parametrize(
        ("method", "path"),
        [
            ("GET", "/api/conversations"),
            ("GET", f"/api/conversations/{TOYOTA}"),
            ("POST", f"/api/conversations/{TOYOTA}/messages"),
            ("POST", f"/api/conversations/{TOYOTA}/read"),
        ],
    )
    async def test_admins_only(self, api: Api, method: str, path: str) -> None:
        """A technician's token is no admin token (another audience): 401, as with none."""
        body = {"body": "hi"} if path.endswith("messages") else None
        for headers in (api.tech, {}):
            response = await api.client.request(method, path, headers=headers, json=body)
            assert_problem(response, 401)
