"""Contract of the invoices repository (each job's invoice as billed and as QuickBooks keeps it),
on the memory fake and on PostgreSQL."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

import attrs
import factories as f
import pytest

from sm2_core.domain.invoice import Invoice, InvoiceLine, LineKind
from sm2_core.domain.job import Job
from sm2_core.errors import AlreadyExists, InvalidInput
from sm2_core.ports import UnitOfWorkFactory

LINES = (
    InvoiceLine(LineKind.SERVICE, "Clé programmée — Audi Q5 2023", Decimal("1"), Decimal("245.50")),
    InvoiceLine(LineKind.PART, "Filtre à huile", Decimal("2"), Decimal("12.99")),
    InvoiceLine(LineKind.PART, "Mystery gadget", Decimal("1"), Decimal("0"), flag="unknown part"),
    InvoiceLine(LineKind.LABOUR, "Labour beyond 60 min", Decimal("0.75"), Decimal("95.00")),
)


def invoice(job: Job, **kw: Any) -> Invoice:
    values: dict[str, Any] = {
        "job_id": job.id,
        "qb_invoice_id": f"qb-{f.serial()}",
        "lines": LINES,
        "subtotal": Decimal("342.73"),
        "created_at": f.at(5),
        "updated_at": f.at(5),
    }
    return Invoice(**(values | kw))


async def a_job(factory: UnitOfWorkFactory) -> Job:
    world = await f.add_world(factory)
    job = f.job(world.dealership.id)
    async with factory() as uow:
        await uow.jobs.add(job)
    return job


async def save(factory: UnitOfWorkFactory, *invoices: Invoice) -> None:
    async with factory() as uow:
        for i in invoices:
            await uow.invoices.save(i)


def test_line_amounts_round_to_the_cent() -> None:
    assert [line.amount for line in LINES] == [
        Decimal("245.50"),
        Decimal("25.98"),
        Decimal("0.00"),
        Decimal("71.25"),
    ]


class TestSaveAndRead:
    async def test_every_field_comes_back(self, uow_factory: UnitOfWorkFactory) -> None:
        job = await a_job(uow_factory)
        saved = invoice(
            job,
            total=Decimal("394.05"),
            balance=Decimal("100.00"),
            due_date=date(2026, 12, 31),
            voided=False,
            qb_updated_at=f.at(7.123456),
        )
        await save(uow_factory, saved)
        async with uow_factory() as uow:
            assert await uow.invoices.find(job.id) == saved
            assert await uow.invoices.by_qb_id(saved.qb_invoice_id) == saved
            assert await uow.invoices.for_jobs([job.id]) == {job.id: saved}
        assert saved.paid == Decimal("294.05")

    async def test_nothing_recorded_is_none(self, uow_factory: UnitOfWorkFactory) -> None:
        job = await a_job(uow_factory)
        async with uow_factory() as uow:
            assert await uow.invoices.find(job.id) is None
            assert await uow.invoices.by_qb_id("nope") is None
            assert await uow.invoices.for_jobs([job.id]) == {}
            assert await uow.invoices.for_jobs([]) == {}

    async def test_saving_again_replaces(self, uow_factory: UnitOfWorkFactory) -> None:
        job = await a_job(uow_factory)
        first = invoice(job)
        await save(uow_factory, first)
        paid = attrs.evolve(
            first, total=Decimal("394.05"), balance=Decimal("0"), updated_at=f.at(9)
        )
        await save(uow_factory, paid)
        async with uow_factory() as uow:
            assert await uow.invoices.find(job.id, for_update=True) == paid


class TestRefusals:
    async def test_an_unknown_job(self, uow_factory: UnitOfWorkFactory) -> None:
        job = f.job(f.dealership().id)  # never stored
        with pytest.raises(InvalidInput):
            await save(uow_factory, invoice(job))

    async def test_one_quickbooks_invoice_for_one_job(self, uow_factory: UnitOfWorkFactory) -> None:
        one, two = await a_job(uow_factory), await a_job(uow_factory)
        first = invoice(one)
        await save(uow_factory, first)
        with pytest.raises(AlreadyExists):
            await save(uow_factory, invoice(two, qb_invoice_id=first.qb_invoice_id))
        async with uow_factory() as uow:
            assert await uow.invoices.find(two.id) is None
