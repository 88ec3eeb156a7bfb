"""Exactly once on PostgreSQL: a crash between Intuit's success and our commit, and the safety
lock (nothing but COMPLETED, approved work is ever billed)."""

from __future__ import annotations

from types import TracebackType
from typing import Any

import pytest
from fake_intuit import FakeIntuit
from qbo_helpers import ADMIN, Billing, connect

from sm2_adapters.postgres.uow import PostgresUnitOfWorkFactory
from sm2_adapters.quickbooks import QuickBooksIntegration, quickbooks_from_settings
from sm2_adapters.settings import Settings
from sm2_core.domain.enums import InvoiceState, JobStatus
from sm2_core.errors import InvalidTransition, PolicyViolation
from sm2_core.ports import InvoiceReceipt, InvoiceRequest, UnitOfWork


class WorkerDied(Exception):
    pass


class _DyingUnitOfWork:
    """Does the work, then dies instead of committing (everything is rolled back)."""

    def __init__(self, inner: UnitOfWork) -> None:
        self._inner = inner

    async def __aenter__(self) -> UnitOfWork:
        return await self._inner.__aenter__()

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        died = WorkerDied("the worker died before the commit")
        await self._inner.__aexit__(WorkerDied, died, None)
        if exc is None:
            raise died


class DyingAfterIntuit:
    """A unit-of-work factory and a gateway wrapper: the first write after Intuit answered dies."""

    def __init__(self, uow: PostgresUnitOfWorkFactory, gateway: Any) -> None:
        self._uow, self._gateway = uow, gateway
        self.armed = False
        self.receipts: list[InvoiceReceipt] = []

    def __call__(self) -> Any:
        if self.armed:
            self.armed = False
            return _DyingUnitOfWork(self._uow())
        return self._uow()

    async def create_invoice(self, request: InvoiceRequest) -> InvoiceReceipt:
        receipt: InvoiceReceipt = await self._gateway.create_invoice(request)
        if not self.receipts:
            self.armed = True
        self.receipts.append(receipt)
        return receipt


@pytest.fixture
async def pg_qbo(
    settings: Settings, pg_uow: PostgresUnitOfWorkFactory, intuit: FakeIntuit
) -> QuickBooksIntegration:
    qbo = quickbooks_from_settings(settings, pg_uow.pool)
    await connect(qbo, intuit)
    return qbo


class TestCrashBeforeCommit:
    async def test_the_retry_finds_the_first_invoice(
        self, pg_uow: PostgresUnitOfWorkFactory, pg_qbo: QuickBooksIntegration, intuit: FakeIntuit
    ) -> None:
        """Intuit made the invoice, our commit died: the retry records that invoice, not a new one."""
        crash = DyingAfterIntuit(pg_uow, pg_qbo.gateway)
        billing = await Billing.load(crash, crash)
        job = await billing.completed_job()
        await billing.services.billing.approve(job.id, actor=ADMIN)
        with pytest.raises(WorkerDied):
            await billing.services.billing.sync_invoice(job.id)
        assert InvoiceState.PENDING_APPROVAL == (await billing.job(job.id)).invoice_state
        intuit.forget_request_ids()  # the retry may come long after; DocNumber still finds it
        synced = await billing.services.billing.sync_invoice(job.id)
        (invoice,) = intuit.records("Invoice")
        assert (InvoiceState.SYNCED, invoice["Id"]) == (synced.invoice_state, synced.qb_invoice_id)
        assert [invoice["Id"]] * 2 == [r.invoice_id for r in crash.receipts]
        assert 1 == len(intuit.calls("/invoice"))


class TestSafetyLock:
    @pytest.fixture
    async def billing(
        self, pg_uow: PostgresUnitOfWorkFactory, pg_qbo: QuickBooksIntegration
    ) -> Billing:
        return await Billing.load(pg_uow, pg_qbo.gateway)

    async def test_unfinished_work_is_never_billed(
        self, billing: Billing, intuit: FakeIntuit
    ) -> None:
        """Neither approval nor a stray invoice task bills work in progress."""
        job = await billing.completed_job()
        other = await billing.services.intake.create_job(
            dealership_id=billing.dealers["Ford Lévis"].id,
            service_code="OIL_CHANGE",
            vehicle=job.vehicle,
            actor=ADMIN,
        )
        with pytest.raises(InvalidTransition):
            await billing.services.billing.approve(other.id, actor=ADMIN)
        with pytest.raises(PolicyViolation):
            await billing.services.billing.sync_invoice(other.id)
        assert [] == intuit.calls("/v3/")

    async def test_completed_but_unapproved_work_is_never_billed(
        self, billing: Billing, intuit: FakeIntuit
    ) -> None:
        """A COMPLETED job nobody approved: the invoice task refuses and Intuit hears nothing."""
        job = await billing.completed_job()
        assert JobStatus.COMPLETED == job.status
        with pytest.raises(PolicyViolation, match="not been approved"):
            await billing.services.billing.sync_invoice(job.id)
        assert [] == intuit.calls("/v3/")

    async def test_cancelled_work_is_never_billed(
        self, billing: Billing, intuit: FakeIntuit
    ) -> None:
        """A cancelled job cannot be approved or invoiced."""
        job = await billing.services.intake.create_job(
            dealership_id=billing.dealers["Ford Lévis"].id,
            service_code="OIL_CHANGE",
            vehicle=(await billing.completed_job()).vehicle,
            actor=ADMIN,
        )
        await billing.services.dispatch.cancel(job.id, "dealer called it off", actor=ADMIN)
        with pytest.raises(InvalidTransition):
            await billing.services.billing.approve(job.id, actor=ADMIN)
        with pytest.raises(PolicyViolation):
            await billing.services.billing.sync_invoice(job.id)
        assert [] == intuit.calls("/v3/")

    async def test_approved_completed_work_is_billed_once(
        self, billing: Billing, intuit: FakeIntuit
    ) -> None:
        """The one path that bills: COMPLETED, approved, and then never again."""
        job = await billing.approve(await billing.completed_job())
        assert InvoiceState.SYNCED == job.invoice_state
        again = await billing.services.billing.sync_invoice(job.id)
        assert (job.qb_invoice_id, 1) == (again.qb_invoice_id, len(intuit.calls("/invoice")))
