"""What QuickBooks says of an invoice after it was made: the facts the payment states come from.

QuickBooks tells of changes two ways: a webhook notification that names what changed (an
:class:`EntityChange`: never the amounts, only which record and when), and its change data
capture, which returns the changed records whole (:class:`QuickBooksChanges`). Either way SM2
ends up with an :class:`InvoiceFacts` per invoice, read from QuickBooks, and decides from it
(``sm2_core.payments``).
"""

from __future__ import annotations

import enum
from datetime import date, datetime
from decimal import Decimal

import attrs

from sm2_core.domain.job import Job


class QbEntity(enum.StrEnum):
    """The QuickBooks records whose changes move an invoice's payment state."""

    INVOICE = "Invoice"
    PAYMENT = "Payment"


class QbOperation(enum.StrEnum):
    """What happened to a record, as Intuit's notifications name it."""

    CREATE = "Create"
    UPDATE = "Update"
    DELETE = "Delete"
    VOID = "Void"
    MERGE = "Merge"
    EMAILED = "Emailed"

    @property
    def removes(self) -> bool:
        """The record is gone or emptied: a payment's invoices can no longer be read from it."""
        return self in (QbOperation.DELETE, QbOperation.VOID)


@attrs.frozen
class EntityChange:
    """One change a webhook notification announced."""

    realm_id: str
    """The QuickBooks company it happened in."""
    entity: QbEntity
    entity_id: str
    operation: QbOperation
    last_updated: datetime | None = None
    """When QuickBooks says it happened (None when the notification did not say)."""


@attrs.frozen
class InvoiceFacts:
    """An invoice as QuickBooks holds it now."""

    qb_invoice_id: str
    total: Decimal
    """``TotalAmt``: with taxes; 0 once voided or deleted."""
    balance: Decimal
    """``Balance``: what remains to be paid."""
    tax: Decimal = Decimal(0)
    """``TotalTax``: what of ``total`` is taxes."""
    due_date: date | None = None
    voided: bool = False
    """Voided in QuickBooks (its amounts zeroed, "Voided" in its private note), or deleted."""
    deleted: bool = False
    """Deleted in QuickBooks: nothing of it can be read any more. Treated as voided."""
    updated_at: datetime | None = None
    """``MetaData.LastUpdatedTime``: what orders two readings of the same invoice."""

    @classmethod
    def gone(cls, qb_invoice_id: str, *, updated_at: datetime | None = None) -> InvoiceFacts:
        """A deleted invoice: nothing billed, nothing owed."""
        return cls(
            qb_invoice_id=qb_invoice_id,
            total=Decimal(0),
            balance=Decimal(0),
            voided=True,
            deleted=True,
            updated_at=updated_at,
        )


@attrs.frozen
class QuickBooksChanges:
    """What QuickBooks' change data capture returned for one period."""

    invoices: tuple[InvoiceFacts, ...]
    """Invoices changed (deleted ones included, as ``InvoiceFacts.gone``)."""
    paid_invoice_ids: tuple[str, ...]
    """Invoices that changed payments are linked to (refreshed as well: the invoice may not be
    among ``invoices`` when the payment alone changed)."""
    as_of: datetime
    """QuickBooks' clock when it answered: the next period starts there."""
    complete: bool = True
    """False when QuickBooks capped its answer (it returns at most 1,000 records): some changes
    of the period may be missing."""


@attrs.frozen
class ChangePoll:
    """Where the periodic change poll stands for one QuickBooks company."""

    realm_id: str
    last_attempt_at: datetime
    changed_since: datetime | None = None
    """The next poll asks for changes from here; None until a poll succeeded (the first one
    reads every open invoice instead)."""
    last_success_at: datetime | None = None
    last_error: str | None = None
    """Why the last attempt failed; None when it succeeded."""
    last_changed: int = 0
    """How many invoices the last successful poll refreshed."""


@attrs.frozen
class RefreshReport:
    """What applying QuickBooks' readings did."""

    read: int = 0
    """Invoices QuickBooks described."""
    changed: tuple[Job, ...] = ()
    """Jobs whose invoice state or amounts moved (audited and announced)."""
    recorded: int = 0
    """Invoice records written (new ones included)."""
    unknown: tuple[str, ...] = ()
    """Invoices that are no job's (made in QuickBooks by someone else)."""

    def __add__(self, other: RefreshReport) -> RefreshReport:
        return RefreshReport(
            read=self.read + other.read,
            changed=self.changed + other.changed,
            recorded=self.recorded + other.recorded,
            unknown=self.unknown + other.unknown,
        )


@attrs.frozen
class PollReport:
    """One run of the change poll."""

    realm_id: str
    since: datetime | None
    """Where it started; None for a catch-up (every open invoice read by id)."""
    refreshed: RefreshReport
    caught_up: bool = False
    """Every open invoice was read by id: there was no usable cursor (the first poll, one
    older than QuickBooks keeps changes) or QuickBooks capped its answer."""
