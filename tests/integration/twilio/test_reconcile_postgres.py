"""Reconciliation on PostgreSQL through the real twilio SDK: a text whose webhook never came is
found in Twilio's record (the local API) and becomes a job, by ``sm2 sms reconcile`` and by the
worker's periodic task."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import psycopg
import pytest
from click.testing import CliRunner, Result
from fake_twilio_api import FakeTwilio, inbound_message
from pg_system import seeded_system
from twilio_helpers import ACCOUNT_SID, AUDI_QUEBEC, AUTH_TOKEN, OUR_NUMBER

from pgtools import reset_database
from sm2_adapters.settings import Settings
from sm2_adapters.system import System, open_system
from sm2_cli.main import cli
from sm2_core.domain.records import ReceivedSms

KEY_TEXT = "Need a key for a 2023 Audi Q5 VIN WA1BNAFY4PP057830"


def missed_text(fake: FakeTwilio, sid: str, *, minutes_ago: float = 20) -> datetime:
    """A text Twilio received from the Audi dealership whose webhook never reached us."""
    sent = datetime.now(UTC).replace(microsecond=0) - timedelta(minutes=minutes_ago)
    fake.inbound.append(
        inbound_message(
            sid=sid,
            from_=AUDI_QUEBEC,
            to=OUR_NUMBER,
            body=KEY_TEXT,
            date_sent=sent,
            account_sid=ACCOUNT_SID,
        )
    )
    return sent


def rows(url: str, query: str) -> list[tuple[object, ...]]:
    with psycopg.connect(url) as conn:
        return conn.execute(query).fetchall()  # type: ignore[arg-type]


class TestCommand:
    @pytest.fixture
    def env(
        self,
        pg_url: str,
        tmp_path: Path,
        threaded_twilio: FakeTwilio,
        monkeypatch: pytest.MonkeyPatch,
    ) -> dict[str, str]:
        monkeypatch.chdir(tmp_path)  # no .env file adds settings
        reset_database(pg_url)
        return {
            "SM2_DATABASE_URL": pg_url,
            "SM2_DATA_DIR": str(tmp_path),
            "SM2_JWT_SECRET": "j" * 32,
            "TWILIO_ACCOUNT_SID": ACCOUNT_SID,
            "TWILIO_AUTH_TOKEN": AUTH_TOKEN,
            "TWILIO_FROM_NUMBER": OUR_NUMBER,
            "SM2_TWILIO_API_URL": threaded_twilio.url,
            "no_proxy": "*",
            "NO_PROXY": "*",
        }

    @staticmethod
    def sm2(env: dict[str, str], *args: str) -> Result:
        return CliRunner(env=env).invoke(cli, list(args))

    def test_a_missed_webhook_becomes_a_job(
        self, env: dict[str, str], threaded_twilio: FakeTwilio, pg_url: str
    ) -> None:
        """Only in Twilio's record: reconcile stores it, the worker makes the job and texts back;
        a second reconcile finds it already here."""
        assert 0 == self.sm2(env, "seed", "--demo").exit_code
        sent = missed_text(threaded_twilio, "SMmissed0001")

        first = self.sm2(env, "sms", "reconcile")
        assert 0 == first.exit_code, first.output
        assert ": 1 stored, 0 already here" in first.stdout
        assert first.stdout.startswith("1 text at Twilio since ")
        asyncio.run(_run_worker_once(Settings.from_env(env)))

        [(sid, status, received_at, job_count)] = rows(
            pg_url,
            "SELECT sid, status, received_at, cardinality(job_ids) FROM inbound_messages",
        )
        assert ("SMmissed0001", "PROCESSED", sent, 1) == (sid, status, received_at, job_count)
        [(service, urgency)] = rows(pg_url, "SELECT service_code, urgency FROM jobs")
        assert ("KEY_PROGRAMMING", "HIGH") == (service, urgency)
        (confirmation,) = threaded_twilio.messages
        assert (AUDI_QUEBEC, True) == (
            confirmation["to"],
            confirmation["body"].startswith("Received: SM2-"),
        )

        again = self.sm2(env, "sms", "reconcile", "--json")
        assert 0 == again.exit_code, again.output
        assert '"stored": 0, "already_had": 1' in again.stdout
        assert [(1,)] == rows(pg_url, "SELECT count(*) FROM jobs")

    def test_the_request_reaches_twilio_with_our_number(
        self, env: dict[str, str], threaded_twilio: FakeTwilio
    ) -> None:
        """``--since`` goes to Twilio as DateSent>, in GMT; To is TWILIO_FROM_NUMBER."""
        result = self.sm2(env, "sms", "reconcile", "--since", "2026-11-25T08:00-05:00")
        assert 0 == result.exit_code, result.output
        (request,) = threaded_twilio.requests
        assert (OUR_NUMBER, "2026-11-25T13:00:00Z") == (
            request.query["To"],
            request.query["DateSent>"],
        )

    def test_twilio_refusing_is_exit_1(
        self, env: dict[str, str], threaded_twilio: FakeTwilio
    ) -> None:
        """A wrong auth token: Twilio's 401 as a one-line error, exit 1."""
        result = self.sm2({**env, "TWILIO_AUTH_TOKEN": "wrong"}, "sms", "reconcile")
        assert 1 == result.exit_code
        assert "HTTP 401, error 20003" in result.stderr
        assert "Traceback" not in result.output

    def test_without_twilio_credentials_exit_1(self, env: dict[str, str]) -> None:
        """No TWILIO_* settings: what to set, exit 1."""
        unset = {"TWILIO_ACCOUNT_SID": "", "TWILIO_AUTH_TOKEN": "", "TWILIO_FROM_NUMBER": ""}
        result = self.sm2({**env, **unset}, "sms", "reconcile")
        assert 1 == result.exit_code
        assert "Error: Twilio is not configured: set TWILIO_ACCOUNT_SID" in result.stderr


async def _run_worker_once(settings: Settings) -> None:
    async with open_system(settings) as system:
        await system.run_tasks()


class TestPeriodicTask:
    @pytest.fixture
    async def system(
        self, pg_url: str, tmp_path: Path, fake_twilio: FakeTwilio
    ) -> AsyncIterator[System]:
        async with seeded_system(pg_url, tmp_path, fake_twilio.url) as built:
            yield built

    async def test_the_worker_stores_what_the_webhook_missed(
        self, system: System, fake_twilio: FakeTwilio
    ) -> None:
        """The procrastinate task: the text that came by webhook stays one, the missed one is
        stored and parsed."""
        missed_text(fake_twilio, "SMmissed0002", minutes_ago=30)
        missed_text(fake_twilio, "SMdelivered1", minutes_ago=10)
        await system.services.receipt.receive_sms(
            ReceivedSms(
                sid="SMdelivered1", from_number=AUDI_QUEBEC, to_number=OUR_NUMBER, body=KEY_TEXT
            )
        )
        task = system.task_app.tasks["reconcile_with_twilio"]
        await task.defer_async(timestamp=int(time.time()))
        await system.run_tasks()
        found = rows(
            system.database_url, "SELECT sid, status FROM inbound_messages ORDER BY received_at"
        )
        assert [("SMmissed0002", "PROCESSED"), ("SMdelivered1", "PROCESSED")] == found
        assert [(2,)] == rows(system.database_url, "SELECT count(*) FROM jobs")
