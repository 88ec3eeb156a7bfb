"""A job's invoice lines: priced from the technician's report, the service, the dealership, its
own price, the parts catalog, and the dispatcher's adjustments. Pure; the billing service loads
what it needs and persists what this decides.

The lines, in order: the service (the dealership's own price for it, else its base price); one
line per reported part at its catalog price (matched by name or SKU, in any case; a part the
catalog does not know is billed at zero and flagged); labour beyond the service's included
minutes at the dealership's hourly rate, in hours.
"""

from __future__ import annotations

import enum
from datetime import datetime
from decimal import Decimal

import attrs

from sm2_core.domain.entities import Dealership, Service
from sm2_core.domain.enums import InvoiceState, JobStatus, Language
from sm2_core.domain.invoice import (
    Invoice,
    InvoiceLine,
    LineAdjustment,
    LineKind,
    cents,
    line_keys,
    subtotal,
)
from sm2_core.domain.job import Job, Part
from sm2_core.domain.pricing import CatalogPart, DealershipPrice, part_key
from sm2_core.domain.records import Actor
from sm2_core.errors import InvalidInput, InvalidTransition, NotFound, PermissionDenied
from sm2_core.lifecycle import Change, record
from sm2_core.taxes import TaxAmount, TaxRate, estimate

#: Why a part line is flagged: the technician named a part the catalog does not have.
UNKNOWN_PART = "not in the parts catalog"
#: The most an invoice (or any line) may come to: what the amounts' columns hold.
MAX_AMOUNT = Decimal("9999999999.99")
#: The most a dispatcher may set a line's quantity to (hours or pieces).
MAX_QUANTITY = Decimal("10000")
MAX_REASON = 500
_ONE = Decimal(1)
_HOUR = Decimal(60)
_LABOUR = {
    Language.EN: "Labour: {extra} min beyond the {included} min included",
    Language.FR: "Main-d'œuvre : {extra} min au-delà des {included} min incluses",
}


class Stage(enum.Enum):
    """Where a job's invoice stands, as its preview shows it."""

    ESTIMATE = "estimate"
    """The work is not completed: the service line alone, as it would be billed today."""
    DRAFT = "draft"
    """Completed and not approved, or its invoice failed: the lines may be adjusted."""
    APPROVED = "approved"
    """Approved: the lines are fixed and on their way to QuickBooks."""
    INVOICED = "invoiced"
    """In QuickBooks: the lines billed, and what QuickBooks says of them."""


@attrs.frozen
class Pricing:
    """What a job's lines are priced from (the billing service loads it)."""

    service: Service
    dealership: Dealership
    dealer_price: DealershipPrice | None = None
    """The dealership's own price for the service, if it has an active one."""
    catalog: tuple[CatalogPart, ...] = ()
    """The parts that may match the report's (at least those; inactive ones never match)."""


@attrs.frozen
class PreviewLine:
    key: str
    """The line's key (``line_keys``): what an adjustment names."""
    line: InvoiceLine
    """The line as it will be billed, adjustments applied."""
    computed: InvoiceLine
    """The line as priced from the catalog, before any adjustment."""
    adjustment: LineAdjustment | None = None

    @property
    def unchecked(self) -> bool:
        """Flagged, and nobody adjusted it since: a dispatcher should look before approving."""
        return self.line.flag is not None and self.adjustment is None


@attrs.frozen
class InvoicePreview:
    job: Job
    stage: Stage
    lines: tuple[PreviewLine, ...]
    invoice: Invoice | None = None
    """The invoice's record once it is in QuickBooks (totals with taxes, balance)."""
    tax_rates: tuple[TaxRate, ...] = ()
    """The rates the estimate applies (``taxes``); QuickBooks' own figures are ``invoice``'s."""

    @property
    def taxes(self) -> tuple[TaxAmount, ...]:
        """What the taxes on the subtotal will come to, before QuickBooks says."""
        return estimate(self.subtotal, self.tax_rates)

    @property
    def total(self) -> Decimal:
        """The subtotal with the estimated taxes."""
        return self.subtotal + sum((t.amount for t in self.taxes), Decimal(0))

    @property
    def invoice_lines(self) -> tuple[InvoiceLine, ...]:
        return tuple(p.line for p in self.lines)

    @property
    def subtotal(self) -> Decimal:
        return subtotal(self.invoice_lines)

    @property
    def unchecked(self) -> tuple[PreviewLine, ...]:
        return tuple(p for p in self.lines if p.unchecked)

    @property
    def adjustable(self) -> bool:
        return self.stage is Stage.DRAFT


def stage_of(job: Job) -> Stage:
    if job.invoice_state.in_quickbooks:
        return Stage.INVOICED
    if job.status is not JobStatus.COMPLETED:
        return Stage.ESTIMATE
    if job.is_approved and job.invoice_state is not InvoiceState.FAILED:
        return Stage.APPROVED
    return Stage.DRAFT


def preview(job: Job, pricing: Pricing, invoice: Invoice | None = None) -> InvoicePreview:
    """The job's lines at its stage: priced now until approval, as approved after it."""
    stage = stage_of(job)
    computed = draft_lines(job, pricing)
    frozen = invoice.lines if invoice is not None and invoice.lines else job.invoice_lines
    if stage in (Stage.APPROVED, Stage.INVOICED) and frozen:
        # What was approved stands; the adjustments are shown beside the lines they made.
        made = {a.line: a for a in job.invoice_adjustments}
        lines = tuple(
            PreviewLine(key, line, line, made.get(key))
            for key, line in zip(line_keys(frozen), frozen, strict=True)
        )
    else:
        lines = with_adjustments(computed, job.invoice_adjustments)
    return InvoicePreview(job=job, stage=stage, lines=lines, invoice=invoice)


def draft_lines(job: Job, pricing: Pricing) -> tuple[InvoiceLine, ...]:
    """The lines as the catalog prices them, before any adjustment."""
    done = job.completion
    lines = [service_line(job, pricing)]
    if done is not None:
        lines.extend(part_line(part, pricing.catalog) for part in done.parts)
        labour = labour_line(done.labour_minutes, pricing.service, pricing.dealership)
        if labour is not None:
            lines.append(labour)
    return tuple(lines)


def service_line(job: Job, pricing: Pricing) -> InvoiceLine:
    service, own = pricing.service, pricing.dealer_price
    price = service.base_price
    if own is not None and own.is_active and own.service_code == service.code:
        price = own.price
    vin = job.vehicle.vin or "n/a"
    name = service.display_name(pricing.dealership.language)
    description = f"{name} — {job.vehicle.describe()} — VIN {vin} — {job.job_code}"
    return InvoiceLine(LineKind.SERVICE, description, _ONE, price)


def find_part(reported: str, catalog: tuple[CatalogPart, ...]) -> CatalogPart | None:
    """The active part a technician's name names: by its name first, else by its SKU."""
    key = part_key(reported)
    active = [p for p in catalog if p.is_active]
    by_name = next((p for p in active if part_key(p.name) == key), None)
    return by_name or next((p for p in active if p.sku and part_key(p.sku) == key), None)


def part_line(part: Part, catalog: tuple[CatalogPart, ...]) -> InvoiceLine:
    quantity = Decimal(part.quantity)
    found = find_part(part.name, catalog)
    if found is None:
        name = " ".join(part.name.split())
        return InvoiceLine(LineKind.PART, name, quantity, Decimal("0.00"), flag=UNKNOWN_PART)
    return InvoiceLine(LineKind.PART, found.name, quantity, found.price)


def labour_hours(minutes: int) -> Decimal:
    """Minutes as hours to the hundredth (45 min is 0.75 h; 50 min, 0.83 h)."""
    return cents(Decimal(minutes) / _HOUR)


def labour_line(minutes: int, service: Service, dealership: Dealership) -> InvoiceLine | None:
    """Labour beyond the service's included minutes; None when there is none."""
    extra = minutes - service.included_minutes
    if extra <= 0:
        return None
    text = _LABOUR[dealership.language].format(extra=extra, included=service.included_minutes)
    return InvoiceLine(LineKind.LABOUR, text, labour_hours(extra), dealership.hourly_rate)


def with_adjustments(
    lines: tuple[InvoiceLine, ...], adjustments: tuple[LineAdjustment, ...]
) -> tuple[PreviewLine, ...]:
    """The lines with the dispatcher's adjustments applied; an adjustment whose line no longer
    exists (the labour line, once the service includes more minutes) is left out."""
    made = {a.line: a for a in adjustments}
    out = []
    for key, line in zip(line_keys(lines), lines, strict=True):
        adjustment = made.get(key)
        billed = adjustment.applied_to(line) if adjustment is not None else line
        out.append(PreviewLine(key, billed, line, adjustment))
    return tuple(out)


@attrs.frozen
class LineChange:
    """What a dispatcher asks of one line: None leaves that value as it is."""

    line: str
    reason: str
    quantity: Decimal | None = None
    unit_price: Decimal | None = None


def adjust(current: InvoicePreview, change: LineChange, *, actor: Actor, now: datetime) -> Change:
    """An admin changes a line's quantity and/or unit price, with a reason, before approval.

    The adjustment replaces the line's earlier one, keeping what this one does not change;
    the audit entry says what the line billed before and after, and why.
    """
    job = current.job
    if not actor.is_admin:
        raise PermissionDenied("Only an admin may adjust an invoice")
    if not current.adjustable:
        raise InvalidTransition(_not_adjustable(job, current.stage))
    target = next((p for p in current.lines if p.key == change.line), None)
    if target is None:
        keys = ", ".join(p.key for p in current.lines)
        raise NotFound("invoice line", f"{change.line} (lines: {keys})")
    adjustment = _merged(target, change, actor=actor, now=now)
    kept = tuple(a for a in job.invoice_adjustments if a.line != change.line)
    new = attrs.evolve(job, invoice_adjustments=(*kept, adjustment))
    _check_total(preview_total(current, target.key, adjustment.applied_to(target.computed)))
    result = record(job, new, action="invoice_adjust", actor=actor, now=now)
    audit = result.audit
    before = {**audit.old_values, "invoice_line": _summary(target.line)}
    billed = adjustment.applied_to(target.computed)
    after = {**audit.new_values, "invoice_line": f"{_summary(billed)} ({adjustment.reason})"}
    return attrs.evolve(result, audit=attrs.evolve(audit, old_values=before, new_values=after))


def preview_total(current: InvoicePreview, key: str, line: InvoiceLine) -> Decimal:
    """The subtotal with ``line`` in place of the line ``key``."""
    return subtotal(tuple(line if p.key == key else p.line for p in current.lines))


def _merged(
    target: PreviewLine, change: LineChange, *, actor: Actor, now: datetime
) -> LineAdjustment:
    if change.quantity is None and change.unit_price is None:
        raise InvalidInput(
            "An adjustment changes the quantity, the unit price or both",
            fields={"quantity": "give a quantity or a unit price"},
        )
    earlier = target.adjustment or LineAdjustment(target.key, "", "", datetime.min)
    quantity = change.quantity if change.quantity is not None else earlier.quantity
    price = change.unit_price if change.unit_price is not None else earlier.unit_price
    return LineAdjustment(
        line=target.key,
        reason=_reason(change.reason),
        by=actor.name,
        at=now,
        quantity=None if quantity is None else check_quantity(quantity),
        unit_price=None if price is None else check_amount(price, "unit_price"),
    )


def _reason(text: str) -> str:
    reason = " ".join(text.split())
    if not reason:
        raise InvalidInput("An adjustment needs a reason", fields={"reason": "required"})
    if len(reason) > MAX_REASON or "\x00" in reason:
        raise InvalidInput(
            f"A reason is at most {MAX_REASON} characters, without NUL",
            fields={"reason": "too long or NUL"},
        )
    return reason


def check_quantity(quantity: Decimal) -> Decimal:
    """Hours or pieces: not negative (zero takes the line off the bill), two decimals at most."""
    if not quantity.is_finite() or quantity < 0 or quantity > MAX_QUANTITY:
        raise InvalidInput(
            f"A quantity is 0 to {MAX_QUANTITY}", fields={"quantity": f"not 0 to {MAX_QUANTITY}"}
        )
    if quantity != quantity.quantize(Decimal("0.01")):
        raise InvalidInput(
            f"{quantity} has more than two decimals", fields={"quantity": "at most two decimals"}
        )
    return quantity + 0  # -0 is 0


def check_amount(amount: Decimal, field: str) -> Decimal:
    """Dollars and cents: finite, not negative, two decimals at most, within the columns."""
    if not amount.is_finite() or amount < 0 or amount > MAX_AMOUNT:
        raise InvalidInput(f"{amount} is not a price", fields={field: "not a price"})
    if amount != amount.quantize(Decimal("0.01")):
        raise InvalidInput(
            f"{amount} has more than two decimals", fields={field: "at most two decimals"}
        )
    return amount.quantize(Decimal("0.01")) + 0  # -0.00 is 0.00


def _check_total(total: Decimal) -> None:
    if total > MAX_AMOUNT:
        raise InvalidInput(
            f"The invoice would come to {total}, more than {MAX_AMOUNT}",
            fields={"quantity": "the invoice's total is too large"},
        )


def _summary(line: InvoiceLine) -> str:
    return f"{line.description}: {line.quantity} × {line.unit_price} = {line.amount}"


def _not_adjustable(job: Job, stage: Stage) -> str:
    if stage is Stage.ESTIMATE:
        return (
            f"Job {job.job_code} is {job.status.value}: its invoice is adjusted once the "
            "technician has completed it"
        )
    return (
        f"Job {job.job_code} invoice is {job.invoice_state.value}: an approved invoice is no "
        "longer adjusted"
    )
