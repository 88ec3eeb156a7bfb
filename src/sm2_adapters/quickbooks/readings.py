"""Invoices and payments read back from QuickBooks Online, as the core's facts (synchronous:
runs in a worker thread, like invoicing).

What Intuit's documents mean here:

- ``TotalAmt`` with taxes, ``Balance`` what is left to pay, ``TxnTaxDetail.TotalTax`` the taxes,
  ``DueDate`` (a date, no time), ``MetaData.LastUpdatedTime`` when it last changed;
- a voided invoice keeps its record with its amounts zeroed and "Voided" added to its private
  note; a deleted one reads as fault 610 by id, and as ``"status": "Deleted"`` in the change data
  capture: both are voided for SM2;
- a payment names the invoices it pays in ``Line[].LinkedTxn`` (``TxnType`` ``Invoice``).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from datetime import UTC, date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from sm2_adapters.quickbooks.api import OBJECT_NOT_FOUND, QboApi
from sm2_adapters.quickbooks.oauth import SYSTEM
from sm2_core.domain.payments import InvoiceFacts, QuickBooksChanges
from sm2_core.errors import IntegrationError

#: What the change data capture returns at most; an answer this long may lack some changes.
CDC_CAP = 1000
#: Intuit's ids are digits; anything else in a query would be an injection, not an id.
_ID = re.compile(r"[0-9A-Za-z-]{1,40}")
_FRACTION = re.compile(r"(\.\d{6})\d+")


def read_invoices(api: QboApi, qb_invoice_ids: Sequence[str]) -> list[InvoiceFacts]:
    """One query for all of them (at most 1,000), then each one it did not return by id: a
    deleted invoice is in no query's answer, and only a read by id tells it from a typo."""
    ids = [i for i in dict.fromkeys(qb_invoice_ids) if _ID.fullmatch(i)]
    if not ids:
        return []
    listed = ", ".join(f"'{i}'" for i in ids)
    found = {
        str(doc["Id"]): invoice_facts(doc)
        for doc in api.find("Invoice", f"Id IN ({listed}) MAXRESULTS {len(ids)}")
    }
    for missing in (i for i in ids if i not in found):
        found[missing] = read_invoice(api, missing)
    return [found[i] for i in ids]


def read_invoice(api: QboApi, qb_invoice_id: str) -> InvoiceFacts:
    try:
        return invoice_facts(api.read("Invoice", qb_invoice_id))
    except IntegrationError as exc:
        if exc.code == OBJECT_NOT_FOUND:
            return InvoiceFacts.gone(qb_invoice_id)
        raise


def payment_invoices(api: QboApi, payment_id: str) -> list[str] | None:
    """The invoices the payment is applied to; None when it was deleted."""
    if not _ID.fullmatch(payment_id):
        return None
    try:
        return linked_invoices(api.read("Payment", payment_id))
    except IntegrationError as exc:
        if exc.code == OBJECT_NOT_FOUND:
            return None
        raise


def changed_since(api: QboApi, since: datetime, *, now: datetime) -> QuickBooksChanges:
    """Invoices and payments changed from ``since``; ``now`` dates the answer when Intuit's
    own ``time`` is missing from it."""
    document = api.changes("Invoice,Payment", intuit_time_text(since))
    invoices: list[InvoiceFacts] = []
    paid: list[str] = []
    count = 0
    for group in _query_responses(document):
        for doc in _records(group, "Invoice"):
            invoices.append(_changed_invoice(doc))
            count += 1
        for doc in _records(group, "Payment"):
            # A deleted payment names nothing; the invoices it paid changed, and are above.
            paid += [] if _deleted(doc) else linked_invoices(doc)
            count += 1
    return QuickBooksChanges(
        invoices=tuple(invoices),
        paid_invoice_ids=tuple(dict.fromkeys(paid)),
        as_of=intuit_time(document.get("time")) or now,
        complete=count < CDC_CAP,
    )


def invoice_facts(doc: dict[str, Any]) -> InvoiceFacts:
    qb_id = str(doc["Id"])
    total = money(doc.get("TotalAmt"), qb_id)
    # An invoice Intuit gives no balance for is taken as unpaid, never as paid.
    balance = money(doc["Balance"], qb_id) if doc.get("Balance") is not None else total
    tax = money((doc.get("TxnTaxDetail") or {}).get("TotalTax"), qb_id)
    voided = total == 0 and balance == 0 and "Voided" in str(doc.get("PrivateNote") or "")
    return InvoiceFacts(
        qb_invoice_id=qb_id,
        total=total,
        balance=balance,
        tax=tax,
        due_date=_date(doc.get("DueDate")),
        voided=voided,
        updated_at=_updated(doc),
    )


def linked_invoices(payment: dict[str, Any]) -> list[str]:
    linked = (
        str(txn["TxnId"])
        for line in payment.get("Line") or []
        for txn in line.get("LinkedTxn") or []
        if txn.get("TxnType") == "Invoice" and txn.get("TxnId") is not None
    )
    return list(dict.fromkeys(linked))


def money(value: object, qb_id: str) -> Decimal:
    """Intuit's amounts (JSON numbers, read as floats by the SDK) as exact decimals: a float
    of a cent amount prints back exactly."""
    if value is None:
        return Decimal(0)
    try:
        return Decimal(str(value))
    except InvalidOperation:
        raise IntegrationError(
            SYSTEM, f"invoice {qb_id}: {value!r} is not an amount", transient=False
        ) from None


def intuit_time(value: object) -> datetime | None:
    """Intuit's times: ``2026-11-25T10:00:00-08:00``, ``….657Z``, nanoseconds in CloudEvents;
    None when absent or unreadable (the reading is then not ordered by time)."""
    if not isinstance(value, str) or not value.strip():
        return None
    text = _FRACTION.sub(r"\1", value.strip()).replace("Z", "+00:00")
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def intuit_time_text(moment: datetime) -> str:
    """``changedSince`` as Intuit reads it: ISO 8601 with its offset, to the second."""
    return moment.astimezone(UTC).isoformat(timespec="seconds")


def _changed_invoice(doc: dict[str, Any]) -> InvoiceFacts:
    if _deleted(doc):
        return InvoiceFacts.gone(str(doc["Id"]), updated_at=_updated(doc))
    return invoice_facts(doc)


def _deleted(doc: dict[str, Any]) -> bool:
    return str(doc.get("status", "")).lower() == "deleted"


def _updated(doc: dict[str, Any]) -> datetime | None:
    return intuit_time((doc.get("MetaData") or {}).get("LastUpdatedTime"))


def _date(value: object) -> date | None:
    if not isinstance(value, str):
        return None
    try:
        return date.fromisoformat(value[:10])
    except ValueError:
        return None


def _query_responses(document: dict[str, Any]) -> Iterable[dict[str, Any]]:
    for response in document.get("CDCResponse") or []:
        yield from response.get("QueryResponse") or []


def _records(group: dict[str, Any], entity: str) -> list[dict[str, Any]]:
    found = group.get(entity)
    return [doc for doc in found if isinstance(doc, dict)] if isinstance(found, list) else []
