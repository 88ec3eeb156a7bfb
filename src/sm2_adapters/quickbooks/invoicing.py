"""One job's invoice in QuickBooks Online, made at most once (synchronous; runs in a thread).

Idempotency has two layers: ``requestid`` = the job id and its approval (``request_id``), so
Intuit answers a repeated create with the first invoice; and, first of all, a look-up of the
job's invoice by DocNumber and job id, which still holds after Intuit has forgotten the request
id (a retry days later).

Each of the job's lines (service, parts, labour) is a SalesItemLineDetail line of its item
(``items``), carrying the configured tax code; QuickBooks computes the taxes and the total.
"""

from __future__ import annotations

import functools
import re
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any
from uuid import uuid5

from quickbooks.utils import build_where_clause

from sm2_adapters.quickbooks.api import QboApi
from sm2_adapters.quickbooks.items import Items, find_or_create, spec_of
from sm2_adapters.quickbooks.oauth import SYSTEM
from sm2_core.domain.invoice import InvoiceLine, LineKind
from sm2_core.errors import IntegrationError
from sm2_core.ports import InvoiceReceipt, InvoiceRequest

DOC_NUMBER_MAX = 21
TEXT_MAX = 4000
_CENT = Decimal("0.01")
#: How QuickBooks names what a line without a tax code lacks (Canada: "GST/HST rate").
_TAX_WORDS = re.compile(r"\b(tax|GST|HST|QST|PST|VAT)\b", re.IGNORECASE)


def sync_invoice(
    api: QboApi, request: InvoiceRequest, *, tax_code: str | None = None
) -> InvoiceReceipt:
    existing = find_invoice(api, request)
    if existing is not None:
        return _receipt(existing)
    customer = request.customer_ref or customer_ref(api, request)
    tax = tax_code_ref(api, tax_code) if tax_code else None
    items = Items(api, money, functools.partial(request_id, request))
    if request.item_ref:
        items.remember(request.item_name, request.item_ref)
    lines = billed_lines(request)
    sales = [sales_line(line, items.ref(spec_of(line, request)), tax) for line in lines]
    service_item = items.ref(spec_of(lines[0], request))
    body = invoice_body(request, customer, sales, taxed=tax is not None)
    try:
        invoice = api.create("Invoice", body, request_id=request_id(request))
    except IntegrationError as exc:
        raise _with_hint(exc, tax) from exc
    return _receipt(invoice, service_item=service_item)


def _with_hint(exc: IntegrationError, tax: str | None) -> IntegrationError:
    """A company that wants tax codes (a Canadian one) refuses lines without: say what to set."""
    if tax is not None or exc.transient or not _TAX_WORDS.search(exc.message):
        return exc
    said = exc.message.removeprefix(f"{exc.system}: ")
    return IntegrationError(
        exc.system,
        f"{said} (set SM2_QBO_TAX_CODE to the tax code of its invoice lines)",
        transient=False,
        code=exc.code,
    )


def request_id(request: InvoiceRequest, what: str | None = None) -> str:
    """A create's request id: the job's id and its approval, for the invoice (at most 50
    characters); derived from them with ``what`` for the customer and items it needs.

    Intuit answers a request id it has seen with its first answer, a refusal included: every
    retry of one approval repeats it, and a new approval (after a refusal was fixed: a tax code
    set, an account made) asks afresh. The DocNumber look-up keeps that from billing twice.
    """
    stamp = "" if request.approved_at is None else _base36(request.approved_at)
    if what is None:
        return f"{request.job_id}-{stamp}" if stamp else str(request.job_id)
    return str(uuid5(request.job_id, f"{what}@{stamp}" if stamp else what))


def _base36(when: datetime) -> str:
    """Milliseconds since the epoch in 8 or 9 characters."""
    number, digits = int(when.timestamp() * 1000), ""
    while number:
        number, digit = divmod(number, 36)
        digits = "0123456789abcdefghijklmnopqrstuvwxyz"[digit] + digits
    return digits or "0"


def billed_lines(request: InvoiceRequest) -> tuple[InvoiceLine, ...]:
    """The request's lines; a request without any bills its service at ``amount``."""
    if request.lines:
        return request.lines
    return (InvoiceLine(LineKind.SERVICE, request.description, Decimal(1), request.amount),)


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
    return find_or_create(api, "Customer", where, new_customer, request_id(request, "customer"))


def tax_code_ref(api: QboApi, code: str) -> str:
    """``SM2_QBO_TAX_CODE`` as QuickBooks' id: digits are an id already; a name is looked up
    (a name QuickBooks does not have fails the invoice, saying so: a setting to fix)."""
    if code.isdigit():
        return code
    found = api.find("TaxCode", build_where_clause(Name=code))
    if not found:
        raise IntegrationError(
            SYSTEM,
            f"QuickBooks has no tax code named {code!r}: check SM2_QBO_TAX_CODE",
            transient=False,
            code="tax_code",
        )
    return str(found[0]["Id"])


def sales_line(line: InvoiceLine, item: str, tax: str | None) -> dict[str, Any]:
    detail: dict[str, Any] = {
        "ItemRef": {"value": item},
        "Qty": quantity(line.quantity),
        "UnitPrice": money(line.unit_price),
    }
    if tax is not None:
        detail["TaxCodeRef"] = {"value": tax}
    return {
        "DetailType": "SalesItemLineDetail",
        "Amount": money(line.amount),
        "Description": line.description[:TEXT_MAX],
        "SalesItemLineDetail": detail,
    }


def invoice_body(
    request: InvoiceRequest, customer: str, lines: list[dict[str, Any]], *, taxed: bool = False
) -> dict[str, Any]:
    job = str(request.job_id)
    first = lines[0]
    if job not in first["Description"]:
        first["Description"] = f"{first['Description']} — job {job}"[:TEXT_MAX]
    note = (
        request.private_note
        if job in request.private_note
        else f"SM2 job {job}; {request.private_note}"
    )
    body: dict[str, Any] = {
        "DocNumber": doc_number(request.job_code),
        "CustomerRef": {"value": customer},
        "PrivateNote": note[:TEXT_MAX],
        "Line": lines,
    }
    if taxed:
        # SM2's prices are before taxes: QuickBooks adds them by each line's tax code.
        body["GlobalTaxCalculation"] = "TaxExcluded"
    if request.customer_email:
        body["BillEmail"] = {"Address": request.customer_email}
    return body


def doc_number(job_code: str) -> str:
    """QuickBooks caps DocNumber at 21 characters; SM2-YYYY-NNN fits with room to spare."""
    return job_code[:DOC_NUMBER_MAX]


def money(amount: Decimal) -> float:
    """JSON has no decimals; a float of a value rounded to cents prints back exactly."""
    return float(amount.quantize(_CENT, rounding=ROUND_HALF_UP))


def quantity(value: Decimal) -> int | float:
    """Pieces as whole numbers, hours with their hundredths (0.75)."""
    return int(value) if value == value.to_integral_value() else float(value)


def _receipt(invoice: dict[str, Any], *, service_item: str | None = None) -> InvoiceReceipt:
    """The invoice's id, customer and service item, and what QuickBooks computed of it."""
    if service_item is None:
        lines = [line for line in invoice.get("Line", []) if "SalesItemLineDetail" in line]
        service_item = lines[0]["SalesItemLineDetail"]["ItemRef"]["value"] if lines else ""
    meta = invoice.get("MetaData") or {}
    return InvoiceReceipt(
        invoice_id=str(invoice["Id"]),
        customer_ref=str(invoice["CustomerRef"]["value"]),
        item_ref=str(service_item),
        total=_amount(invoice.get("TotalAmt")),
        balance=_amount(invoice.get("Balance")),
        due_date=_date(invoice.get("DueDate")),
        updated_at=_instant(meta.get("LastUpdatedTime")),
    )


def _amount(value: object) -> Decimal | None:
    if value is None or isinstance(value, bool):
        return None
    try:
        return Decimal(str(value)).quantize(_CENT, rounding=ROUND_HALF_UP)
    except InvalidOperation:
        return None


def _date(value: object) -> date | None:
    try:
        return date.fromisoformat(str(value)) if value else None
    except ValueError:
        return None


def _instant(value: object) -> datetime | None:
    """Intuit's times carry their offset (``2026-11-25T10:00:00-08:00``)."""
    try:
        when = datetime.fromisoformat(str(value)) if value else None
    except ValueError:
        return None
    return when if when is not None and when.tzinfo is not None else None
