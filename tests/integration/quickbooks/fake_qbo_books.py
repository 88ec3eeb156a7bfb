"""The QuickBooks company behind the fake Intuit: entities, queries, creates and Intuit's answers.

As Intuit does: ``requestid`` makes a create idempotent, names are unique (fault 6240), references
must exist (fault 2500), queries use ``\\'`` escapes, faults come as
``{"Fault": {"Error": [{"Message", "Detail", "code"}], "type": ...}}``.
"""

from __future__ import annotations

import re
import threading
from typing import Any

import attrs

_SELECT = re.compile(
    r"^\s*select \* from (?P<entity>\w+)(?: where (?P<where>.*?))?"
    r"(?: startposition \d+)?(?: maxresults \d+)?\s*$",
    re.IGNORECASE | re.DOTALL,
)
_CONDITION = re.compile(r"\s*(\w+)\s*=\s*'((?:\\'|[^'])*)'\s*(?:and\b|$)", re.IGNORECASE)
_TIME = "2026-11-25T10:00:00.000-08:00"


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
        }
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
        entity = match["entity"].capitalize()
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
            record["TotalAmt"] = sum(line["Amount"] for line in body["Line"])
        return Reply(200, {entity: record, "time": _TIME})


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
            ref = line["SalesItemLineDetail"]["ItemRef"]["value"]
            if ref not in fake.entities["Item"]:
                return fault("Invalid Reference Id", "Invalid Reference Id : Item", "2500")
    return None
