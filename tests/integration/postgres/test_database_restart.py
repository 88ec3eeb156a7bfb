"""A PostgreSQL restart under a running system: the worker waits for the database and resumes,
the pool replaces its dead connections, and nothing received is lost or parsed twice."""

from __future__ import annotations

import asyncio
import logging
import shutil
import tempfile
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import httpx
import pytest
from procrastinate.exceptions import ConnectorException

from sm2_adapters.bootstrap import seed_demo
from sm2_adapters.postgres.embedded import ensure_embedded_server, stop_embedded_server
from sm2_adapters.postgres.outage import DatabaseUnavailable, keep_working, wait_for_database
from sm2_adapters.settings import Settings
from sm2_adapters.system import System, build_system
from sm2_core.domain.records import MessageStatus, ReceivedSms
from sm2_web.config import WebConfig
from sm2_web.serve import app_for_runtime

pytestmark = pytest.mark.postgres

TOYOTA = "+14185550103"


@pytest.fixture
def data_dir() -> Iterator[Path]:
    """Outside pytest's basetemp, which the embedded server's own user may not enter."""
    root = Path(tempfile.mkdtemp(prefix="sm2-restart-"))
    path = root / "data"
    ensure_embedded_server(path, stop_at_exit=False)
    try:
        yield path
    finally:
        stop_embedded_server(path)
        shutil.rmtree(root, ignore_errors=True)


@pytest.fixture
async def system(data_dir: Path) -> AsyncIterator[System]:
    settings = Settings(data_dir=data_dir, jwt_secret="t" * 32, secret_key="k" * 32)
    built = await asyncio.to_thread(build_system, settings, pool_size=4)
    await built.open()
    try:
        await seed_demo(built.services)
        yield built
    finally:
        await built.close()


async def _text(system: System, sid: str) -> None:
    await system.services.receipt.receive_sms(
        ReceivedSms(
            sid=sid, from_number=TOYOTA, to_number="+14185550000", body="pneus RAV4 2022 stock T1"
        )
    )


async def _restart(data_dir: Path) -> None:
    assert await asyncio.to_thread(stop_embedded_server, data_dir)
    await asyncio.sleep(1.0)  # the worker's next poll meets a dead database
    await asyncio.to_thread(ensure_embedded_server, data_dir, stop_at_exit=False)


async def _jobs_of(system: System, sids: list[str]) -> dict[str, int]:
    """How many jobs each parsed text of ``sids`` made."""
    async with system.pool.connection() as conn:
        cur = await conn.execute(
            "SELECT sid, cardinality(job_ids) FROM inbound_messages"
            " WHERE sid = ANY(%s) AND status = %s",
            (sids, MessageStatus.PROCESSED.value),
        )
        return dict(await cur.fetchall())


class TestWorkerAcrossARestart:
    async def test_texts_before_and_after_a_restart_each_become_one_job(
        self, system: System, data_dir: Path
    ) -> None:
        """The worker outlives the restart; every text is parsed once; receipt needs no retry."""
        worker = asyncio.create_task(system.run_worker(listen=False, concurrency=2))
        try:
            before = [f"SMbefore{n}" for n in range(3)]
            for sid in before:
                await _text(system, sid)
            await _restart(data_dir)
            after = [f"SMafter{n}" for n in range(3)]
            for sid in after:
                await _text(system, sid)  # the pool checks its connections: no error here
            for _ in range(300):  # a minute at most: parsing is a worker's poll away
                if len(done := await _jobs_of(system, before + after)) == 6:
                    break
                await asyncio.sleep(0.2)
            assert (False, dict.fromkeys(before + after, 1)) == (worker.done(), done)
        finally:
            worker.cancel()
            with pytest.raises(asyncio.CancelledError):
                await worker


WEB = WebConfig(jwt_secret="t" * 32, twilio_verify=False)


class TestTextsDuringAnOutage:
    async def test_texts_received_while_the_database_is_down_become_jobs_once_it_is_back(
        self, system: System, data_dir: Path
    ) -> None:
        """Each is answered (spooled on disk), then stored and parsed once the database is back;
        health says degraded with the spool's depth meanwhile."""
        assert await asyncio.to_thread(stop_embedded_server, data_dir)
        during = [f"SMduring{n}" for n in range(3)]
        app = app_for_runtime(system, config=WEB, run_worker=False)  # routes only: no lifespan
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://sm2") as client:
            for sid in during:
                form = {"MessageSid": sid, "From": TOYOTA, "To": "+14185550000", "Body": "pneus"}
                async with asyncio.timeout(10):  # receipt's bound is 2 s, well within Twilio's 15
                    response = await client.post("/webhooks/twilio/sms", data=form)
                assert 200 == response.status_code, response.text
        report = await system.health.check()
        assert (False, 3) == (report["database"]["ok"], report["spool"]["depth"])
        await asyncio.to_thread(ensure_embedded_server, data_dir, stop_at_exit=False)
        worker = asyncio.create_task(system.run_worker(listen=False, concurrency=2))
        try:
            for _ in range(300):  # the replay loop and the worker each poll every few seconds
                done = await _jobs_of(system, during)
                spooled = (await system.health.check())["spool"]["depth"]
                if (len(done), spooled) == (3, 0):
                    break
                await asyncio.sleep(0.2)
            assert (dict.fromkeys(during, 1), 0) == (done, spooled)
        finally:
            worker.cancel()
            with pytest.raises(asyncio.CancelledError):
                await worker


class TestKeepWorking:
    async def test_work_that_loses_the_database_runs_again_once_it_is_back(
        self, system: System, caplog: pytest.LogCaptureFixture
    ) -> None:
        """The outage is logged once, the recovery once, and the work resumes."""
        caplog.set_level(logging.WARNING, logger="sm2.worker")
        runs: list[int] = []

        async def work() -> None:
            runs.append(len(runs))
            if len(runs) == 1:
                raise ConnectorException("connection lost")

        await keep_working(work, system.pool, give_up_after=5)
        messages = [r.getMessage() for r in caplog.records if r.name == "sm2.worker"]
        assert ([0, 1], 2) == (runs, len(messages))

    async def test_other_errors_are_not_taken_for_an_outage(self, system: System) -> None:
        """A bug is not waited out: it ends the work at once."""

        async def work() -> None:
            raise ValueError("a bug")

        with pytest.raises(ValueError, match="a bug"):
            await keep_working(work, system.pool, give_up_after=5)


class TestGivingUp:
    async def test_a_database_that_stays_away_ends_the_wait(
        self, system: System, data_dir: Path
    ) -> None:
        """After the configured time the wait ends in DatabaseUnavailable (the process exits)."""
        assert await asyncio.to_thread(stop_embedded_server, data_dir)
        with pytest.raises(DatabaseUnavailable):
            await wait_for_database(system.pool, give_up_after=1.5)
        await asyncio.to_thread(ensure_embedded_server, data_dir, stop_at_exit=False)
