"""MMS photos the whole way on PostgreSQL: a signed webhook with media → stored with the text →
fetch tasks (procrastinate) → Twilio's media URL with the account's credentials, through its
redirect → the file under the data dir → the job's attachments → the bytes, to those allowed.
And texts found by reconciliation bring their media too."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from uuid import UUID, uuid4

import httpx
import psycopg
import pytest
from fake_twilio_api import SERVICE_UNAVAILABLE, FakeTwilio, inbound_message, twilio_error
from pg_system import seeded_system
from twilio.request_validator import RequestValidator
from twilio_helpers import ACCOUNT_SID, AUTH_TOKEN, OUR_NUMBER

import media_samples as sample
from sm2_adapters.system import System
from sm2_core.domain.entities import User
from sm2_core.domain.enums import Role
from sm2_core.media import MAX_MEDIA_BYTES
from sm2_web.auth import issue_token
from sm2_web.serve import app_for_runtime, web_config

PUBLIC = "https://dispatch.example.com"
TOYOTA = "+14185550103"
OIL_CHANGE = "changement d'huile sur RAV4 2022 stock T9001, client attend"


@pytest.fixture
async def system(pg_url: str, tmp_path: Path, fake_twilio: FakeTwilio) -> AsyncIterator[System]:
    with psycopg.connect(pg_url, autocommit=True) as conn:
        if conn.execute("SELECT to_regclass('procrastinate_jobs')").fetchone() != (None,):
            conn.execute("DELETE FROM procrastinate_jobs")
    async with seeded_system(
        pg_url, tmp_path, fake_twilio.url, pool_size=4, public_url=PUBLIC
    ) as built:
        yield built


class Web:
    """The app over the system, and bearer headers for an admin and two technicians."""

    def __init__(self, system: System, client: httpx.AsyncClient) -> None:
        self.system, self.client = system, client
        self.config = web_config(system.settings)
        self.headers: dict[str, dict[str, str]] = {}

    async def login(self, name: str, role: Role, technician_id: UUID | None = None) -> None:
        # The token is all the API checks: the password hash is never used here.
        user = User(
            id=uuid4(), username=name, role=role, password_hash="x", technician_id=technician_id
        )
        async with self.system.uow() as uow:
            await uow.users.add(user)
        token, _ = issue_token(user, config=self.config, clock=self.system.clock)
        self.headers[name] = {"Authorization": f"Bearer {token}"}

    async def text(self, sid: str, body: str, *media: str) -> None:
        params = {"From": TOYOTA, "To": OUR_NUMBER, "Body": body, "MessageSid": sid}
        params["NumMedia"] = str(len(media))
        for n, url in enumerate(media):
            params[f"MediaUrl{n}"], params[f"MediaContentType{n}"] = url, "image/jpeg"
        signature = RequestValidator(AUTH_TOKEN).compute_signature(
            f"{PUBLIC}/webhooks/twilio/sms", params
        )
        response = await self.client.post(
            "/webhooks/twilio/sms", data=params, headers={"X-Twilio-Signature": signature}
        )
        assert 200 == response.status_code, response.text

    async def only_job(self) -> dict[str, Any]:
        page = await self.client.get("/api/jobs", headers=self.headers["admin"])
        (job,) = page.json()["items"]
        return job  # type: ignore[no-any-return]


@pytest.fixture
async def web(system: System) -> AsyncIterator[Web]:
    app = app_for_runtime(system, config=web_config(system.settings), run_worker=False)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://internal") as client:
        web = Web(system, client)
        techs = {t.name.split()[0]: t.id for t in await system.services.admin.all("technicians")}
        await web.login("admin", Role.ADMIN)
        await web.login("julie", Role.TECH, techs["Julie"])
        await web.login("karim", Role.TECH, techs["Karim"])
        web.headers["techs"] = {name: str(i) for name, i in techs.items()}
        yield web


def media_rows(system: System) -> list[tuple[str, str | None, int, str | None]]:
    with psycopg.connect(system.database_url) as conn:
        rows = conn.execute(
            "SELECT state, content_type, attempts, error FROM message_media ORDER BY position"
        ).fetchall()
    return [(r[0], r[1], r[2], r[3]) for r in rows]


def make_retries_due(system: System) -> None:
    """procrastinate waits 2 s before a retry; the test does not."""
    with psycopg.connect(system.database_url, autocommit=True) as conn:
        conn.execute("UPDATE procrastinate_jobs SET scheduled_at = now() WHERE status = 'todo'")


class TestWholePath:
    async def test_a_texted_photo_ends_on_its_job_for_those_allowed(
        self, system: System, web: Web, fake_twilio: FakeTwilio
    ) -> None:
        """A PNG and a web page: the PNG is fetched with our credentials through the redirect,
        kept under the data dir and served; the page is refused; 401, 403 and 200 as due."""
        photo = fake_twilio.add_media("MMpg1", sample.png(), "image/jpeg")
        page = fake_twilio.add_media("MMpg1", sample.html(), "image/jpeg")
        await web.text("MMpg1", OIL_CHANGE, photo, page)
        await system.run_tasks()

        assert [("stored", "image/png", 1, None), ("refused", None, 1)] == [
            row if row[0] == "stored" else row[:3] for row in media_rows(system)
        ]
        media_gets = [r for r in fake_twilio.requests if "/Media/" in r.path]
        assert {(ACCOUNT_SID, AUTH_TOKEN)} == {r.auth for r in media_gets}
        assert all("authorization" not in r.headers for r in fake_twilio.storage_requests)
        kept = [p for p in (system.settings.data_dir / "blobs").rglob("*") if p.is_file()]
        assert [sample.png()] == [p.read_bytes() for p in kept]

        job = await web.only_job()
        (attachment,) = job["attachments"]
        assert ("image/png", len(sample.png()), "mms") == (
            attachment["content_type"],
            attachment["size"],
            attachment["source"],
        )
        url = attachment["url"]
        served = await web.client.get(url, headers=web.headers["admin"])
        assert (200, sample.png(), "image/png") == (
            served.status_code,
            served.content,
            served.headers["content-type"],
        )
        assert 401 == (await web.client.get(url)).status_code
        assert 403 == (await web.client.get(url, headers=web.headers["julie"])).status_code

        julie = web.headers["techs"]["Julie"]
        assigned = await web.client.patch(
            f"/api/jobs/{job['id']}",
            headers={**web.headers["admin"], "If-Match": str(job["version"])},
            json={"tech_id": julie},
        )
        assert 200 == assigned.status_code, assigned.text
        assert [attachment] == assigned.json()["attachments"]
        served = await web.client.get(url, headers=web.headers["julie"])
        assert (200, sample.png()) == (served.status_code, served.content)
        assert 403 == (await web.client.get(url, headers=web.headers["karim"])).status_code

    async def test_a_busy_twilio_is_retried_then_the_photo_is_kept(
        self, system: System, web: Web, fake_twilio: FakeTwilio
    ) -> None:
        """A 503 first: the item shows failed with the error, the queue retries, then stored."""
        fake_twilio.media_replies.append(SERVICE_UNAVAILABLE)
        await web.text("MMpg2", OIL_CHANGE, fake_twilio.add_media("MMpg2", sample.jpeg()))
        await system.run_tasks()
        ((state, _, attempts, error),) = media_rows(system)
        assert ("failed", 1) == (state, attempts)
        assert "HTTP 503" in (error or "")
        assert [] == (await web.only_job())["attachments"]

        make_retries_due(system)
        await system.run_tasks()
        assert [("stored", "image/jpeg", 2, None)] == media_rows(system)
        assert 1 == len((await web.only_job())["attachments"])

    async def test_a_deleted_media_fails_once_for_good(
        self, system: System, web: Web, fake_twilio: FakeTwilio
    ) -> None:
        fake_twilio.media_replies.append(twilio_error(404, 20404, "Not found"))
        await web.text("MMpg3", OIL_CHANGE, fake_twilio.add_media("MMpg3", sample.jpeg()))
        await system.run_tasks()
        make_retries_due(system)
        await system.run_tasks()
        ((state, _, attempts, error),) = media_rows(system)
        assert ("failed", 1) == (state, attempts)
        assert "HTTP 404" in (error or "")

    async def test_an_item_over_5_mb_is_refused_unkept(
        self, system: System, web: Web, fake_twilio: FakeTwilio
    ) -> None:
        big = fake_twilio.add_media("MMpg4", sample.jpeg(MAX_MEDIA_BYTES + 1))
        await web.text("MMpg4", OIL_CHANGE, big)
        await system.run_tasks()
        ((state, _, _, error),) = media_rows(system)
        assert ("refused", f"larger than 5 MB ({MAX_MEDIA_BYTES + 1} bytes)") == (state, error)
        assert not (system.settings.data_dir / "blobs").exists()


class TestReconciliation:
    async def test_a_lost_mms_is_stored_with_its_media_and_fetched(
        self, system: System, web: Web, fake_twilio: FakeTwilio
    ) -> None:
        """Its webhook never came: reconciliation stores the text and its photo, then fetched."""
        sent = datetime.now(UTC) - timedelta(minutes=3)
        lost = inbound_message(
            from_=TOYOTA,
            to=OUR_NUMBER,
            body=OIL_CHANGE,
            date_sent=sent,
            num_media="1",
            account_sid=ACCOUNT_SID,
        )
        fake_twilio.inbound.append(lost)
        fake_twilio.add_media(lost["sid"], sample.png(), "image/png")
        report = await system.services.receipt.reconcile(since=sent - timedelta(minutes=1))
        assert 1 == report.stored
        await system.run_tasks()
        assert [("stored", "image/png", 1, None)] == media_rows(system)
        assert 1 == len((await web.only_job())["attachments"])
