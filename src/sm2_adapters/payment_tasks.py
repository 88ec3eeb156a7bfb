"""The periodic tasks of payments: QuickBooks' change poll, and invoices falling overdue.

Both are registered with the task queue (``sm2_adapters.tasks``) and run by whichever worker
takes them; procrastinate defers each periodic run once, whatever the number of workers.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from procrastinate import App

from sm2_adapters.postgres.queue import TASK_QUEUE
from sm2_core.errors import NotConfigured, Sm2Error

if TYPE_CHECKING:
    from sm2_adapters.tasks import ServicesRef

log = logging.getLogger(__name__)

#: The poll's task runs every minute and asks QuickBooks when SM2_QBO_CDC_MINUTES have passed
#: since the company's last attempt (stored: every worker sees the same).
POLL_CRON = "* * * * *"
#: A due date passes at midnight in the company's time zone: seen within a quarter of an hour.
OVERDUE_CRON = "*/15 * * * *"


class ChangePollRun:
    """A failed poll is logged once while it lasts (the next run asks for the same period
    again, and health shows the error); no retries of its own."""

    def __init__(self, ref: ServicesRef) -> None:
        self._ref = ref
        self._failing: str | None = None

    async def run(self) -> None:
        try:
            report = await self._ref.get().payments.poll_when_due()
        except NotConfigured as exc:
            log.debug("QuickBooks change poll skipped: %s", exc.message)
            return
        except Sm2Error as exc:
            if exc.message != self._failing:
                log.warning("QuickBooks change poll failed (tried again next period): %s", exc)
            self._failing = exc.message
            return
        if self._failing is not None:
            log.info("QuickBooks change poll works again")
            self._failing = None
        if report is not None and report.refreshed.changed:
            log.info("QuickBooks change poll: %d invoice(s) changed", len(report.refreshed.changed))


def register_payment_tasks(app: App, ref: ServicesRef) -> None:
    poll = ChangePollRun(ref)

    @app.periodic(cron=POLL_CRON, periodic_id="qbo_changes")
    @app.task(name="poll_quickbooks_changes", queue=TASK_QUEUE, queueing_lock="qbo_changes")
    async def poll_quickbooks_changes(timestamp: int) -> None:
        # Safety net for Intuit's notifications that never reached us (or were never sent).
        await poll.run()

    @app.periodic(cron=OVERDUE_CRON, periodic_id="overdue")
    @app.task(name="mark_overdue_invoices", queue=TASK_QUEUE, queueing_lock="overdue")
    async def mark_overdue_invoices(timestamp: int) -> None:
        marked = await ref.get().payments.mark_overdue()
        if marked:
            log.info("%d invoice(s) overdue", len(marked))
