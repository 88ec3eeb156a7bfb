"""The worker's periodic reconciliation with Twilio: registered, quiet when off, logs once."""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta

import pytest

from sm2_adapters.memory import MemorySystem, build_memory_system
from sm2_adapters.tasks import (
    RECONCILE_CRON,
    RECONCILE_WINDOW,
    Reconciler,
    ServicesRef,
    build_task_app,
)
from sm2_core.domain.records import ReceivedSms
from sm2_core.errors import IntegrationError, NotConfigured

LOGGER = "sm2_adapters.tasks"


@pytest.fixture
def system() -> MemorySystem:
    return build_memory_system()


@pytest.fixture
def reconciler(system: MemorySystem) -> Reconciler:
    ref = ServicesRef()
    ref.services = system.services
    return Reconciler(ref)


def since(system: MemorySystem) -> datetime:
    return system.clock.now() - RECONCILE_WINDOW


def warnings(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING]


class TestRegistration:
    def test_every_ten_minutes_one_at_a_time(self) -> None:
        """A periodic task on the sm2 queue, with a queueing lock, looking back an hour."""
        app = build_task_app("postgresql://unused", ServicesRef())
        periodic = {key[0]: task for key, task in app.periodic_registry.periodic_tasks.items()}
        task = app.tasks["reconcile_with_twilio"]
        assert ("*/10 * * * *", "*/10 * * * *") == (periodic[task.name].cron, RECONCILE_CRON)
        assert ("reconcile", "sm2") == (task.queueing_lock, task.queue)
        assert timedelta(hours=1) == RECONCILE_WINDOW


class TestReconciler:
    async def test_stores_what_we_lack(self, system: MemorySystem, reconciler: Reconciler) -> None:
        """A text only in the carrier's record is stored; the report says so."""
        system.inbox.texts.append(
            ReceivedSms(
                sid="SMlost",
                from_number="+14185550102",
                to_number="+14185550000",
                body="oil change",
                sent_at=system.clock.now() - timedelta(minutes=5),
            )
        )
        report = await reconciler.run(since(system))
        assert report is not None
        assert (1, 1) == (report.seen, report.stored)
        assert ["SMlost"] == [m.sid for m in system.store.tables.messages.values()]

    async def test_not_configured_is_quiet(
        self, system: MemorySystem, reconciler: Reconciler, caplog: pytest.LogCaptureFixture
    ) -> None:
        """No Twilio credentials: nothing above debug, and the task succeeds."""
        caplog.set_level(logging.DEBUG, logger=LOGGER)
        system.inbox.fail_with.append(NotConfigured("Twilio is not configured"))
        assert await reconciler.run(since(system)) is None
        assert [] == warnings(caplog)
        assert any("skipped" in r.getMessage() for r in caplog.records)

    async def test_a_failure_is_logged_once_while_it_lasts(
        self, system: MemorySystem, reconciler: Reconciler, caplog: pytest.LogCaptureFixture
    ) -> None:
        """Three failed runs in a row: one warning; the run after, which works, says so."""
        caplog.set_level(logging.INFO, logger=LOGGER)
        outage = IntegrationError("twilio", "HTTP 503, error 20503", transient=True)
        system.inbox.fail_with.extend([outage, outage, outage])
        for _ in range(3):
            assert await reconciler.run(since(system)) is None
        assert 1 == len(warnings(caplog))
        assert "HTTP 503" in warnings(caplog)[0]
        assert await reconciler.run(since(system)) is not None
        assert "works again" in caplog.records[-1].getMessage()

    async def test_a_new_failure_is_logged_again(
        self, system: MemorySystem, reconciler: Reconciler, caplog: pytest.LogCaptureFixture
    ) -> None:
        """A different failure is news: logged."""
        caplog.set_level(logging.INFO, logger=LOGGER)
        system.inbox.fail_with.extend(
            [
                IntegrationError("twilio", "HTTP 503", transient=True),
                IntegrationError("twilio", "HTTP 401, error 20003", transient=False),
            ]
        )
        await reconciler.run(since(system))
        await reconciler.run(since(system))
        assert 2 == len(warnings(caplog))

    async def test_the_window_ends_at_the_scheduled_time(self, system: MemorySystem) -> None:
        """The task looks back one hour from the timestamp procrastinate gives it."""
        ref = ServicesRef()
        ref.services = system.services
        app = build_task_app("postgresql://unused", ref)
        scheduled = datetime(2026, 11, 25, 13, 10, tzinfo=UTC)
        await app.tasks["reconcile_with_twilio"](timestamp=int(scheduled.timestamp()))
        assert [scheduled - timedelta(hours=1)] == system.inbox.asked
