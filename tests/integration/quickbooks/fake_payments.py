"""The fake company's life after invoicing: payments, voids, deletions, and what Intuit answers
about them (an invoice or a payment read by id, ``Id IN (...)`` queries, change data capture).

As Intuit does: a payment lowers its invoices' ``Balance`` and changes their
``MetaData.LastUpdatedTime``; a void zeroes an invoice's amounts and puts "Voided" in its private
note; a deleted record reads as fault 610 by id, is in no query's answer, and is in the change
data capture as ``{"Id", "status": "Deleted", "MetaData"}``. The change data capture returns at
most ``cap`` records, as Intuit does (1,000).
"""

from __future__ import annotations

import re
import threading
from datetime import UTC, date, datetime, timedelta, timezone
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from fake_qbo_books import FakeBooks, Reply, fault

_PACIFIC = timezone(timedelta(hours=-8))
_CENT = Decimal("0.01")
_IN = re.compile(
    r"^\s*select \* from (?P<entity>\w+) where id in \((?P<ids>[^)]*)\)"
    r"(?: maxresults (?P<max>\d+))?\s*$",
    re.IGNORECASE,
)
NOT_FOUND = fault(
    "Object Not Found",
    "Object Not Found : Something you're trying to use has been made inactive. Check the fields "
    "with accounts, customers, items, vendors or employees.",
    "610",
)


def intuit_time(moment: datetime) -> str:
    return moment.astimezone(_PACIFIC).isoformat(timespec="seconds")


def _read_time(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def _money(value: Any) -> Decimal:
    return Decimal(str(value)).quantize(_CENT, rounding=ROUND_HALF_UP)


class FakeLedger:
    def __init__(self, books: FakeBooks) -> None:
        self.books = books
        self.books.entities.setdefault("Payment", {})
        self.deleted: dict[tuple[str, str], datetime] = {}
        self.cap = 1000
        self._last = datetime(2026, 11, 25, 18, 0, tzinfo=UTC)
        self._lock = threading.RLock()

    # --- what tests do on the QuickBooks side ------------------------------------------------

    def invoice(self, invoice_id: str) -> dict[str, Any]:
        with self._lock:
            return self._complete(self.books.entities["Invoice"][invoice_id])

    def record_payment(self, invoice_id: str, amount: Decimal | str) -> dict[str, Any]:
        """A payment received against the invoice (a cheque, say)."""
        with self._lock:
            invoice = self.invoice(invoice_id)
            paid = _money(amount)
            invoice["Balance"] = float(_money(invoice["Balance"]) - paid)
            stamp = self._touch(invoice)
            payment = self.books.add(
                "Payment",
                TotalAmt=float(paid),
                CustomerRef=invoice["CustomerRef"],
                TxnDate=stamp[:10],
                Line=[
                    {
                        "Amount": float(paid),
                        "LinkedTxn": [{"TxnId": invoice_id, "TxnType": "Invoice"}],
                    }
                ],
                MetaData={"CreateTime": stamp, "LastUpdatedTime": stamp},
            )
            return payment

    def delete_payment(self, payment_id: str) -> None:
        """The payment was entered by mistake: its invoices owe it again."""
        with self._lock:
            payment = self.books.entities["Payment"].pop(payment_id)
            for line in payment["Line"]:
                for txn in line["LinkedTxn"]:
                    invoice = self.invoice(txn["TxnId"])
                    invoice["Balance"] = float(_money(invoice["Balance"]) + _money(line["Amount"]))
                    self._touch(invoice)
            self.deleted[("Payment", payment_id)] = self._now()

    def void_invoice(self, invoice_id: str) -> None:
        with self._lock:
            invoice = self.invoice(invoice_id)
            invoice["TotalAmt"] = invoice["Balance"] = 0
            for line in invoice.get("Line", []):
                line["Amount"] = 0
            invoice["PrivateNote"] = f"Voided - {invoice.get('PrivateNote', '')}".strip()
            self._touch(invoice)

    def delete_invoice(self, invoice_id: str) -> None:
        with self._lock:
            self.books.entities["Invoice"].pop(invoice_id)
            self.deleted[("Invoice", invoice_id)] = self._now()

    def other_payments(self, count: int) -> None:
        """Payments SM2 has no business with (another customer's, applied to nothing), all
        changed now: enough of them fill a change data capture answer."""
        with self._lock:
            for _ in range(count):
                stamp = intuit_time(self._now())
                self.books.add("Payment", TotalAmt=1, Line=[], MetaData={"LastUpdatedTime": stamp})

    def set_due_date(self, invoice_id: str, due: date) -> None:
        with self._lock:
            invoice = self.invoice(invoice_id)
            invoice["DueDate"] = due.isoformat()
            self._touch(invoice)

    # --- the wire ------------------------------------------------------------------------------

    def read(self, entity: str, entity_id: str) -> Reply:
        name = {"invoice": "Invoice", "payment": "Payment"}[entity]
        with self._lock:
            record = self.books.entities[name].get(entity_id)
            if record is None:
                return Reply(400, {**NOT_FOUND, "time": self._stamp()})
            if name == "Invoice":
                self._complete(record)
            return Reply(200, {name: record, "time": self._stamp()})

    def query_in(self, text: str) -> Reply | None:
        """``SELECT * FROM Invoice WHERE Id IN ('1', '2') MAXRESULTS n``; None for any other."""
        match = _IN.match(text)
        if match is None:
            return None
        name = match["entity"].capitalize()
        ids = [i.strip().strip("'") for i in match["ids"].split(",") if i.strip()]
        with self._lock:
            found = [self.books.entities.get(name, {}).get(i) for i in ids]
            records = [r for r in found if r is not None]
            if name == "Invoice":
                records = [self._complete(r) for r in records]
            records = records[: int(match["max"] or 100)]
        body: dict[str, Any] = {"startPosition": 1, "maxResults": len(records)} if records else {}
        if records:
            body[name] = records
        return Reply(200, {"QueryResponse": body, "time": self._stamp()})

    def cdc(self, entities: str, changed_since: str) -> Reply:
        try:
            since = _read_time(changed_since)
        except ValueError:
            return Reply(400, fault("Invalid date", f"changedSince={changed_since}", "2010"))
        groups = []
        with self._lock:
            count = 0
            for name in entities.split(","):
                changed = [
                    r
                    for r in self.books.entities.get(name, {}).values()
                    if self._updated(r) >= since
                ]
                gone = [
                    {
                        "domain": "QBO",
                        "status": "Deleted",
                        "Id": key,
                        "MetaData": {"LastUpdatedTime": intuit_time(at)},
                    }
                    for (kind, key), at in self.deleted.items()
                    if kind == name and at >= since
                ]
                found = (changed + gone)[: max(0, self.cap - count)]
                count += len(found)
                groups.append({name: found, "startPosition": 1, "maxResults": len(found)})
            time = self._stamp()
        return Reply(200, {"CDCResponse": [{"QueryResponse": groups}], "time": time})

    # --- bookkeeping ---------------------------------------------------------------------------

    def _complete(self, invoice: dict[str, Any]) -> dict[str, Any]:
        """What a created invoice lacks of QuickBooks' own fields, filled once."""
        if "MetaData" not in invoice:
            stamp = intuit_time(self._now())
            invoice["MetaData"] = {"CreateTime": stamp, "LastUpdatedTime": stamp}
        created = invoice.get("TxnDate") or invoice["MetaData"]["CreateTime"][:10]
        invoice.setdefault("TxnDate", created)
        invoice.setdefault(
            "DueDate", (date.fromisoformat(created) + timedelta(days=30)).isoformat()
        )
        invoice.setdefault("Balance", invoice.get("TotalAmt", 0))
        return invoice

    def _updated(self, record: dict[str, Any]) -> datetime:
        stamp = (record.get("MetaData") or {}).get("LastUpdatedTime")
        return _read_time(stamp) if stamp else datetime.min.replace(tzinfo=UTC)

    def _touch(self, record: dict[str, Any]) -> str:
        """The record changed now: later than its last change, whatever the clocks say."""
        at = max(self._now(), self._updated(record) + timedelta(seconds=1))
        self._last = at
        stamp = intuit_time(at)
        record.setdefault("MetaData", {"CreateTime": stamp})["LastUpdatedTime"] = stamp
        record["SyncToken"] = str(int(record.get("SyncToken", "0")) + 1)
        return stamp

    def _now(self) -> datetime:
        """Intuit's clock: the books' own when they have one; never going back."""
        clock = getattr(self.books, "clock", None)
        now = clock() if callable(clock) else self._last
        self._last = max(self._last + timedelta(seconds=1), now)
        return self._last

    def _stamp(self) -> str:
        return intuit_time(max(self._last, self._now()))
