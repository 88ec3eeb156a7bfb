"""MMS photos through the API on the memory system: webhook → receipt → fetch task → blob →
the job's ``attachments`` → ``GET /api/attachments/{id}`` for those allowed; the inbox shows
each item's state."""

from __future__ import annotations

import re
from typing import Any

from api_apps import memory_api
from api_harness import (
    ADMIN_NAME,
    ADMIN_PASSWORD,
    JULIE,
    MARC,
    TECH_NAME,
    TECH_PASSWORD,
    TOYOTA,
    Api,
    assert_problem,
    bearer,
)
from test_portal_sessions import PORTAL, sign_in

import media_samples as sample
from sm2_core.domain.enums import Role
from sm2_core.parsing import ParsedRequest

BODY = "Programmation de clé RAV4 2022 stock T-77, photo du tableau de bord"
READ = ParsedRequest(
    year=2022, make="Toyota", model="RAV4", stock_no="T-77", service_code="KEY_PROGRAMMING"
)
MEDIA = "https://api.twilio.com/2010-04-01/Accounts/AC1/Messages/{sid}/Media/ME{n}"
UNKNOWN_SENDER = "+14185559999"


async def mms(api: Api, sid: str, *items: tuple[bytes | None, str], sender: str = TOYOTA) -> None:
    """A text with ``items`` (bytes at the carrier, claimed type; None: the carrier has none)
    through the webhook, then the queued tasks run."""
    assert api.parser is not None
    api.parser.reads(BODY, READ)
    form = {"From": sender, "To": "+14185550000", "Body": BODY, "MessageSid": sid}
    form["NumMedia"] = str(len(items))
    for n, (data, claimed) in enumerate(items):
        url = MEDIA.format(sid=sid, n=n)
        form[f"MediaUrl{n}"], form[f"MediaContentType{n}"] = url, claimed
        if data is not None:
            api.system.media.add(url, data, claimed)
    response = await api.client.post("/webhooks/twilio/sms", data=form)
    assert 200 == response.status_code, response.text
    await api.run()


async def only_job(api: Api, headers: dict[str, str] | None = None) -> dict[str, Any]:
    (job,) = (await api.client.get("/api/jobs", headers=headers or api.admin)).json()["items"]
    return job  # type: ignore[no-any-return]


class TestAttachments:
    async def test_a_texted_photo_is_on_its_job_and_served_to_an_admin(self, mem_api: Api):
        """Claimed a JPEG, is a PNG: the job lists it as a PNG, its URL serves the bytes."""
        await mms(mem_api, "MMapi1", (sample.png(), "image/jpeg"))
        job = await only_job(mem_api)
        (attachment,) = job["attachments"]
        assert ("image/png", len(sample.png()), "mms") == (
            attachment["content_type"],
            attachment["size"],
            attachment["source"],
        )
        assert f"/api/attachments/{attachment['id']}" == attachment["url"]
        for path in (f"/api/jobs/{job['id']}",):
            assert [attachment] == (await mem_api.client.get(path, headers=mem_api.admin)).json()[
                "attachments"
            ]
        served = await mem_api.client.get(attachment["url"], headers=mem_api.admin)
        assert (200, sample.png(), "image/png") == (
            served.status_code,
            served.content,
            served.headers["content-type"],
        )
        assert "sandbox" in served.headers["content-security-policy"]
        assert served.headers["content-disposition"].startswith("inline")

    async def test_only_the_assigned_technician_sees_it(self, mem_api: Api):
        """Another technician: 403; nobody: 401; once assigned to the tech login: 200, and the
        technician's own job list shows it."""
        await mms(mem_api, "MMapi2", (sample.jpeg(), "image/jpeg"))
        job = await only_job(mem_api)
        url = job["attachments"][0]["url"]
        assert_problem(await mem_api.client.get(url), 401)
        assert_problem(await mem_api.client.get(url, headers={"Authorization": "Bearer x"}), 401)
        assert_problem(await mem_api.client.get(url, headers=mem_api.tech), 403)
        julie = await mem_api.add_user("julie", "julie-password-1", Role.TECH, mem_api.techs[JULIE])
        assert_problem(await mem_api.client.get(url, headers=bearer(mem_api.token(julie))), 403)
        assigned = await mem_api.assign(job["id"], MARC)
        assert 200 == assigned.status_code, assigned.text
        served = await mem_api.client.get(url, headers=mem_api.tech)
        assert (200, sample.jpeg()) == (served.status_code, served.content)
        mine = (await mem_api.client.get("/api/technician/jobs", headers=mem_api.tech)).json()
        assert [[url]] == [[a["url"] for a in j["attachments"]] for j in mine]
        assert_problem(await mem_api.client.get(url, headers=bearer(mem_api.token(julie))), 403)

    async def test_a_pdf_is_served_as_a_download(self, mem_api: Api):
        await mms(mem_api, "MMapi3", (sample.pdf(), "application/pdf"))
        (attachment,) = (await only_job(mem_api))["attachments"]
        served = await mem_api.client.get(attachment["url"], headers=mem_api.admin)
        assert ("application/pdf", True) == (
            served.headers["content-type"],
            served.headers["content-disposition"].startswith("attachment"),
        )

    async def test_items_not_stored_are_no_attachments(self, mem_api: Api):
        """Refused (a web page), failed (gone at Twilio): the job lists none; their ids are 404."""
        await mms(mem_api, "MMapi4", (sample.html(), "image/jpeg"), (None, "image/png"))
        job = await only_job(mem_api)
        assert [] == job["attachments"]
        message = next(iter(mem_api.system.store.tables.messages.values()))
        for ref in message.media:
            assert_problem(
                await mem_api.client.get(f"/api/attachments/{ref.id}", headers=mem_api.admin),
                404,
            )

    async def test_a_job_without_media_has_an_empty_list(self, mem_api: Api):
        job = await mem_api.job()
        assert [] == (await mem_api.get_job(job.id))["attachments"]


class TestInbox:
    async def test_each_item_of_an_inbox_text_shows_where_it_stands(self, mem_api: Api):
        """An unknown sender's text with an item gone at Twilio, a photo, a web page."""
        await mms(
            mem_api,
            "MMinbox1",
            (None, "image/jpeg"),  # 404 at Twilio: failed
            (sample.png(), "image/png"),  # stored
            (sample.html(), "image/gif"),  # refused
            sender=UNKNOWN_SENDER,
        )
        (entry,) = (await mem_api.client.get("/api/inbox", headers=mem_api.admin)).json()["items"]
        states = [(m["position"], m["state"], m["content_type"]) for m in entry["media"]]
        assert [(0, "failed", None), (1, "stored", "image/png"), (2, "refused", None)] == states
        failed, stored, refused = entry["media"]
        assert ("twilio: HTTP 404: no such media [404]", 1) == (
            failed["error"],
            failed["attempts"],
        )
        assert "PDF only" in refused["error"]
        assert (None, None) == (failed["url"], refused["url"])
        served = await mem_api.client.get(stored["url"], headers=mem_api.admin)
        assert sample.png() == served.content

    async def test_an_item_not_yet_fetched_is_pending(self, mem_api: Api):
        """Before the worker runs: pending, with the type the carrier claimed."""
        form = {
            "From": UNKNOWN_SENDER,
            "To": "+14185550000",
            "Body": "hello?",
            "MessageSid": "MMinbox2",
            "NumMedia": "1",
            "MediaUrl0": MEDIA.format(sid="MMinbox2", n=0),
            "MediaContentType0": "image/heic",
        }
        assert 200 == (await mem_api.client.post("/webhooks/twilio/sms", data=form)).status_code
        await mem_api.services.intake.process_message(
            next(iter(mem_api.system.store.tables.messages))
        )
        (entry,) = (await mem_api.client.get("/api/inbox", headers=mem_api.admin)).json()["items"]
        assert [("pending", "image/heic", 0)] == [
            (m["state"], m["declared_type"], m["attempts"]) for m in entry["media"]
        ]


class TestPortal:
    """The admin portal's pages, over HTTP with the session cookie, as a browser sees them."""

    async def test_the_job_page_shows_thumbnails_and_the_state_of_the_rest(self):
        async with memory_api(PORTAL) as portal:
            await mms(
                portal, "MMportal1", (sample.png(), "image/png"), (sample.html(), "image/png")
            )
            job = await only_job(portal)
            await sign_in(portal.client, ADMIN_NAME, ADMIN_PASSWORD)
            page = await portal.client.get(f"/jobs/{job['id']}")
            assert 200 == page.status_code, page.text
            (src,) = re.findall(r'<img class="media-item__thumb" src="([^"]+)"', page.text)
            assert job["attachments"][0]["url"] == src
            assert 'class="media-item media-item--refused"' in page.text
            assert "Refusé" in page.text  # the portal speaks French unless asked otherwise
            assert "PDF only" in page.text
            # The browser loads the thumbnail with the session cookie alone.
            image = await portal.client.get(src)
            assert (200, sample.png()) == (image.status_code, image.content)

    async def test_the_inbox_lists_each_item(self):
        async with memory_api(PORTAL) as portal:
            await mms(portal, "MMportal2", (sample.pdf(), "application/pdf"), sender=UNKNOWN_SENDER)
            await sign_in(portal.client, ADMIN_NAME, ADMIN_PASSWORD)
            page = await portal.client.get("/inbox")
            assert 200 == page.status_code, page.text
            (message,) = portal.system.store.tables.messages.values()
            assert f'href="/api/attachments/{message.media[0].id}"' in page.text
            assert "Ouvrir le fichier 1" in page.text

    async def test_the_technician_sees_the_photo_of_an_assigned_job(self):
        """On the technician's page, loaded with the technician's own session cookie."""
        async with memory_api(PORTAL) as portal:
            await mms(portal, "MMportal3", (sample.png(), "image/png"))
            job = await only_job(portal)
            assert 200 == (await portal.assign(job["id"], MARC)).status_code
            await sign_in(portal.client, TECH_NAME, TECH_PASSWORD, tech=True)
            page = await portal.client.get("/tech")
            (src,) = re.findall(r'<img class="media-item__thumb" src="([^"]+)"', page.text)
            image = await portal.client.get(src)
            assert (200, sample.png()) == (image.status_code, image.content)
