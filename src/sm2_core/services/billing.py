"""Billing: the invoice's lines shown and adjusted before approval, and approved work
invoiced exactly once."""

from __future__ import annotations

from uuid import UUID

import attrs

from sm2_core.domain.enums import InvoiceState, PolicyRule
from sm2_core.domain.invoice import Invoice, LineKind, subtotal
from sm2_core.domain.job import Job
from sm2_core.domain.records import Actor
from sm2_core.errors import (
    IntegrationError,
    InvalidTransition,
    NotConfigured,
    PolicyViolation,
    StaleVersion,
)
from sm2_core.invoicing import MAX_AMOUNT, InvoicePreview, LineChange, adjust, find_part
from sm2_core.lifecycle import Change, approve, invoice_failed, invoice_synced
from sm2_core.policies import ensure_invoice_allowed
from sm2_core.ports import (
    AccountingGateway,
    Clock,
    InvoiceReceipt,
    InvoiceRequest,
    TaskQueue,
    UnitOfWork,
    UnitOfWorkFactory,
)
from sm2_core.services.common import check_version, save_change
from sm2_core.services.pricing import priced
from sm2_core.tasks import SyncInvoice
from sm2_core.taxes import QUEBEC, TaxRate

_BILLING = Actor.system("billing")


@attrs.define(kw_only=True, frozen=True)
class BillingService:
    uow: UnitOfWorkFactory
    clock: Clock
    tasks: TaskQueue
    accounting: AccountingGateway
    tax_rates: tuple[TaxRate, ...] = QUEBEC
    """What the previews estimate the taxes with (``SM2_TAX_RATES``)."""

    async def preview(self, job_id: UUID) -> InvoicePreview:
        """The job's invoice lines at its stage (``invoicing.Stage``): the service alone until
        the work is completed, then priced with its parts and labour and the dispatcher's
        adjustments, then as approved and billed."""
        async with self.uow() as uow:
            _, current = await priced(uow, await uow.jobs.get(job_id))
        return attrs.evolve(current, tax_rates=self.tax_rates)

    async def adjust_line(
        self,
        job_id: UUID,
        change: LineChange,
        *,
        actor: Actor,
        expected_version: int | None = None,
    ) -> InvoicePreview:
        """Change one line's quantity and/or unit price before approval, with a reason
        (audited, on the job's timeline); refused once the invoice is approved."""
        async with self.uow() as uow:
            job = await uow.jobs.get(job_id)
            check_version(job, expected_version)
            _, current = await priced(uow, job)
            saved = await save_change(
                uow, adjust(current, change, actor=actor, now=self.clock.now())
            )
            _, after = await priced(uow, saved)
        return attrs.evolve(after, tax_rates=self.tax_rates)

    async def approve(
        self,
        job_id: UUID,
        *,
        actor: Actor,
        expected_version: int | None = None,
        confirm_flagged: bool = True,
    ) -> Job:
        """Approve a COMPLETED job with its invoice's lines as they stand, and queue the
        invoice; approving it again while the invoice is on its way changes nothing (a double
        click makes one invoice). ``confirm_flagged=False`` refuses while a line is flagged
        and unadjusted (the portal asks the dispatcher to tick a box first)."""
        try:
            job, approved = await self._approve(job_id, actor, expected_version, confirm_flagged)
        except StaleVersion:
            # Two clicks at once: the other one approved it first. Seen afresh, this click is
            # the harmless repeat (or, had the job really changed, a refusal of its own).
            job, approved = await self._approve(job_id, actor, expected_version, confirm_flagged)
        if approved:
            await self.tasks.defer(SyncInvoice(job_id=job.id))
        return job

    async def _approve(
        self, job_id: UUID, actor: Actor, expected_version: int | None, confirm_flagged: bool
    ) -> tuple[Job, bool]:
        async with self.uow() as uow:
            job = await uow.jobs.get(job_id)
            if approve(job, actor=actor, now=self.clock.now()) is None:
                return job, False  # a repeat, whatever version the click carried
            check_version(job, expected_version)
            _, current = await priced(uow, job)
            _check_billable(current, confirm_flagged=confirm_flagged)
            change = approve(job, actor=actor, now=self.clock.now(), lines=current.invoice_lines)
            assert change is not None  # the same decision as above, with the lines
            return await save_change(uow, _with_flags(change, current)), True

    async def retry(self, job_id: UUID, *, actor: Actor) -> Job:
        """Queue a FAILED invoice again (``sm2 invoices retry``); anything else is refused, so
        nobody is told an invoice was queued when nothing was."""
        async with self.uow() as uow:
            job = await uow.jobs.get(job_id)
        if job.invoice_state is not InvoiceState.FAILED:
            detail = f" (QuickBooks #{job.qb_invoice_id})" if job.qb_invoice_id else ""
            raise InvalidTransition(
                f"Job {job.job_code} invoice is {job.invoice_state.value}{detail}: "
                "only a FAILED invoice can be retried"
            )
        return await self.approve(job_id, actor=actor, expected_version=job.version)

    async def sync_invoice(self, job_id: UUID) -> Job:
        """The invoice task. Idempotent: a synced job is left alone, and the gateway returns the
        first invoice when asked again for the same job."""
        async with self.uow() as uow:
            job = await uow.jobs.get(job_id)
            if job.invoice_state.in_quickbooks:
                return job
            ensure_invoice_allowed(job)
            request = await self._request(uow, job)
        try:
            receipt = await self.accounting.create_invoice(request)
        except NotConfigured as exc:
            return await self._failed(job_id, exc.message)
        except IntegrationError as exc:
            job = await self._failed(
                job_id, exc.message if not exc.code else f"{exc.message} [{exc.code}]"
            )
            if exc.transient:
                raise  # the task queue retries with backoff
            return job
        return await self._synced(job_id, request, receipt)

    async def _request(self, uow: UnitOfWork, job: Job) -> InvoiceRequest:
        """The lines as approved (``Job.invoice_lines``; priced now for a job approved before
        invoices had lines)."""
        pricing, current = await priced(uow, job)
        service, dealership = pricing.service, pricing.dealership
        lines = current.invoice_lines
        skus = {
            (found.name, found.sku)
            for line in lines
            if line.kind is LineKind.PART and line.flag is None
            if (found := find_part(line.description, pricing.catalog)) and found.sku
        }
        vin = job.vehicle.vin or "n/a"
        return InvoiceRequest(
            job_id=job.id,
            job_code=job.job_code,
            customer_name=dealership.name,
            customer_email=dealership.email,
            item_name=service.name,
            amount=current.subtotal,
            description=lines[0].description,
            private_note=f"SM2 job {job.id}; VIN {vin}",
            customer_ref=dealership.qb_customer_id,
            item_ref=service.qb_item_id,
            lines=lines,
            part_skus=tuple(sorted(skus)),
            approved_at=job.approved_at,
        )

    async def _synced(self, job_id: UUID, request: InvoiceRequest, receipt: InvoiceReceipt) -> Job:
        async with self.uow() as uow:
            job = await uow.jobs.get(job_id)
            if job.invoice_state.in_quickbooks:
                return job
            dealership = await uow.dealerships.get(job.dealership_id)
            if dealership.qb_customer_id != receipt.customer_ref:
                await uow.dealerships.update(
                    attrs.evolve(dealership, qb_customer_id=receipt.customer_ref)
                )
            if job.service_id is not None:
                service = await uow.services.get(job.service_id)
                if service.qb_item_id != receipt.item_ref:
                    await uow.services.update(attrs.evolve(service, qb_item_id=receipt.item_ref))
            change = invoice_synced(job, receipt.invoice_id, actor=_BILLING, now=self.clock.now())
            saved = await save_change(uow, change)
            await uow.invoices.save(await self._record(uow, job, request, receipt))
            return saved

    async def _record(
        self, uow: UnitOfWork, job: Job, request: InvoiceRequest, receipt: InvoiceReceipt
    ) -> Invoice:
        """The invoice as billed, with the amounts QuickBooks computed (taxes, total, due)."""
        now = self.clock.now()
        known = await uow.invoices.find(job.id, for_update=True)
        return Invoice(
            job_id=job.id,
            qb_invoice_id=receipt.invoice_id,
            lines=request.lines,
            subtotal=subtotal(request.lines) if request.lines else request.amount,
            created_at=known.created_at if known is not None else now,
            updated_at=now,
            total=receipt.total,
            balance=receipt.balance,
            due_date=receipt.due_date,
            qb_updated_at=receipt.updated_at,
        )

    async def _failed(self, job_id: UUID, error: str) -> Job:
        async with self.uow() as uow:
            job = await uow.jobs.get(job_id)
            change = invoice_failed(job, error, actor=_BILLING, now=self.clock.now())
            return await save_change(uow, change)


def _check_billable(current: InvoicePreview, *, confirm_flagged: bool) -> None:
    """What approval asks of the lines: a total the books can hold, and, unless confirmed,
    no flagged line nobody has looked at."""
    if current.subtotal > MAX_AMOUNT:
        raise PolicyViolation(
            PolicyRule.BILLING,
            f"Job {current.job.job_code} would bill {current.subtotal}, more than {MAX_AMOUNT}",
        )
    unchecked = current.unchecked
    if unchecked and not confirm_flagged:
        named = "; ".join(f"{p.line.description} ({p.line.flag})" for p in unchecked)
        raise PolicyViolation(
            PolicyRule.BILLING,
            f"{len(unchecked)} invoice line(s) of {current.job.job_code} need a look before "
            f"approval: {named}. Adjust them, or confirm to approve as they are",
        )


def _with_flags(change: Change, current: InvoicePreview) -> Change:
    """The approval's audit entry names the flagged lines it approved, adjusted or not."""
    flagged = [
        f"{p.line.description} ({p.line.flag}{', adjusted' if p.adjustment else ''})"
        for p in current.lines
        if p.line.flag is not None
    ]
    if not flagged:
        return change
    values = {**change.audit.new_values, "flagged_lines": flagged}
    return attrs.evolve(change, audit=attrs.evolve(change.audit, new_values=values))
