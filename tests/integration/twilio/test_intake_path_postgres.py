"""The whole intake path on PostgreSQL: signed webhook → stored → queued task (procrastinate) →
ranked jobs with their review reasons → confirmation SMS through the real twilio SDK."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import psycopg
import pytest
from fake_twilio_api import FakeTwilio
from pg_system import seeded_system
from twilio.request_validator import RequestValidator
from twilio_helpers import AUTH_TOKEN, OUR_NUMBER

from sm2_adapters.system import System
from sm2_core.ports import JobFilter
from sm2_web.serve import app_for_runtime, web_config

PUBLIC = "https://dispatch.example.com"
AUDI = "+14185550101"
TOYOTA = "+14185550103"


@pytest.fixture
async def system(pg_url: str, tmp_path: Path, fake_twilio: FakeTwilio) -> AsyncIterator[System]:
    async with seeded_system(pg_url, tmp_path, fake_twilio.url, public_url=PUBLIC) as built:
        yield built


def _client(system: System) -> httpx.AsyncClient:
    # The routes alone: the test opened the system, and httpx runs no lifespan.
    app = app_for_runtime(system, config=web_config(system.settings), run_worker=False)
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://internal")


async def _text(client: httpx.AsyncClient, sid: str, sender: str, body: str) -> httpx.Response:
    params = {"From": sender, "To": OUR_NUMBER, "Body": body, "MessageSid": sid, "NumMedia": "0"}
    signature = RequestValidator(AUTH_TOKEN).compute_signature(
        f"{PUBLIC}/webhooks/twilio/sms", params
    )
    return await client.post(
        "/webhooks/twilio/sms", data=params, headers={"X-Twilio-Signature": signature}
    )


class TestWholePath:
    async def test_signed_texts_become_ranked_jobs_and_confirmations(
        self, system: System, fake_twilio: FakeTwilio
    ) -> None:
        """An Audi key and a Toyota oil change arrive signed and end as jobs and texts back."""
        async with _client(system) as client:
            first = await _text(
                client, "SMpath0001", AUDI, "Need a key for a 2023 Audi Q5 VIN WA1BNAFY4PP057830"
            )
            second = await _text(
                client,
                "SMpath0002",
                TOYOTA,
                "changement d'huile sur RAV4 2022 stock T9001, client attend",
            )
        assert (200, 200) == (first.status_code, second.status_code)
        await system.run_tasks()

        page = await system.services.dispatch.list_jobs(JobFilter())
        audi, toyota = page.items
        assert ("KEY_PROGRAMMING", "HIGH", 10) == (
            audi.service_code,
            audi.urgency.value,
            audi.ranking_score,
        )
        assert "Manual verification required (Audi rule)" in audi.review_reasons
        assert any("Key programming" in rule for rule in audi.applied_rules)
        assert ("OIL_CHANGE", "HIGH", ()) == (
            toyota.service_code,
            toyota.urgency.value,
            toyota.review_reasons,
        )
        bodies = sorted(m["body"] for m in fake_twilio.messages)
        assert [f"Received: {audi.job_code}", f"Reçu : {toyota.job_code}"] == [
            b.split(",")[0] for b in bodies
        ]

    async def test_a_repeated_delivery_makes_one_set_of_jobs(self, system: System) -> None:
        """Twilio delivering the same MessageSid twice creates one message and one job."""
        async with _client(system) as client:
            for _ in range(2):
                response = await _text(client, "SMpath0003", TOYOTA, "pneus d'hiver civic 2020")
                assert 200 == response.status_code
        await system.run_tasks()
        with psycopg.connect(system.database_url) as conn:
            counts = conn.execute(
                "SELECT (SELECT count(*) FROM inbound_messages),"
                " (SELECT count(*) FROM jobs), (SELECT count(*) FROM outbound_sms"
                " WHERE status = 'SENT')"
            ).fetchone()
        assert (1, 1, 1) == counts

    async def test_a_forged_text_stores_nothing(self, system: System) -> None:
        """A bad signature is refused before anything is written or queued."""
        async with _client(system) as client:
            response = await client.post(
                "/webhooks/twilio/sms",
                data={"From": AUDI, "To": OUR_NUMBER, "Body": "key please", "MessageSid": "SMx"},
                headers={"X-Twilio-Signature": "forged"},
            )
        assert 403 == response.status_code
        with psycopg.connect(system.database_url) as conn:
            row = conn.execute("SELECT count(*) FROM inbound_messages").fetchone()
        assert row is not None
        assert 0 == row[0]
