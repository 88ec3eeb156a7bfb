"""/api/users (logins, never a password hash) and /api/inbox (texts that made no job)."""

from __future__ import annotations

from typing import Any
from uuid import uuid4

import pytest
from api_harness import JULIE, TOYOTA, Api, assert_problem, param_names

from sm2_core.parsing import ParsedRequest

NEW_ADMIN = {"username": "Claire", "role": "admin", "password": "claire-password-1"}


async def login(api: Api, username: str, password: str) -> int:
    body = {"username": username, "password": password}
    return (await api.client.post("/api/auth/login", json=body)).status_code


class TestUsers:
    async def test_no_password_hash_ever_leaves(self, api: Api) -> None:
        """Listing, reading, creating and changing users never shows a password or its hash."""
        created = await api.client.post("/api/users", headers=api.admin, json=NEW_ADMIN)
        user_id = created.json()["id"]
        texts = [
            created.text,
            (await api.client.get("/api/users", headers=api.admin)).text,
            (await api.client.get(f"/api/users/{user_id}", headers=api.admin)).text,
            (
                await api.client.patch(
                    f"/api/users/{user_id}", headers=api.admin, json={"password": "other-pass-12"}
                )
            ).text,
        ]
        for text in texts:
            assert "password" not in text
            assert "hash" not in text
            assert "$argon2" not in text
            assert "pbkdf2" not in text

    async def test_list_shows_every_login(self, api: Api) -> None:
        """The list is a page of users with id, username, role, technician and is_active."""
        page = (await api.client.get("/api/users", headers=api.admin)).json()
        assert (None, {"boss", "marc"}) == (
            page["next_cursor"],
            {u["username"] for u in page["items"]},
        )
        assert {"id", "username", "role", "technician_id", "is_active"} == set(page["items"][0])

    async def test_a_new_user_can_log_in(self, api: Api) -> None:
        """POST creates a login (username lower-cased) that works at once."""
        created = await api.client.post("/api/users", headers=api.admin, json=NEW_ADMIN)
        assert (201, "claire") == (created.status_code, created.json()["username"])
        assert 200 == await login(api, "claire", NEW_ADMIN["password"])

    async def test_a_tech_login_is_linked_to_its_technician(self, api: Api) -> None:
        """A tech user names its technician and sees that technician's jobs."""
        body = {
            "username": "julie",
            "role": "tech",
            "password": "julie-password-1",
            "technician_id": str(api.techs[JULIE]),
        }
        created = await api.client.post("/api/users", headers=api.admin, json=body)
        assert (201, str(api.techs[JULIE])) == (
            created.status_code,
            created.json()["technician_id"],
        )

    async def test_a_taken_username_is_409(self, api: Api) -> None:
        """Usernames are unique, whatever their case."""
        body = {**NEW_ADMIN, "username": "BOSS"}
        assert_problem(await api.client.post("/api/users", headers=api.admin, json=body), 409)

    @pytest.mark.parametrize(
        ("body", "field"),
        [
            ({**NEW_ADMIN, "password": "short"}, "password"),
            ({**NEW_ADMIN, "role": "root"}, "role"),
            ({**NEW_ADMIN, "username": "no spaces allowed"}, "username"),
            ({**NEW_ADMIN, "role": "tech"}, "technician_id"),
        ],
    )
    async def test_an_invalid_user_is_422(self, mem_api: Api, body: Any, field: str) -> None:
        """A short password, an unknown role, a bad name or a tech without technician: 422."""
        response = await mem_api.client.post("/api/users", headers=mem_api.admin, json=body)
        assert field in param_names(assert_problem(response, 422))

    async def test_an_unknown_technician_is_404(self, api: Api) -> None:
        """A tech login for a technician who does not exist is refused."""
        body = {**NEW_ADMIN, "role": "tech", "technician_id": str(uuid4())}
        assert_problem(await api.client.post("/api/users", headers=api.admin, json=body), 404)

    async def test_a_password_reset(self, api: Api) -> None:
        """PATCH password: the new one works, the old one no longer does."""
        url = f"/api/users/{api.tech_user.id}"
        response = await api.client.patch(
            url, headers=api.admin, json={"password": "brand-new-pw-1"}
        )
        assert 200 == response.status_code, response.text
        assert (401, 200) == (
            await login(api, "marc", "marc-password-1"),
            await login(api, "marc", "brand-new-pw-1"),
        )

    async def test_deactivation_hides_the_user_from_the_default_list(self, api: Api) -> None:
        """is_active=false hides the login from the list, include_inactive=true shows it."""
        url = f"/api/users/{api.tech_user.id}"
        off = await api.client.patch(url, headers=api.admin, json={"is_active": False})
        assert (200, False) == (off.status_code, off.json()["is_active"])
        default = await api.client.get("/api/users", headers=api.admin)
        everything = await api.client.get(
            "/api/users", headers=api.admin, params={"include_inactive": "true"}
        )
        assert ["boss"] == [u["username"] for u in default.json()["items"]]
        assert {"boss", "marc"} == {u["username"] for u in everything.json()["items"]}

    async def test_unknown_user_is_404(self, api: Api) -> None:
        """Reading or changing a user who does not exist is a 404."""
        url = f"/api/users/{uuid4()}"
        assert_problem(await api.client.get(url, headers=api.admin), 404)
        assert_problem(
            await api.client.patch(url, headers=api.admin, json={"is_active": False}), 404
        )


async def text_in(api: Api, sender: str, body: str, sid: str) -> None:
    form = {"From": sender, "To": "+14185550000", "Body": body, "MessageSid": sid}
    response = await api.client.post("/webhooks/twilio/sms", data=form)
    assert 200 == response.status_code, response.text
    await api.run()


class TestInbox:
    async def test_a_text_from_an_unknown_number_is_in_the_inbox(self, api: Api) -> None:
        """A sender that is no dealership: the text waits in the inbox as UNMATCHED."""
        await text_in(api, "+15145550000", "Need a key for a Civic", "SM-unknown-1")
        items = (await api.client.get("/api/inbox", headers=api.admin)).json()["items"]
        assert [("UNMATCHED", "+15145550000", None)] == [
            (m["status"], m["from_number"], m["dealership_id"]) for m in items
        ]

    async def test_no_work_shows_and_work_does_not(self, mem_api: Api) -> None:
        """A thank-you from a dealership is NO_WORK in the inbox; a request makes a job instead."""
        assert mem_api.parser is not None
        ask = mem_api.parser.reads("Key for a RAV4", ParsedRequest(service_code="KEY_PROGRAMMING"))
        await text_in(mem_api, TOYOTA, "Merci beaucoup!", "SM-thanks")
        await text_in(mem_api, TOYOTA, ask, "SM-work")
        items = (await mem_api.client.get("/api/inbox", headers=mem_api.admin)).json()["items"]
        assert [("NO_WORK", "Merci beaucoup!", [])] == [
            (m["status"], m["body"], m["job_ids"]) for m in items
        ]
        jobs = (await mem_api.client.get("/api/jobs", headers=mem_api.admin)).json()["items"]
        assert ["Key for a RAV4"] == [job["request_text"] for job in jobs]

    async def test_the_inbox_is_newest_first(self, mem_api: Api) -> None:
        """The latest text comes first."""
        await text_in(mem_api, "+15145550001", "first", "SM-1")
        mem_api.clock.advance(minutes=1)
        await text_in(mem_api, "+15145550002", "second", "SM-2")
        items = (await mem_api.client.get("/api/inbox", headers=mem_api.admin)).json()["items"]
        assert ["second", "first"] == [m["body"] for m in items]
