"""A job's invoice, before and after approval: ``GET /api/jobs/{id}/invoice-preview`` shows its
lines (service, parts, labour) and subtotal; ``PATCH /api/jobs/{id}/invoice-lines/{line}``
adjusts one line's quantity or unit price, with a reason, until the invoice is approved."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Annotated
from uuid import UUID

from litestar import Controller, get, patch
from litestar.di import Provide
from msgspec import UNSET, Meta, Struct, UnsetType

from sm2_core.domain.records import Actor
from sm2_core.invoicing import MAX_REASON, InvoicePreview, LineChange, PreviewLine
from sm2_core.services import Services
from sm2_web.auth import admin_actor
from sm2_web.problems import document_errors
from sm2_web.schemas import Price
from sm2_web.versions import IfMatch, expected_version

Quantity = Annotated[
    str,
    Meta(
        pattern=r"^(10000(\.0{1,2})?|[0-9]{1,4}(\.[0-9]{1,2})?)$",
        description="Hours or pieces as a string, 0 to 10000 with at most two decimals; 0 "
        "leaves the line at nothing",
        examples=["0.75"],
    ),
]
Reason = Annotated[
    str,
    Meta(
        min_length=1,
        max_length=MAX_REASON,
        pattern=r"^[^\x00]*$",
        description="Why the line bills something else (audited, on the job's timeline)",
        examples=["Customer-supplied filter: no charge"],
    ),
]


class AdjustmentOut(Struct, kw_only=True):
    reason: str
    by: str
    at: datetime
    from_quantity: str
    """The line's quantity as priced, before the adjustment."""
    from_unit_price: str


class PreviewLineOut(Struct, kw_only=True):
    line: str
    """The line's key, for adjusting it: ``service``, ``part-1``, ``part-2``..., ``labour``."""
    kind: str
    """``service``, ``part`` or ``labour``."""
    description: str
    quantity: str
    unit_price: str
    amount: str
    flag: str | None
    """Why a dispatcher should look before approving (a part not in the parts catalog)."""
    adjustment: AdjustmentOut | None


class InvoiceOut(Struct, kw_only=True):
    """The invoice as QuickBooks keeps it."""

    qb_invoice_id: str
    total: str | None
    """With taxes, as QuickBooks computed it."""
    tax: str | None
    balance: str | None
    due_date: date | None


class TaxOut(Struct, kw_only=True):
    name: str
    percent: str
    """``5``, ``9.975``."""
    amount: str


class InvoicePreviewOut(Struct, kw_only=True):
    job_id: UUID
    job_code: str
    version: int
    """The job's version, for If-Match when adjusting a line."""
    stage: str
    """``estimate`` (not completed: the service alone), ``draft`` (adjustable), ``approved``
    (fixed, on its way to QuickBooks) or ``invoiced``."""
    adjustable: bool
    lines: list[PreviewLineOut]
    subtotal: str
    """Before taxes, which QuickBooks adds by the configured tax code."""
    taxes: list[TaxOut]
    """The taxes estimated on the subtotal with the configured rates (``SM2_TAX_RATES``), each
    to the cent; once invoiced, ``invoice`` has QuickBooks' own."""
    total: str
    """The subtotal with the estimated taxes."""
    flagged: int
    """Lines flagged and not adjusted: what a dispatcher should look at before approving."""
    invoice: InvoiceOut | None


class LineAdjustIn(Struct, forbid_unknown_fields=True, kw_only=True):
    reason: Reason
    quantity: Quantity | UnsetType = UNSET
    unit_price: Price | UnsetType = UNSET
    version: int | UnsetType = UNSET
    """The job's version (or If-Match)."""


def _line_out(p: PreviewLine) -> PreviewLineOut:
    a = p.adjustment
    return PreviewLineOut(
        line=p.key,
        kind=p.line.kind.value,
        description=p.line.description,
        quantity=str(p.line.quantity),
        unit_price=str(p.line.unit_price),
        amount=str(p.line.amount),
        flag=p.line.flag,
        adjustment=None
        if a is None
        else AdjustmentOut(
            reason=a.reason,
            by=a.by,
            at=a.at,
            from_quantity=str(p.computed.quantity),
            from_unit_price=str(p.computed.unit_price),
        ),
    )


def preview_out(preview: InvoicePreview) -> InvoicePreviewOut:
    invoice = preview.invoice
    return InvoicePreviewOut(
        job_id=preview.job.id,
        job_code=preview.job.job_code,
        version=preview.job.version,
        stage=preview.stage.value,
        adjustable=preview.adjustable,
        lines=[_line_out(p) for p in preview.lines],
        subtotal=str(preview.subtotal),
        taxes=[
            TaxOut(name=t.rate.name, percent=str(t.rate.percent), amount=str(t.amount))
            for t in preview.taxes
        ],
        total=str(preview.total),
        flagged=len(preview.unchecked),
        invoice=None
        if invoice is None
        else InvoiceOut(
            qb_invoice_id=invoice.qb_invoice_id,
            total=None if invoice.total is None else str(invoice.total),
            tax=None if invoice.total is None else str(invoice.total - invoice.subtotal),
            balance=None if invoice.balance is None else str(invoice.balance),
            due_date=invoice.due_date,
        ),
    )


@document_errors
class InvoiceController(Controller):
    path = "/api/jobs/{job_id:uuid}"
    tags = ["jobs"]
    dependencies = {"actor": Provide(admin_actor)}
    security = [{"bearer": []}]

    @get(
        "/invoice-preview",
        operation_id="previewInvoice",
        summary="The invoice's lines (service, parts, labour) and subtotal, at the job's stage",
    )
    async def preview(self, services: Services, actor: Actor, job_id: UUID) -> InvoicePreviewOut:
        return preview_out(await services.billing.preview(job_id))

    @patch(
        "/invoice-lines/{line:str}",
        operation_id="adjustInvoiceLine",
        summary="Change a line's quantity and/or unit price, with a reason, before approval",
    )
    async def adjust(
        self,
        services: Services,
        actor: Actor,
        job_id: UUID,
        line: str,
        data: LineAdjustIn,
        if_match: IfMatch = None,
    ) -> InvoicePreviewOut:
        version = expected_version(if_match, None if data.version is UNSET else data.version)
        change = LineChange(
            line=line,
            reason=data.reason,
            quantity=None if data.quantity is UNSET else Decimal(data.quantity),
            unit_price=None if data.unit_price is UNSET else Decimal(data.unit_price),
        )
        adjusted = await services.billing.adjust_line(
            job_id, change, actor=actor, expected_version=version
        )
        return preview_out(adjusted)
