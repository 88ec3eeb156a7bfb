"""A job's invoice as billed, and what QuickBooks says of it since.

The job carries the invoice's state (``Job.invoice_state``); the ``Invoice`` is the record
behind it: the lines SM2 billed (what the job's preview showed when it was approved), the
amounts QuickBooks computed (taxes, total), and its life there afterwards (balance, due date,
voided). One per job, written when the invoice is created in QuickBooks.
"""

from __future__ import annotations

import enum
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal
from uuid import UUID

import attrs

CENT = Decimal("0.01")


def cents(amount: Decimal) -> Decimal:
    """``amount`` rounded to the cent, halves away from zero (as invoices are)."""
    return amount.quantize(CENT, rounding=ROUND_HALF_UP)


class LineKind(enum.Enum):
    SERVICE = "service"
    """The service, at its price for the dealership."""
    PART = "part"
    """A part the technician reported, at its catalog price."""
    LABOUR = "labour"
    """Labour beyond the service's included minutes, at the dealership's hourly rate."""


@attrs.frozen
class InvoiceLine:
    kind: LineKind
    description: str
    quantity: Decimal
    unit_price: Decimal
    flag: str | None = None
    """Why an admin should look before approving (an unknown part, billed at zero)."""

    @property
    def amount(self) -> Decimal:
        return cents(self.quantity * self.unit_price)


def subtotal(lines: tuple[InvoiceLine, ...]) -> Decimal:
    return cents(sum((line.amount for line in lines), Decimal(0)))


def line_keys(lines: tuple[InvoiceLine, ...]) -> tuple[str, ...]:
    """Each line's key, stable while the job's report stands: ``service``, ``part-1``,
    ``part-2``... (the parts in the order the technician reported them), ``labour``. An
    adjustment names its line by it; a number would shift when the labour line comes or goes."""
    keys: list[str] = []
    parts = 0
    for line in lines:
        if line.kind is LineKind.PART:
            parts += 1
            keys.append(f"part-{parts}")
        else:
            keys.append(line.kind.value)
    return tuple(keys)


@attrs.frozen
class LineAdjustment:
    """A dispatcher's change to one line of a job's invoice before it was approved: what the
    line bills instead, and why. Flags stay on the line; an adjusted one counts as checked."""

    line: str
    """The line's key (``line_keys``)."""
    reason: str
    by: str
    """Who adjusted it (the actor's name)."""
    at: datetime
    quantity: Decimal | None = None
    """None: the line's own quantity."""
    unit_price: Decimal | None = None
    """None: the line's own unit price."""

    def applied_to(self, line: InvoiceLine) -> InvoiceLine:
        return attrs.evolve(
            line,
            quantity=line.quantity if self.quantity is None else self.quantity,
            unit_price=line.unit_price if self.unit_price is None else self.unit_price,
        )


@attrs.frozen
class Invoice:
    job_id: UUID
    qb_invoice_id: str
    lines: tuple[InvoiceLine, ...]
    """What was billed, in order."""
    subtotal: Decimal
    """The lines' sum before taxes."""
    created_at: datetime
    """When SM2 recorded it (the invoice's creation in QuickBooks)."""
    updated_at: datetime
    """When SM2 last changed this record."""
    total: Decimal | None = None
    """With taxes, as QuickBooks computed it (``TotalAmt``); None until it said."""
    balance: Decimal | None = None
    """What remains to be paid (``Balance``); None until QuickBooks said."""
    due_date: date | None = None
    voided: bool = False
    qb_updated_at: datetime | None = None
    """QuickBooks' own last change of the invoice (``MetaData.LastUpdatedTime``): a
    notification older than what is recorded changes nothing."""

    @property
    def paid(self) -> Decimal:
        """What the dealership has paid so far."""
        if self.total is None or self.balance is None or self.voided:
            return Decimal(0)
        return cents(self.total - self.balance)
