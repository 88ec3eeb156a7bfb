"""Jobs' invoice records (``invoices``, migration 0014)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any
from uuid import UUID

from psycopg import AsyncConnection
from psycopg.types.json import Jsonb

from sm2_adapters.postgres.errors import translated
from sm2_adapters.postgres.invoice_documents import lines_document, lines_from_document
from sm2_adapters.postgres.records import fetch_dicts
from sm2_core.domain.invoice import Invoice
from sm2_core.ports import InvoiceRepository

_COLUMNS = (
    "job_id",
    "qb_invoice_id",
    "lines",
    "subtotal",
    "total",
    "balance",
    "due_date",
    "voided",
    "qb_updated_at",
    "created_at",
    "updated_at",
)
_UPSERT = f"""
INSERT INTO invoices ({", ".join(_COLUMNS)})
VALUES ({", ".join(["%s"] * len(_COLUMNS))})
ON CONFLICT (job_id) DO UPDATE SET
    {", ".join(f"{c} = EXCLUDED.{c}" for c in _COLUMNS if c not in ("job_id", "created_at"))}
"""


def _params(i: Invoice) -> tuple[Any, ...]:
    return (
        i.job_id,
        i.qb_invoice_id,
        Jsonb(lines_document(i.lines)),
        i.subtotal,
        i.total,
        i.balance,
        i.due_date,
        i.voided,
        i.qb_updated_at,
        i.created_at,
        i.updated_at,
    )


def invoice_from_row(row: dict[str, Any]) -> Invoice:
    return Invoice(
        job_id=row["job_id"],
        qb_invoice_id=row["qb_invoice_id"],
        lines=lines_from_document(row["lines"]),
        subtotal=row["subtotal"],
        total=row["total"],
        balance=row["balance"],
        due_date=row["due_date"],
        voided=row["voided"],
        qb_updated_at=row["qb_updated_at"],
        created_at=row["created_at"],
        updated_at=row["updated_at"],
    )


class PostgresInvoiceRepository:
    def __init__(self, conn: AsyncConnection[Any]) -> None:
        self._conn = conn

    async def find(self, job_id: UUID, *, for_update: bool = False) -> Invoice | None:
        return await self._one("job_id", job_id, for_update)

    async def by_qb_id(self, qb_invoice_id: str, *, for_update: bool = False) -> Invoice | None:
        return await self._one("qb_invoice_id", qb_invoice_id, for_update)

    async def _one(self, column: str, value: object, for_update: bool) -> Invoice | None:
        lock = " FOR UPDATE" if for_update else ""
        async with translated("invoice"):
            rows = await fetch_dicts(
                self._conn, f"SELECT * FROM invoices WHERE {column} = %s{lock}", (value,)
            )
        return invoice_from_row(rows[0]) if rows else None

    async def save(self, invoice: Invoice) -> None:
        async with translated("invoice"):
            await self._conn.execute(_UPSERT, _params(invoice))

    async def for_jobs(self, job_ids: Sequence[UUID]) -> dict[UUID, Invoice]:
        if not job_ids:
            return {}
        rows = await fetch_dicts(
            self._conn, "SELECT * FROM invoices WHERE job_id = ANY(%s)", (list(job_ids),)
        )
        return {row["job_id"]: invoice_from_row(row) for row in rows}

    async def past_due(self, day: date, *, limit: int) -> list[Invoice]:
        rows = await fetch_dicts(self._conn, _PAST_DUE, {"day": day, "limit": limit})
        return [invoice_from_row(row) for row in rows]


# On the partial index invoices_open_due (migration 0017): only unpaid, unvoided invoices.
_PAST_DUE = """
SELECT i.* FROM invoices i JOIN jobs j ON j.id = i.job_id
WHERE i.due_date < %(day)s AND i.balance > 0 AND NOT i.voided
  AND j.invoice_state IN ('SYNCED', 'PARTIALLY_PAID')
ORDER BY i.due_date, i.job_id
LIMIT %(limit)s
"""


def _conforms(repo: PostgresInvoiceRepository) -> InvoiceRepository:
    """Checked by mypy: the adapter has the shape of the port."""
    return repo
