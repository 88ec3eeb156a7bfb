"""One job's invoice in QuickBooks Online, made at most once (synchronous; runs in a thread).

Idempotency has two layers: ``requestid`` = the job id, so Intuit answers a repeated create with
the first invoice; and, first of all, a look-up of the job's invoice by DocNumber and job id,
which still holds after Intuit has forgotten the request id (a retry days later).
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import ROUND_HALF_UP, Decimal
from typing import Any
from uuid import uuid5

from quickbooks.utils import build_where_clause

from sm2_adapters.quickbooks.api import DUPLICATE_NAME, QboApi
from sm2_adapters.quickbooks.oauth import SYSTEM
from sm2_core.errors import IntegrationError
from sm2_core.ports import InvoiceReceipt, InvoiceRequest

DOC_NUMBER_MAX = 21
TEXT_MAX = 4000
NAME_MAX = 100
_CENT = Decimal("0.01")


def sync_invoice(api: QboApi, request: InvoiceRequest) -> InvoiceReceipt:
    existing = find_invoice(api, request)
    if existing is not None:
        return _receipt(existing)
    customer = request.customer_ref or customer_ref(api, request)
    item = request.item_ref or item_ref(api, request)
    invoice = api.create(
        "Invoice", invoice_body(request, customer, item), request_id=str(request.job_id)
    )
    return InvoiceReceipt(invoice_id=str(invoice["Id"]), customer_ref=customer, item_ref=item)


def find_invoice(api: QboApi, request: InvoiceRequest) -> dict[str, Any] | None:
    """The job's invoice if it exists: its DocNumber, and the job id in its private note."""
    where = build_where_clause(DocNumber=doc_number(request.job_code))
    for invoice in api.find("Invoice", where):
        if str(request.job_id) in str(invoice.get("PrivateNote", "")):
            return invoice
    return None


def customer_ref(api: QboApi, request: InvoiceRequest) -> str:
    """The dealership's customer by DisplayName, created with its billing email when missing."""

    def new_customer() -> dict[str, Any]:
        body: dict[str, Any] = {
            "DisplayName": request.customer_name,
            "CompanyName": request.customer_name,
        }
        if request.customer_email:
            body["PrimaryEmailAddr"] = {"Address": request.customer_email}
        return body

    where = build_where_clause(DisplayName=request.customer_name)
    return _find_or_create(api, "Customer", where, new_customer, _request_id(request, "customer"))


def item_ref(api: QboApi, request: InvoiceRequest) -> str:
    """The service's item by Name, created as a Service item at the catalog price when missing."""
    name = request.item_name[:NAME_MAX]

    def new_item() -> dict[str, Any]:
        return {
            "Name": name,
            "Type": "Service",
            "UnitPrice": money(request.amount),
            "IncomeAccountRef": {"value": income_account(api)},
        }

    where = build_where_clause(Name=name)
    return _find_or_create(api, "Item", where, new_item, _request_id(request, "item"))


def income_account(api: QboApi) -> str:
    """Where service items book their sales: a service-fee Income account if there is one."""
    accounts = api.find("Account", build_where_clause(AccountType="Income"))
    if not accounts:
        raise IntegrationError(
            SYSTEM,
            "the company has no Income account to book services to",
            transient=False,
            code="no_income_account",
        )
    preferred = [a for a in accounts if a.get("AccountSubType") == "ServiceFeeIncome"]
    return str((preferred or accounts)[0]["Id"])


def _find_or_create(
    api: QboApi,
    entity: str,
    where: str,
    new: Callable[[], dict[str, Any]],
    request_id: str,
) -> str:
    if found := api.find(entity, where):
        return str(found[0]["Id"])
    try:
        return str(api.create(entity, new(), request_id=request_id)["Id"])
    except IntegrationError as exc:
        # Another job created the same customer or item in between: use that one.
        if exc.code == DUPLICATE_NAME and (found := api.find(entity, where)):
            return str(found[0]["Id"])
        raise


def invoice_body(request: InvoiceRequest, customer: str, item: str) -> dict[str, Any]:
    job = str(request.job_id)
    description = request.description
    if job not in description:
        description = f"{description} — job {job}"
    note = (
        request.private_note
        if job in request.private_note
        else f"SM2 job {job}; {request.private_note}"
    )
    amount = money(request.amount)
    body: dict[str, Any] = {
        "DocNumber": doc_number(request.job_code),
        "CustomerRef": {"value": customer},
        "PrivateNote": note[:TEXT_MAX],
        "Line": [
            {
                "DetailType": "SalesItemLineDetail",
                "Amount": amount,
                "Description": description[:TEXT_MAX],
                "SalesItemLineDetail": {
                    "ItemRef": {"value": item, "name": request.item_name[:NAME_MAX]},
                    "Qty": 1,
                    "UnitPrice": amount,
                },
            }
        ],
    }
    if request.customer_email:
        body["BillEmail"] = {"Address": request.customer_email}
    return body


def _request_id(request: InvoiceRequest, what: str) -> str:
    """A request id of its own per create (Intuit keys them per company, not per entity),
    derived from the job so a retry repeats it; a UUID keeps it within Intuit's length."""
    return str(uuid5(request.job_id, what))


def doc_number(job_code: str) -> str:
    """QuickBooks caps DocNumber at 21 characters; SM2-YYYY-NNN fits with room to spare."""
    return job_code[:DOC_NUMBER_MAX]


def money(amount: Decimal) -> float:
    """JSON has no decimals; a float of a value rounded to cents prints back exactly."""
    return float(amount.quantize(_CENT, rounding=ROUND_HALF_UP))


def _receipt(invoice: dict[str, Any]) -> InvoiceReceipt:
    lines = [line for line in invoice.get("Line", []) if "SalesItemLineDetail" in line]
    item = lines[0]["SalesItemLineDetail"]["ItemRef"]["value"] if lines else ""
    return InvoiceReceipt(
        invoice_id=str(invoice["Id"]),
        customer_ref=str(invoice["CustomerRef"]["value"]),
        item_ref=str(item),
    )
