"""Jobs' invoice records in memory, keeping the PostgreSQL adapter's promises."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import TYPE_CHECKING
from uuid import UUID

from sm2_core.domain.enums import InvoiceState
from sm2_core.domain.invoice import Invoice
from sm2_core.errors import AlreadyExists, InvalidInput
from sm2_core.ports import InvoiceRepository

if TYPE_CHECKING:
    from sm2_adapters.memory.store import Tables


class MemoryInvoiceRepository:
    def __init__(self, tables: Tables) -> None:
        self._t = tables

    async def find(self, job_id: UUID, *, for_update: bool = False) -> Invoice | None:
        return self._t.invoices.get(job_id)

    async def by_qb_id(self, qb_invoice_id: str, *, for_update: bool = False) -> Invoice | None:
        return next(
            (i for i in self._t.invoices.values() if i.qb_invoice_id == qb_invoice_id), None
        )

    async def save(self, invoice: Invoice) -> None:
        # What the database checks: the job exists, one invoice per QuickBooks id, no NUL.
        if invoice.job_id not in self._t.jobs:
            raise InvalidInput(f"invoice: job {invoice.job_id} does not exist")
        if "\x00" in invoice.qb_invoice_id or any(
            "\x00" in line.description for line in invoice.lines
        ):
            raise InvalidInput("invoice: a text contains a NUL character")
        other = await self.by_qb_id(invoice.qb_invoice_id)
        if other is not None and other.job_id != invoice.job_id:
            raise AlreadyExists(f"invoice already exists: QuickBooks #{invoice.qb_invoice_id}")
        self._t.invoices[invoice.job_id] = invoice

    async def for_jobs(self, job_ids: Sequence[UUID]) -> dict[UUID, Invoice]:
        return {j: self._t.invoices[j] for j in job_ids if j in self._t.invoices}

    async def past_due(self, day: date, *, limit: int) -> list[Invoice]:
        waiting = (InvoiceState.SYNCED, InvoiceState.PARTIALLY_PAID)
        due = [
            i
            for i in self._t.invoices.values()
            if i.due_date is not None
            and i.due_date < day
            and i.balance is not None
            and i.balance > 0
            and not i.voided
            and self._t.jobs[i.job_id].invoice_state in waiting
        ]
        return sorted(due, key=lambda i: (i.due_date or day, i.job_id))[:limit]


def _conforms(repo: MemoryInvoiceRepository) -> InvoiceRepository:
    """Checked by mypy: the fake has the shape of the port."""
    return repo
