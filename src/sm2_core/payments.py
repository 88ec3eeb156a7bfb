"""An invoice's life in QuickBooks after SYNCED, decided from what QuickBooks says. Pure.

QuickBooks is the ledger: SM2 never decides that a dealership paid, it reads it. The record
(``Invoice``) keeps the newest reading; its payment state follows from it and from the day:

- voided (or deleted) in QuickBooks → VOIDED;
- nothing left to pay → PAID;
- something left to pay after the due date (in the company's time zone) → OVERDUE;
- part of it paid → PARTIALLY_PAID;
- otherwise → SYNCED.

Readings arrive out of order (a webhook's task and the change poll may read the same invoice
moments apart, and the slower one may commit last): one older than the recorded reading, by
QuickBooks' own ``LastUpdatedTime``, changes nothing.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

import attrs

from sm2_core.domain.enums import InvoiceState
from sm2_core.domain.invoice import Invoice, cents
from sm2_core.domain.job import Job
from sm2_core.domain.payments import InvoiceFacts

#: What a payment can change: the job's invoice state, then these, in the order people read them.
AMOUNTS = ("total", "paid", "balance", "due_date", "voided")
#: The states an invoice can still leave because of a payment or its due date.
OPEN = (InvoiceState.SYNCED, InvoiceState.PARTIALLY_PAID, InvoiceState.OVERDUE)
#: The states the due date's passing turns into OVERDUE.
NOT_YET_DUE = (InvoiceState.SYNCED, InvoiceState.PARTIALLY_PAID)


def payment_state(invoice: Invoice, *, today: date) -> InvoiceState | None:
    """The state the recorded invoice is in on ``today``; None while QuickBooks has not given
    its amounts (the job stays as it is)."""
    if invoice.voided:
        return InvoiceState.VOIDED
    if invoice.total is None or invoice.balance is None:
        return None
    if invoice.balance <= 0:
        return InvoiceState.PAID
    if invoice.due_date is not None and invoice.due_date < today:
        return InvoiceState.OVERDUE
    if invoice.balance < invoice.total:
        return InvoiceState.PARTIALLY_PAID
    return InvoiceState.SYNCED


def is_stale(invoice: Invoice, facts: InvoiceFacts) -> bool:
    """The reading is older than the one recorded (by QuickBooks' clock). A reading without a
    time (a deleted invoice reads as nothing) cannot be judged so, and is taken as current."""
    return (
        facts.updated_at is not None
        and invoice.qb_updated_at is not None
        and facts.updated_at < invoice.qb_updated_at
    )


def settle(invoice: Invoice, facts: InvoiceFacts, *, now: datetime) -> Invoice | None:
    """The record with QuickBooks' reading in it; None when the reading is stale or says nothing
    new (a repeated notification)."""
    if is_stale(invoice, facts):
        return None
    read = attrs.evolve(
        invoice,
        total=cents(facts.total),
        balance=cents(facts.balance),
        due_date=facts.due_date,
        voided=facts.voided or facts.deleted,
        qb_updated_at=facts.updated_at or invoice.qb_updated_at,
    )
    if read == invoice:
        return None
    return attrs.evolve(read, updated_at=now)


def first_record(job: Job, facts: InvoiceFacts, *, now: datetime) -> Invoice:
    """The record of an invoice made before SM2 kept them, from QuickBooks alone: no lines (what
    was billed is in QuickBooks), the subtotal being the total less taxes. ``settle`` then puts
    the reading in."""
    return Invoice(
        job_id=job.id,
        qb_invoice_id=facts.qb_invoice_id,
        lines=(),
        subtotal=cents(facts.total - facts.tax),
        created_at=now,
        updated_at=now,
    )


def next_state(job: Job, invoice: Invoice, *, today: date) -> InvoiceState | None:
    """The job's new invoice state, or None when it stays (the invoice is not in QuickBooks, or
    its state is already the one the record says)."""
    if not job.invoice_state.in_quickbooks:
        return None
    state = payment_state(invoice, today=today)
    return None if state is None or state is job.invoice_state else state


def amounts(invoice: Invoice | None) -> dict[str, Any]:
    """What the audit entry and the event show of an invoice's amounts, as JSON values."""
    if invoice is None:
        return dict.fromkeys(AMOUNTS)
    values: dict[str, Any] = {
        "total": invoice.total,
        "paid": invoice.paid if invoice.total is not None else None,
        "balance": invoice.balance,
        "due_date": invoice.due_date,
        "voided": invoice.voided,
    }
    return {k: _json(v) for k, v in values.items()}


def _json(value: object) -> object:
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, date):
        return value.isoformat()
    return value
