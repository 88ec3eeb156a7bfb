"""The job: one vehicle, one service, from request to invoice."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

import attrs

from sm2_core.domain.enums import InvoiceState, JobStatus, Urgency
from sm2_core.domain.invoice import InvoiceLine, LineAdjustment


@attrs.frozen
class Vehicle:
    year: int | None = None
    make: str | None = None
    model: str | None = None
    vin: str | None = None
    """Upper case; valid unless a review reason says its check digit failed."""
    stock_no: str | None = None

    def describe(self) -> str:
        parts = [self.make or "", self.model or "", str(self.year) if self.year else ""]
        text = " ".join(p for p in parts if p)
        return text or (f"VIN {self.vin}" if self.vin else f"stock {self.stock_no or '?'}")


@attrs.frozen
class Part:
    name: str
    quantity: int = 1


@attrs.frozen
class Completion:
    """What the technician reports when the work is done."""

    notes: str
    labour_minutes: int
    parts: tuple[Part, ...] = ()
    completed_at: datetime | None = None


@attrs.frozen
class Job:
    id: UUID
    job_code: str
    """``SM2-YYYY-NNN``: what people say on the phone and what QuickBooks shows."""
    dealership_id: UUID
    vehicle: Vehicle
    created_at: datetime
    updated_at: datetime
    service_id: UUID | None = None
    service_code: str | None = None
    urgency: Urgency = Urgency.MEDIUM
    """Derived (``sm2_core.derivation``): the base urgency, escalated by rules and policies."""
    ranking_score: int = 0
    applied_rules: tuple[str, ...] = ()
    """Descriptions of the ranking rules and policies that shaped urgency and score."""
    status: JobStatus = JobStatus.PENDING
    invoice_state: InvoiceState = InvoiceState.NOT_STARTED
    parsing_confidence: float | None = None
    base_urgency: Urgency = Urgency.MEDIUM
    """How urgent the text said it was (MEDIUM for a job typed in by hand)."""
    urgency_override: Urgency | None = None
    """An admin's explicit urgency: replaces ``base_urgency``; rules still escalate from it."""
    parse_warnings: tuple[str, ...] = ()
    """The parser's doubts about the text, kept so an edit can judge the job again."""
    review_reasons: tuple[str, ...] = ()
    """Why an admin must verify the job before it can be assigned; empty when none."""
    verified_by: str | None = None
    verified_at: datetime | None = None
    tech_id: UUID | None = None
    assigned_at: datetime | None = None
    """Since when the job has a technician: stamped when it leaves the board (PENDING →
    SCHEDULED), cleared when it goes back; handing it to another technician keeps it."""
    started_at: datetime | None = None
    """When the technician accepted it (→ IN_PROGRESS); cleared when a hold takes it back."""
    zone_id: UUID | None = None
    """Where the work is done: the dealership's zone when the job was created."""
    source_message_id: UUID | None = None
    request_text: str = ""
    cancel_reason: str | None = None
    completion: Completion | None = None
    approved_by: str | None = None
    approved_at: datetime | None = None
    qb_invoice_id: str | None = None
    invoice_error: str | None = None
    window_start: datetime | None = None
    """The appointment window (aware; UTC once stored): when the work is to be done."""
    window_end: datetime | None = None
    """None with a start: the service's expected duration from the start."""
    proposed_start: datetime | None = None
    """The window the text asked for ("demain matin"), until a dispatcher sets the window."""
    proposed_end: datetime | None = None
    notes: str = ""
    """The dispatcher's notes for the technician."""
    invoice_adjustments: tuple[LineAdjustment, ...] = ()
    """A dispatcher's changes to the invoice's lines before approval: one per line, the latest
    (the audit keeps the earlier ones)."""
    invoice_lines: tuple[InvoiceLine, ...] = ()
    """The lines approved for the invoice, adjustments applied: what is sent to QuickBooks,
    whatever the catalog says later. Empty until approved."""
    version: int = 1

    @property
    def awaiting_verification(self) -> bool:
        return bool(self.review_reasons) and self.verified_at is None

    @property
    def is_approved(self) -> bool:
        return self.approved_at is not None

    @property
    def completed_at(self) -> datetime | None:
        return self.completion.completed_at if self.completion else None


def stamp_milestones(before: Job, after: Job, now: datetime) -> Job:
    """``after`` with the milestones its status change reached (the reports' turnaround and
    technicians' days read them): assigned on leaving the board, started on acceptance, both
    cleared when the job goes back. A completion carries its own time (``Completion``)."""
    if after.status is before.status:
        return after
    if after.status is JobStatus.PENDING:
        return attrs.evolve(after, assigned_at=None, started_at=None)
    if after.status is JobStatus.SCHEDULED:
        assigned = now if before.status is JobStatus.PENDING else after.assigned_at
        return attrs.evolve(after, assigned_at=assigned, started_at=None)
    if after.status is JobStatus.IN_PROGRESS:
        return attrs.evolve(after, started_at=now)
    return after
