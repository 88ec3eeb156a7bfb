"""Payments: each invoice's life in QuickBooks after SYNCED, read from QuickBooks and applied.

Two ways in, one way of applying. Intuit's webhook names what changed (``notified``: a task per
change, so Intuit gets its 200 at once); the task reads the invoice, or the invoices a payment
is applied to, and applies them (``refresh``). The change poll (``payment_poll``) is the safety
net for notifications that never came. Applying a reading is idempotent and ignores stale ones
(``sm2_core.payments``), so the same change seen by both costs a read and nothing else.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime, timedelta
from uuid import UUID
from zoneinfo import ZoneInfo

import attrs

from sm2_core.domain.enums import InvoiceState
from sm2_core.domain.invoice import Invoice
from sm2_core.domain.job import Job
from sm2_core.domain.payments import (
    EntityChange,
    InvoiceFacts,
    PollReport,
    QbEntity,
    QbOperation,
    RefreshReport,
)
from sm2_core.domain.records import Actor
from sm2_core.errors import IntegrationError, InvalidTransition, StaleVersion
from sm2_core.lifecycle import INVOICE_OVERDUE, invoice_paid_state
from sm2_core.payments import amounts, first_record, next_state, settle
from sm2_core.ports import Clock, InvoiceStatusSource, TaskQueue, UnitOfWork, UnitOfWorkFactory
from sm2_core.services import payment_poll
from sm2_core.services.common import save_change
from sm2_core.tasks import RefreshFromQuickBooks

_QUICKBOOKS = Actor.system("quickbooks")
#: How many invoices are read from QuickBooks, or marked overdue, per round.
BATCH = 100


@attrs.frozen
class _Applied:
    recorded: bool = False
    job: Job | None = None
    unknown: bool = False


@attrs.define(kw_only=True, frozen=True)
class PaymentService:
    uow: UnitOfWorkFactory
    clock: Clock
    tasks: TaskQueue
    source: InvoiceStatusSource
    timezone: str = "America/Toronto"
    """Where a due date passes (``SM2_TIMEZONE``)."""
    poll_every: timedelta = timedelta(minutes=15)
    """How often the change poll asks QuickBooks (``SM2_QBO_CDC_MINUTES``)."""

    def today(self, now: datetime | None = None) -> date:
        return (now or self.clock.now()).astimezone(ZoneInfo(self.timezone)).date()

    async def invoice(self, job_id: UUID) -> Invoice | None:
        """The job's invoice record (what was billed, what QuickBooks says of it since)."""
        async with self.uow() as uow:
            return await uow.invoices.find(job_id)

    async def notified(self, changes: Sequence[EntityChange]) -> int:
        """Intuit's webhook: a task per change to an invoice or a payment of the company
        connected now (other companies' are not ours to read), once however often it was
        announced; how many were queued."""
        realm = await self.source.realm()
        tasks = [
            RefreshFromQuickBooks(
                realm_id=c.realm_id,
                entity=c.entity.value,
                entity_id=c.entity_id,
                operation=c.operation.value,
                last_updated=c.last_updated.isoformat() if c.last_updated else "",
            )
            for c in changes
            if realm is not None and c.realm_id == realm
        ]
        fresh = await self.tasks.not_queued(list(dict.fromkeys(tasks)))
        for task in fresh:
            await self.tasks.defer(task)
        return len(fresh)

    async def notified_change(self, task: RefreshFromQuickBooks) -> RefreshReport:
        """The webhook's task: read what changed and apply it. A transient failure is raised
        (the queue retries it); one QuickBooks will answer the same way every time (a broken
        connection, a refusal) is left to the change poll, whose errors health shows."""
        try:
            return await self._notified_change(task)
        except IntegrationError as exc:
            if exc.transient:
                raise
            return RefreshReport()

    async def _notified_change(self, task: RefreshFromQuickBooks) -> RefreshReport:
        if await self.source.realm() != task.realm_id:
            return RefreshReport()  # disconnected, or another company connected since
        if QbEntity(task.entity) is QbEntity.INVOICE:
            if await self._seen(task.entity_id, task.last_updated):
                return RefreshReport()
            return await self.refresh([task.entity_id])
        linked = await self.source.payment_invoices(task.entity_id)
        report = await self.refresh(linked) if linked else RefreshReport()
        if linked is None or QbOperation(task.operation).removes:
            # A deleted or voided payment no longer names its invoices; the invoices whose
            # balance it changed are among QuickBooks' changes since the last poll.
            polled = await payment_poll.poll_now(self)
            report = report + (polled.refreshed if polled else RefreshReport())
        return report

    async def poll_when_due(self) -> PollReport | None:
        """The change poll's periodic task (``payment_poll``)."""
        return await payment_poll.poll_when_due(self)

    async def poll(self, *, since: datetime | None = None) -> PollReport | None:
        """Ask QuickBooks for its changes now, from ``since`` (at most 30 days back) or from
        where the last poll ended; None when QuickBooks is not connected."""
        return await payment_poll.poll_now(self, since=since)

    async def catch_up(self) -> RefreshReport:
        """Read every open invoice from QuickBooks by id (``sm2 invoices refresh --open``)."""
        return await payment_poll.catch_up(self)

    async def _seen(self, qb_invoice_id: str, last_updated: str) -> bool:
        """The invoice's record already holds a reading at least as new as the notification:
        a repeated notification costs no read."""
        if not last_updated:
            return False
        async with self.uow() as uow:
            invoice = await uow.invoices.by_qb_id(qb_invoice_id)
        return (
            invoice is not None
            and invoice.qb_updated_at is not None
            and invoice.qb_updated_at >= datetime.fromisoformat(last_updated)
        )

    async def refresh_job(self, job_id: UUID) -> RefreshReport:
        """Read one job's invoice from QuickBooks again (``sm2 invoices refresh JOB``)."""
        async with self.uow() as uow:
            job = await uow.jobs.get(job_id)
        if not job.invoice_state.in_quickbooks or job.qb_invoice_id is None:
            raise InvalidTransition(
                f"Job {job.job_code} invoice is {job.invoice_state.value}: "
                "it is not in QuickBooks yet"
            )
        return await self.refresh([job.qb_invoice_id])

    async def refresh(self, qb_invoice_ids: Sequence[str]) -> RefreshReport:
        """Read these invoices from QuickBooks and apply what it says, ``BATCH`` at a time."""
        wanted = list(dict.fromkeys(qb_invoice_ids))
        report = RefreshReport()
        for start in range(0, len(wanted), BATCH):
            report += await self.apply(await self.source.invoices(wanted[start : start + BATCH]))
        return report

    async def apply(self, readings: Sequence[InvoiceFacts]) -> RefreshReport:
        """Each reading in a unit of work of its own: the record, and the job when its state or
        amounts moved (audited, announced)."""
        report = RefreshReport(read=len(readings))
        for facts in readings:
            try:
                applied = await self._apply(facts)
            except StaleVersion:
                # The job changed meanwhile (another reading of the same invoice, say): seen
                # afresh, this reading is applied or found already applied.
                applied = await self._apply(facts)
            report += RefreshReport(
                changed=(applied.job,) if applied.job else (),
                recorded=int(applied.recorded),
                unknown=(facts.qb_invoice_id,) if applied.unknown else (),
            )
        return report

    async def _apply(self, facts: InvoiceFacts) -> _Applied:
        now = self.clock.now()
        async with self.uow() as uow:
            before = await uow.invoices.by_qb_id(facts.qb_invoice_id, for_update=True)
            if before is None:
                job = await uow.jobs.by_qb_invoice_id(facts.qb_invoice_id)
                if job is None or not job.invoice_state.in_quickbooks:
                    return _Applied(unknown=True)
                invoice = first_record(job, facts, now=now)
            else:
                job, invoice = await uow.jobs.get(before.job_id), before
            after = settle(invoice, facts, now=now)
            if after is None:
                return _Applied()
            await uow.invoices.save(after)
            return _Applied(recorded=True, job=await self._moved(uow, job, before, after, now))

    async def _moved(
        self, uow: UnitOfWork, job: Job, before: Invoice | None, after: Invoice, now: datetime
    ) -> Job | None:
        """Audit and announce what the reading moved: the state, or (when QuickBooks had said
        them before) the amounts."""
        state = next_state(job, after, today=self.today(now))
        old, new = amounts(before), amounts(after)
        known = before is not None and before.total is not None
        if state is None and not (known and old != new):
            return None
        if not job.invoice_state.in_quickbooks:
            return None
        change = invoice_paid_state(
            job, state or job.invoice_state, amounts=(old, new), actor=_QUICKBOOKS, now=now
        )
        return await save_change(uow, change)

    async def mark_overdue(self) -> list[Job]:
        """Invoices whose due date passed (in the company's time zone) with something left to
        pay become OVERDUE without waiting for QuickBooks to say anything (a periodic task)."""
        marked: list[Job] = []
        while True:
            now = self.clock.now()
            async with self.uow() as uow:
                due = await uow.invoices.past_due(self.today(now), limit=BATCH)
            done = [job for invoice in due if (job := await self._overdue(invoice.job_id))]
            marked += done
            if len(due) < BATCH or not done:
                return marked

    async def _overdue(self, job_id: UUID) -> Job | None:
        now = self.clock.now()
        async with self.uow() as uow:
            invoice = await uow.invoices.find(job_id, for_update=True)
            job = await uow.jobs.get(job_id)
            state = None if invoice is None else next_state(job, invoice, today=self.today(now))
            if state is not InvoiceState.OVERDUE:
                return None  # paid or voided meanwhile
            figures = amounts(invoice)
            change = invoice_paid_state(
                job,
                state,
                amounts=(figures, figures),
                actor=_QUICKBOOKS,
                now=now,
                action=INVOICE_OVERDUE,
            )
            return await save_change(uow, change)
