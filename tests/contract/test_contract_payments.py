"""Contract of what payments store and look up, on the memory fake and on PostgreSQL: where the
QuickBooks change poll stands, invoices past due, and a job by its QuickBooks invoice id."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

import factories as f

from sm2_core.domain.enums import InvoiceState, JobStatus
from sm2_core.domain.invoice import Invoice
from sm2_core.domain.job import Job
from sm2_core.domain.payments import ChangePoll
from sm2_core.ports import UnitOfWorkFactory

DAY = date(2026, 11, 25)


async def invoiced(
    factory: UnitOfWorkFactory, state: InvoiceState = InvoiceState.SYNCED, **invoice: Any
) -> tuple[Job, Invoice]:
    world = await f.add_world(factory)
    job = f.job(
        world.dealership.id,
        status=JobStatus.COMPLETED,
        approved_by="admin:alice",
        approved_at=f.at(3),
        invoice_state=state,
        qb_invoice_id=f"qb-{f.serial()}",
    )
    values: dict[str, Any] = {
        "job_id": job.id,
        "qb_invoice_id": job.qb_invoice_id,
        "lines": (),
        "subtotal": Decimal("100.00"),
        "total": Decimal("114.98"),
        "balance": Decimal("114.98"),
        "due_date": date(2026, 11, 20),
        "created_at": f.at(5),
        "updated_at": f.at(5),
    }
    record = Invoice(**(values | invoice))
    async with factory() as uow:
        await uow.jobs.add(job)
        await uow.invoices.save(record)
    return job, record


class TestChangePolls:
    async def test_saved_and_read_back(self, uow_factory: UnitOfWorkFactory) -> None:
        first = ChangePoll(realm_id="9341", last_attempt_at=f.at(10))
        polled = ChangePoll(
            realm_id="9341",
            last_attempt_at=f.at(20.5),
            changed_since=f.at(15.25),
            last_success_at=f.at(20.5),
            last_changed=3,
        )
        async with uow_factory() as uow:
            assert await uow.change_polls.get("9341") is None
            assert await uow.change_polls.latest() is None
            await uow.change_polls.save(first)
        async with uow_factory() as uow:
            assert first == await uow.change_polls.get("9341", for_update=True)
            await uow.change_polls.save(polled)
        async with uow_factory() as uow:
            assert polled == await uow.change_polls.get("9341")

    async def test_latest_is_the_last_attempted(self, uow_factory: UnitOfWorkFactory) -> None:
        failed = ChangePoll(
            realm_id="2", last_attempt_at=f.at(30), changed_since=f.at(1), last_error="down"
        )
        async with uow_factory() as uow:
            await uow.change_polls.save(ChangePoll(realm_id="1", last_attempt_at=f.at(20)))
            await uow.change_polls.save(failed)
        async with uow_factory() as uow:
            assert failed == await uow.change_polls.latest()

    async def test_a_rolled_back_save_is_not_kept(self, uow_factory: UnitOfWorkFactory) -> None:
        try:
            async with uow_factory() as uow:
                await uow.change_polls.save(ChangePoll(realm_id="7", last_attempt_at=f.at(1)))
                raise RuntimeError("the poll failed half way")
        except RuntimeError:
            pass
        async with uow_factory() as uow:
            assert await uow.change_polls.get("7") is None


class TestPastDue:
    async def test_unpaid_invoices_due_before_the_day(self, uow_factory: UnitOfWorkFactory) -> None:
        """Oldest due first; not those due that day or later, paid, voided, already OVERDUE,
        or without amounts yet."""
        late, _ = await invoiced(uow_factory, due_date=date(2026, 11, 1))
        later, _ = await invoiced(uow_factory, InvoiceState.PARTIALLY_PAID, balance=Decimal(5))
        await invoiced(uow_factory, due_date=DAY)
        await invoiced(uow_factory, InvoiceState.PAID, balance=Decimal(0))
        await invoiced(uow_factory, InvoiceState.VOIDED, voided=True, balance=Decimal(0))
        await invoiced(uow_factory, InvoiceState.OVERDUE)
        await invoiced(uow_factory, total=None, balance=None)
        async with uow_factory() as uow:
            due = await uow.invoices.past_due(DAY, limit=10)
            first = await uow.invoices.past_due(DAY, limit=1)
        assert [late.id, later.id] == [i.job_id for i in due]
        assert [late.id] == [i.job_id for i in first]


class TestJobByInvoice:
    async def test_found_by_its_quickbooks_invoice_id(self, uow_factory: UnitOfWorkFactory) -> None:
        job, _ = await invoiced(uow_factory)
        async with uow_factory() as uow:
            found = await uow.jobs.by_qb_invoice_id(job.qb_invoice_id or "")
            assert await uow.jobs.by_qb_invoice_id("nope") is None
        assert found is not None
        assert job.id == found.id
