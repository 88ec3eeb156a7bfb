"""The QuickBooks company behind the fake Intuit: entities, queries, creates and Intuit's answers.

As Intuit does: ``requestid`` makes a create idempotent, names are unique (fault 6240), references
must exist (fault 2500), a line's Amount is its Qty × UnitPrice (fault 6070), queries use ``\\'``
escapes, faults come as ``{"Fault": {"Error": [{"Message", "Detail", "code"}], "type": ...}}``.

A created invoice gets what QuickBooks computes: taxes by each line's TaxCodeRef (each rate on the
lines' net amount, rounded to the cent), TotalAmt, Balance (= TotalAmt), TxnDate, DueDate (30
days later) and MetaData. ``require_tax_codes`` makes the company Canadian: a line without a tax
code is refused as QuickBooks refuses it there.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta, timezone
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

import attrs

_SELECT = re.compile(
    r"^\s*select \* from (?P<entity>\w+)(?: where (?P<where>.*?))?"
    r"(?: startposition \d+)?(?: maxresults \d+)?\s*$",
    re.IGNORECASE | re.DOTALL,
)
_CONDITION = re.compile(r"\s*(\w+)\s*=\s*'((?:\\'|[^'])*)'\s*(?:and\b|$)", re.IGNORECASE)
_TIME = "2026-11-25T10:00:00.000-08:00"
#: Intuit writes its times in the Pacific time zone (standard time is enough for a fake).
_INTUIT_OFFSET = timezone(timedelta(hours=-8))
_CENT = Decimal("0.01")
#: How a Canadian company refuses a line without a tax code.
NO_TAX_CODE = (
    "A business validation error has occurred while processing your request",
    "Business Validation Error: Make sure all your transactions have a GST/HST rate before you "
    "save.",
    "6000",
)


@attrs.frozen
class Reply:
    status: int
    body: Any
    delay: float = 0.0


def fault(message: str, detail: str, code: str, kind: str = "ValidationFault") -> dict[str, Any]:
    return {
        "Fault": {"Error": [{"Message": message, "Detail": detail, "code": code}], "type": kind}
    }


THROTTLED = Reply(
    429,
    {
        "fault": {
            "error": [
                {
                    "message": "message=ThrottleExceeded; errorCode=003001; statusCode=429",
                    "detail": "The request limit was reached.",
                    "code": "3001",
                }
            ],
            "type": "SERVICE",
        }
    },
)
SERVER_ERROR = Reply(
    500, fault("An application error has occurred", "SystemFault", "10000", "SystemFault")
)


class FakeBooks:
    """One company's records; every method is safe to call from the server's threads."""

    def __init__(self) -> None:
        self.entities: dict[str, dict[str, dict[str, Any]]] = {
            "Customer": {},
            "Item": {},
            "Invoice": {},
            "Account": {},
            "TaxCode": {},
            "TaxRate": {},
        }
        self.require_tax_codes = False
        """A Canadian company: every sales line needs a TaxCodeRef."""
        self.clock: Callable[[], datetime] = lambda: datetime.now(UTC)
        """What time it is at Intuit (MetaData times; TxnDate's default)."""
        self.request_ids: dict[str, tuple[int, Any]] = {}
        self._ids = iter(range(100, 1_000_000))
        self._lock = threading.Lock()
        self.add(
            "Account",
            Name="Sales of Product Income",
            AccountType="Income",
            AccountSubType="SalesOfProductIncome",
        )
        self.add(
            "Account", Name="Services", AccountType="Income", AccountSubType="ServiceFeeIncome"
        )

    def add(self, entity: str, **fields: Any) -> dict[str, Any]:
        record = {"Id": str(next(self._ids)), "SyncToken": "0", "Active": True, **fields}
        self.entities[entity][record["Id"]] = record
        return record

    def records(self, entity: str) -> list[dict[str, Any]]:
        return list(self.entities[entity].values())

    def add_quebec_taxes(self) -> dict[str, Any]:
        """GST (5 %) and QST (9.975 %) and the tax code that charges both, as a Québec
        company's QuickBooks has them; returns the tax code."""
        gst = self.add("TaxRate", Name="GST (sales)", RateValue=5, SpecialTaxType="NONE")
        qst = self.add("TaxRate", Name="QST (sales)", RateValue=9.975, SpecialTaxType="NONE")
        rates = [
            {
                "TaxRateRef": {"value": r["Id"], "name": r["Name"]},
                "TaxTypeApplicable": "TaxOnAmount",
                "TaxOrder": 0,
            }
            for r in (gst, qst)
        ]
        return self.add(
            "TaxCode",
            Name="GST/QST QC - 9.975",
            Description="GST/QST QC - 9.975",
            Taxable=True,
            TaxGroup=True,
            SalesTaxRateList={"TaxRateDetail": rates},
        )

    def stamp(self) -> str:
        """Now, as Intuit writes times."""
        return self.clock().astimezone(_INTUIT_OFFSET).isoformat(timespec="seconds")

    def create(self, entity: str, body: dict[str, Any], request_id: str | None) -> Reply:
        """A repeated ``requestid`` gets the first answer, whatever the body says now."""
        with self._lock:
            if request_id and request_id in self.request_ids:
                return Reply(*self.request_ids[request_id])
            reply = self._create(entity, body)
            if request_id:
                self.request_ids[request_id] = (reply.status, reply.body)
        return reply

    def query(self, text: str) -> Reply:
        return self._query(text)

    def _query(self, text: str) -> Reply:
        match = _SELECT.match(text)
        conditions = _conditions(match["where"] or "") if match else None
        if match is None or conditions is None:
            return Reply(400, fault("Error parsing query", f"QueryParserError: {text}", "4000"))
        # Entity names in any case, as Intuit reads them ("from taxcode" finds TaxCode).
        named = match["entity"].lower()
        entity = next((e for e in self.entities if e.lower() == named), match["entity"])
        found = [
            r
            for r in self.entities.get(entity, {}).values()
            if all(str(r.get(k, "")) == v for k, v in conditions.items())
        ]
        body: dict[str, Any] = {"startPosition": 1, "maxResults": len(found)} if found else {}
        if found:
            body[entity] = found
        return Reply(200, {"QueryResponse": body, "time": _TIME})

    def _create(self, entity: str, body: dict[str, Any]) -> Reply:
        problem = _check(self, entity, body)
        if problem is not None:
            return Reply(400, problem)
        record = self.add(entity, **body)
        if entity == "Invoice":
            record.update(self._computed(body))
        return Reply(200, {entity: record, "time": _TIME})

    def _computed(self, body: dict[str, Any]) -> dict[str, Any]:
        """What QuickBooks adds to a created invoice: taxes, totals, dates, metadata."""
        lines = [line for line in body["Line"] if "SalesItemLineDetail" in line]
        net = sum((_money(line["Amount"]) for line in lines), Decimal(0))
        tax = _tax_detail(self, lines)
        total = net + _money(tax["TotalTax"])
        txn_date = date.fromisoformat(
            body.get("TxnDate") or self.clock().astimezone(_INTUIT_OFFSET).date().isoformat()
        )
        stamp = self.stamp()
        return {
            "TxnDate": txn_date.isoformat(),
            "DueDate": (txn_date + timedelta(days=30)).isoformat(),
            "TxnTaxDetail": tax,
            "TotalAmt": float(total),
            "Balance": float(total),
            "MetaData": {"CreateTime": stamp, "LastUpdatedTime": stamp},
        }


def _money(value: Any) -> Decimal:
    return Decimal(str(value)).quantize(_CENT, rounding=ROUND_HALF_UP)


def _tax_detail(fake: FakeBooks, lines: list[dict[str, Any]]) -> dict[str, Any]:
    """Each rate of the lines' tax codes on the net amount of the lines it applies to."""
    taxable: dict[str, Decimal] = {}
    for line in lines:
        code = line["SalesItemLineDetail"].get("TaxCodeRef", {}).get("value")
        if code is None:
            continue
        for detail in fake.entities["TaxCode"][code]["SalesTaxRateList"]["TaxRateDetail"]:
            rate = detail["TaxRateRef"]["value"]
            taxable[rate] = taxable.get(rate, Decimal(0)) + _money(line["Amount"])
    tax_lines = []
    for rate_id, amount in taxable.items():
        percent = Decimal(str(fake.entities["TaxRate"][rate_id]["RateValue"]))
        tax = _money(amount * percent / 100)
        tax_lines.append(
            {
                "Amount": float(tax),
                "DetailType": "TaxLineDetail",
                "TaxLineDetail": {
                    "TaxRateRef": {"value": rate_id},
                    "PercentBased": True,
                    "TaxPercent": float(percent),
                    "NetAmountTaxable": float(amount),
                },
            }
        )
    total = sum((_money(t["Amount"]) for t in tax_lines), Decimal(0))
    return {"TotalTax": float(total), "TaxLine": tax_lines}


def _conditions(where: str) -> dict[str, str] | None:
    conditions: dict[str, str] = {}
    position = 0
    while position < len(where):
        match = _CONDITION.match(where, position)
        if match is None:
            return None
        conditions[match[1]] = match[2].replace("\\'", "'")
        position = match.end()
    return conditions


def _check(fake: FakeBooks, entity: str, body: dict[str, Any]) -> dict[str, Any] | None:
    """Intuit's validation, as much as invoicing meets it."""
    name_field = {"Customer": "DisplayName", "Item": "Name"}.get(entity)
    if name_field is not None:
        name = body.get(name_field)
        if not name:
            return fault(
                "Required param missing, need to supply the required value for the API",
                f"Required parameter {name_field} is missing in the request",
                "2020",
            )
        if any(r.get(name_field, "").lower() == name.lower() for r in fake.records(entity)):
            return fault(
                "Duplicate Name Exists Error", f"The name supplied already exists. : {name}", "6240"
            )
    if (
        entity == "Item"
        and body.get("IncomeAccountRef", {}).get("value") not in fake.entities["Account"]
    ):
        return fault("Invalid Reference Id", "Invalid Reference Id : Accounts element id", "2500")
    if entity == "Invoice":
        if body.get("CustomerRef", {}).get("value") not in fake.entities["Customer"]:
            return fault("Invalid Reference Id", "Invalid Reference Id : Customer", "2500")
        if len(body.get("DocNumber", "")) > 21:
            return fault(
                "String length is either shorter or longer than supported by specification",
                "DocNumber is too long",
                "2050",
            )
        for line in body.get("Line", []):
            problem = _line_problem(fake, line)
            if problem is not None:
                return problem
    return None


def _line_problem(fake: FakeBooks, line: dict[str, Any]) -> dict[str, Any] | None:
    detail = line["SalesItemLineDetail"]
    if detail["ItemRef"]["value"] not in fake.entities["Item"]:
        return fault("Invalid Reference Id", "Invalid Reference Id : Item", "2500")
    expected = _money(Decimal(str(detail.get("Qty", 1))) * Decimal(str(detail.get("UnitPrice", 0))))
    if _money(line["Amount"]) != expected:
        return fault(
            "Amount calculation incorrect",
            f"Amount is not equal to UnitPrice * Qty. Supplied value:{line['Amount']}",
            "6070",
        )
    code = detail.get("TaxCodeRef", {}).get("value")
    if code is None and fake.require_tax_codes:
        return fault(*NO_TAX_CODE)
    if code is not None and code not in fake.entities["TaxCode"]:
        return fault("Invalid Reference Id", "Invalid Reference Id : TaxCode", "2500")
    return None
