"""Billing: approved work is invoiced exactly once."""

from __future__ import annotations

from uuid import UUID

import attrs

from sm2_core.domain.enums import InvoiceState, PolicyRule
from sm2_core.domain.job import Job
from sm2_core.domain.records import Actor
from sm2_core.errors import (
    IntegrationError,
    InvalidTransition,
    NotConfigured,
    PolicyViolation,
    StaleVersion,
)
from sm2_core.lifecycle import approve, invoice_failed, invoice_synced
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
from sm2_core.tasks import SyncInvoice

_BILLING = Actor.system("billing")


@attrs.define(kw_only=True, frozen=True)
class BillingService:
    uow: UnitOfWorkFactory
    clock: Clock
    tasks: TaskQueue
    accounting: AccountingGateway

    async def approve(
        self, job_id: UUID, *, actor: Actor, expected_version: int | None = None
    ) -> Job:
        """Approve a COMPLETED job and queue its invoice; approving it again while the invoice
        is on its way changes nothing (a double click makes one invoice)."""
        try:
            job, approved = await self._approve(job_id, actor, expected_version)
        except StaleVersion:
            # Two clicks at once: the other one approved it first. Seen afresh, this click is
            # the harmless repeat (or, had the job really changed, a refusal of its own).
            job, approved = await self._approve(job_id, actor, expected_version)
        if approved:
            await self.tasks.defer(SyncInvoice(job_id=job.id))
        return job

    async def _approve(
        self, job_id: UUID, actor: Actor, expected_version: int | None
    ) -> tuple[Job, bool]:
        async with self.uow() as uow:
            job = await uow.jobs.get(job_id)
            change = approve(job, actor=actor, now=self.clock.now())
            if change is None:
                return job, False  # a repeat, whatever version the click carried
            check_version(job, expected_version)
            return await save_change(uow, change), True

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
        return await self._synced(job_id, receipt)

    async def _request(self, uow: UnitOfWork, job: Job) -> InvoiceRequest:
        dealership = await uow.dealerships.get(job.dealership_id)
        if job.service_id is None:
            raise PolicyViolation(PolicyRule.BILLING, f"Job {job.job_code} has no service to bill")
        service = await uow.services.get(job.service_id)
        vin = job.vehicle.vin or "n/a"
        return InvoiceRequest(
            job_id=job.id,
            job_code=job.job_code,
            customer_name=dealership.name,
            customer_email=dealership.email,
            item_name=service.name,
            amount=service.base_price,
            description=f"{service.name} — {job.vehicle.describe()} — VIN {vin} — {job.job_code}",
            private_note=f"SM2 job {job.id}; VIN {vin}",
            customer_ref=dealership.qb_customer_id,
            item_ref=service.qb_item_id,
        )

    async def _synced(self, job_id: UUID, receipt: InvoiceReceipt) -> Job:
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
            return await save_change(uow, change)

    async def _failed(self, job_id: UUID, error: str) -> Job:
        async with self.uow() as uow:
            job = await uow.jobs.get(job_id)
            change = invoice_failed(job, error, actor=_BILLING, now=self.clock.now())
            return await save_change(uow, change)
