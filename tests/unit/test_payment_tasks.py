"""The worker's periodic payments tasks: QuickBooks' change poll and the overdue pass,
registered one at a time; a failing poll is logged once while it lasts."""

from __future__ import annotations

import logging

import pytest

from sm2_adapters.memory import MemorySystem, build_memory_system
from sm2_adapters.payment_tasks import OVERDUE_CRON, POLL_CRON, ChangePollRun
from sm2_adapters.tasks import ServicesRef, build_task_app
from sm2_core.errors import IntegrationError

LOGGER = "sm2_adapters.payment_tasks"


@pytest.fixture
def system() -> MemorySystem:
    return build_memory_system()


@pytest.fixture
def run(system: MemorySystem) -> ChangePollRun:
    ref = ServicesRef()
    ref.services = system.services
    return ChangePollRun(ref)


def logged(caplog: pytest.LogCaptureFixture, level: int) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.levelno == level and r.name == LOGGER]


class TestRegistration:
    def test_both_periodic_one_at_a_time(self) -> None:
        """The poll's task every minute (it asks QuickBooks every SM2_QBO_CDC_MINUTES), the
        overdue pass every quarter of an hour, each with a queueing lock on the sm2 queue."""
        app = build_task_app("postgresql://unused", ServicesRef())
        periodic = {key[0]: task for key, task in app.periodic_registry.periodic_tasks.items()}
        poll, overdue = app.tasks["poll_quickbooks_changes"], app.tasks["mark_overdue_invoices"]
        assert (POLL_CRON, OVERDUE_CRON) == (periodic[poll.name].cron, periodic[overdue.name].cron)
        assert (("qbo_changes", "sm2"), ("overdue", "sm2")) == (
            (poll.queueing_lock, poll.queue),
            (overdue.queueing_lock, overdue.queue),
        )


class TestChangePollRun:
    async def test_a_failure_is_logged_once_while_it_lasts(
        self, system: MemorySystem, run: ChangePollRun, caplog: pytest.LogCaptureFixture
    ) -> None:
        caplog.set_level(logging.INFO, logger=LOGGER)
        await run.run()  # the first poll: its cursor
        system.clock.advance(minutes=16)
        down = IntegrationError("quickbooks", "Intuit is unreachable", transient=True)
        for _ in range(3):
            system.invoice_status.fail_with.append(down)
            await run.run()
            system.clock.advance(minutes=16)
        await run.run()
        assert 1 == len(logged(caplog, logging.WARNING))
        assert ["QuickBooks change poll works again"] == logged(caplog, logging.INFO)

    async def test_not_connected_is_quiet(
        self, system: MemorySystem, run: ChangePollRun, caplog: pytest.LogCaptureFixture
    ) -> None:
        system.invoice_status.realm_id = None
        await run.run()
        assert [] == logged(caplog, logging.WARNING)
