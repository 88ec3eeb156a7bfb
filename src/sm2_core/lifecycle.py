"""The job's lifecycle as pure steps: each checks its rules and returns the change to persist.

A step never saves anything. It returns a :class:`Change` — the new job, its audit entry and
the event to publish — and the application service writes all three in one unit of work.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Any
from uuid import uuid4

import attrs
from attrs import AttrsInstance

from sm2_core.derivation import apply as apply_derived
from sm2_core.derivation import derive_job
from sm2_core.domain.entities import Dealership, RankingRule, Service, Technician, Zone
from sm2_core.domain.enums import InvoiceState, JobStatus, Role, Urgency
from sm2_core.domain.invoice import InvoiceLine
from sm2_core.domain.job import Completion, Job, Vehicle, stamp_milestones
from sm2_core.domain.records import Actor, AuditEntry, DomainEvent
from sm2_core.domain.window import Window, window
from sm2_core.errors import InvalidInput, InvalidTransition, PermissionDenied
from sm2_core.policies import (
    PolicyConfig,
    ensure_can_assign,
    ensure_invoice_allowed,
    ensure_no_zone_conflict,
    ensure_verified,
)
from sm2_core.serialize import plain

MAX_NOTES = 2000
"""The dispatcher's notes fit a text message's worth of pages, not a document."""
# Fields whose change is bookkeeping, not news.
_UNAUDITED = frozenset({"version", "updated_at"})


@attrs.frozen
class Change:
    job: Job
    audit: AuditEntry
    event: DomainEvent
    before: Job | None = None
    """The job as it was (None for a new job): who must be told is decided from both."""
    actor: Actor | None = None


def diff(old: AttrsInstance, new: AttrsInstance) -> tuple[dict[str, Any], dict[str, Any]]:
    """The fields that differ between two versions of a record, as (old values, new values)."""
    before: dict[str, Any] = {}
    after: dict[str, Any] = {}
    for field in attrs.fields(type(new)):
        name = field.name
        if name in _UNAUDITED:
            continue
        a, b = getattr(old, name), getattr(new, name)
        if a != b:
            before[name], after[name] = plain(a), plain(b)
    return before, after


def job_event(name: str, job: Job, now: datetime, action: str) -> DomainEvent:
    return DomainEvent(
        name=name,
        subject_id=job.id,
        occurred_at=now,
        data={
            "job_id": str(job.id),
            "job_code": job.job_code,
            "action": action,
            "status": job.status.value,
            "urgency": job.urgency.value,
            "invoice_state": job.invoice_state.value,
            # Technicians' streams carry only their own jobs' events: filtered on these.
            "tech_id": str(job.tech_id) if job.tech_id else None,
        },
    )


def record(
    old: Job, new: Job, *, action: str, actor: Actor, now: datetime, event: str = "job.updated"
) -> Change:
    new = stamp_milestones(old, attrs.evolve(new, updated_at=now), now)
    before, after = diff(old, new)
    entry = AuditEntry(
        id=uuid4(),
        subject="job",
        subject_id=new.id,
        job_id=new.id,
        action=action,
        actor=actor.name,
        at=now,
        old_values=before,
        new_values=after,
    )
    announced = job_event(event, new, now, action)
    if old.tech_id is not None and old.tech_id != new.tech_id:
        # The technician it was taken from hears of it too.
        announced = attrs.evolve(
            announced, data={**announced.data, "previous_tech_id": str(old.tech_id)}
        )
    return Change(job=new, audit=entry, event=announced, before=old, actor=actor)


def created(job: Job, *, actor: Actor) -> Change:
    """The audit entry and event of a new job."""
    entry = AuditEntry(
        id=uuid4(),
        subject="job",
        subject_id=job.id,
        job_id=job.id,
        action="create",
        actor=actor.name,
        at=job.created_at,
        old_values={},
        new_values=plain(job),
    )
    return Change(
        job=job, audit=entry, event=job_event("job.created", job, job.created_at, "create")
    )


def _move(job: Job, target: JobStatus, action: str) -> None:
    if not job.status.can_become(target):
        raise InvalidTransition(f"Cannot {action} job {job.job_code}: it is {job.status.value}")


def _ensure_admin(actor: Actor, action: str) -> None:
    if actor.role is not Role.ADMIN:
        raise PermissionDenied(f"Only an admin may {action} a job")


def edit(
    job: Job,
    *,
    vehicle: Vehicle,
    service: Service | None,
    urgency_override: Urgency | None,
    dealership: Dealership,
    rules: Iterable[RankingRule],
    config: PolicyConfig,
    actor: Actor,
    now: datetime,
) -> Change:
    """An admin corrects the vehicle, the service or the urgency; the job is derived again from
    its facts (``sm2_core.derivation``): re-ranked, and held for a review reason the edit brings
    even if it had been verified.

    A job in progress that the edit holds goes back to SCHEDULED: its technician stops until an
    admin verifies it. A COMPLETED or CANCELLED job is no longer edited.
    """
    _ensure_admin(actor, "edit")
    if job.status.is_terminal:
        raise InvalidTransition(f"Cannot edit job {job.job_code}: it is {job.status.value}")
    facts = attrs.evolve(
        job,
        vehicle=vehicle,
        service_id=service.id if service else None,
        service_code=service.code if service else None,
        urgency_override=urgency_override,
    )
    derived = derive_job(facts, dealership=dealership, service=service, rules=rules, config=config)
    new = apply_derived(facts, derived)
    if new.awaiting_verification and job.status is JobStatus.IN_PROGRESS:
        # Not a transition anyone asks for: the hold itself takes the work back.
        new = attrs.evolve(new, status=JobStatus.SCHEDULED)
    return record(job, new, action="edit", actor=actor, now=now)


def assign(job: Job, technician: Technician, *, actor: Actor, now: datetime) -> Change:
    """PENDING → SCHEDULED, or a SCHEDULED job handed to another technician."""
    _ensure_admin(actor, "assign")
    if job.status is not JobStatus.SCHEDULED:
        _move(job, JobStatus.SCHEDULED, "assign")
    ensure_can_assign(job, technician)
    new = attrs.evolve(job, tech_id=technician.id, status=JobStatus.SCHEDULED)
    return record(job, new, action="assign", actor=actor, now=now)


def unassign(job: Job, *, actor: Actor, now: datetime) -> Change:
    """SCHEDULED → PENDING: the technician gives the job back to the board."""
    _ensure_admin(actor, "unassign")
    _move(job, JobStatus.PENDING, "unassign")
    new = attrs.evolve(job, tech_id=None, status=JobStatus.PENDING)
    return record(job, new, action="unassign", actor=actor, now=now)


def schedule(
    job: Job,
    start: datetime | None,
    end: datetime | None,
    *,
    actor: Actor,
    now: datetime,
    overlaps: tuple[str, ...] = (),
) -> Change:
    """An admin sets (or clears, with no start) the job's appointment window. ``overlaps`` are
    the technician's jobs at the same time that the admin confirmed booking anyway
    (``policies.ensure_no_overlap`` decided); the audit entry records them."""
    _ensure_admin(actor, "schedule")
    if job.status.is_terminal:
        raise InvalidTransition(f"Cannot schedule job {job.job_code}: it is {job.status.value}")
    if start is None and end is not None:
        raise InvalidInput(
            "A window with an end needs a start", fields={"window_start": "required with an end"}
        )
    if start is not None:
        checked = window_of(start, end)
        start, end = checked.start, (checked.end if end is not None else None)
    # The proposal is answered once a dispatcher has set the window.
    proposed = (None, None) if start is not None else (job.proposed_start, job.proposed_end)
    new = attrs.evolve(
        job,
        window_start=start,
        window_end=end,
        proposed_start=proposed[0],
        proposed_end=proposed[1],
    )
    change = record(job, new, action="schedule", actor=actor, now=now)
    if not overlaps:
        return change
    confirmed = {**change.audit.new_values, "allow_overlap": True, "overlaps": list(overlaps)}
    return attrs.evolve(change, audit=attrs.evolve(change.audit, new_values=confirmed))


def annotate(job: Job, notes: str, *, actor: Actor, now: datetime) -> Change:
    """An admin writes the notes the technician reads with the job."""
    _ensure_admin(actor, "annotate")
    if job.status.is_terminal:
        raise InvalidTransition(f"Cannot edit job {job.job_code}: it is {job.status.value}")
    if len(notes) > MAX_NOTES or "\x00" in notes:
        raise InvalidInput(
            f"Notes are at most {MAX_NOTES} characters, without NUL",
            fields={"notes": "too long or NUL"},
        )
    return record(job, attrs.evolve(job, notes=notes.strip()), action="notes", actor=actor, now=now)


def window_of(start: datetime, end: datetime | None) -> Window:
    """The window as checked (``window.window``); a start alone is a moment."""
    if end is None:
        # Checked as a one-minute window: the same offset and calendar checks as a full one.
        try:
            end = start + timedelta(minutes=1)
        except OverflowError:
            raise InvalidInput(
                "The window is outside the calendar", fields={"window_start": "out of range"}
            ) from None
    return window(start, end)


def verify(job: Job, *, actor: Actor, now: datetime) -> Change:
    """An admin clears the manual-review hold."""
    _ensure_admin(actor, "verify")
    if job.status.is_terminal:
        raise InvalidTransition(f"Job {job.job_code} is {job.status.value}: nothing to verify")
    if not job.awaiting_verification:
        raise InvalidTransition(f"Job {job.job_code} is not waiting for verification")
    new = attrs.evolve(job, verified_by=actor.name, verified_at=now)
    return record(job, new, action="verify", actor=actor, now=now)


def accept(
    job: Job,
    *,
    actor: Actor,
    now: datetime,
    zone: Zone | None,
    in_progress_zones: Iterable[Zone | None],
    config: PolicyConfig,
) -> Change:
    """SCHEDULED → IN_PROGRESS by the assigned technician, unless it breaks the 20 km rule."""
    if actor.technician_id is None or actor.technician_id != job.tech_id:
        raise PermissionDenied("Only the assigned technician may accept this job")
    _move(job, JobStatus.IN_PROGRESS, "accept")
    # Held after assignment (an edit made it an Audi, say): no work until an admin verifies.
    ensure_verified(job)
    ensure_no_zone_conflict(zone, in_progress_zones, config)
    new = attrs.evolve(job, status=JobStatus.IN_PROGRESS)
    return record(job, new, action="accept", actor=actor, now=now)


def complete(job: Job, completion: Completion, *, actor: Actor, now: datetime) -> Change:
    """IN_PROGRESS → COMPLETED with the technician's report; the invoice waits for approval."""
    if actor.technician_id is None or actor.technician_id != job.tech_id:
        raise PermissionDenied("Only the assigned technician may complete this job")
    _move(job, JobStatus.COMPLETED, "complete")
    ensure_verified(job)
    if completion.labour_minutes < 0:
        raise InvalidInput("labour minutes cannot be negative", fields={"labour_minutes": "< 0"})
    if any(p.quantity <= 0 or not p.name.strip() for p in completion.parts):
        raise InvalidInput(
            "each part needs a name and a positive quantity", fields={"parts": "invalid"}
        )
    new = attrs.evolve(
        job,
        status=JobStatus.COMPLETED,
        completion=attrs.evolve(completion, completed_at=now),
        invoice_state=InvoiceState.PENDING_APPROVAL,
    )
    return record(job, new, action="complete", actor=actor, now=now)


def cancel(job: Job, reason: str, *, actor: Actor, now: datetime) -> Change:
    _ensure_admin(actor, "cancel")
    if not reason.strip():
        raise InvalidInput("a cancellation needs a reason", fields={"reason": "required"})
    _move(job, JobStatus.CANCELLED, "cancel")
    new = attrs.evolve(job, status=JobStatus.CANCELLED, cancel_reason=reason.strip())
    return record(job, new, action="cancel", actor=actor, now=now)


def approve(
    job: Job, *, actor: Actor, now: datetime, lines: tuple[InvoiceLine, ...] = ()
) -> Change | None:
    """Approve a COMPLETED job for invoicing; on a FAILED invoice, approve again to retry.
    ``lines`` are the invoice's lines as the dispatcher saw them (``sm2_core.invoicing``): what
    is billed, whatever the catalog says by the time the invoice is made.

    None when the job is already approved and its invoice queued or made: a double click is
    not a second approval (and must not queue a second invoice).
    """
    _ensure_admin(actor, "approve")
    if job.is_approved and (
        job.invoice_state is InvoiceState.PENDING_APPROVAL or job.invoice_state.in_quickbooks
    ):
        return None
    if job.status is not JobStatus.COMPLETED:
        raise InvalidTransition(
            f"Only a COMPLETED job can be approved; {job.job_code} is {job.status.value}"
        )
    if job.invoice_state not in (InvoiceState.PENDING_APPROVAL, InvoiceState.FAILED):
        raise InvalidTransition(f"Job {job.job_code} invoice is {job.invoice_state.value}")
    new = attrs.evolve(
        job,
        approved_by=actor.name,
        approved_at=now,
        invoice_state=InvoiceState.PENDING_APPROVAL,
        invoice_error=None,
        invoice_lines=lines,
    )
    return record(job, new, action="approve", actor=actor, now=now)


def invoice_synced(job: Job, invoice_id: str, *, actor: Actor, now: datetime) -> Change:
    ensure_invoice_allowed(job)
    new = attrs.evolve(
        job, invoice_state=InvoiceState.SYNCED, qb_invoice_id=invoice_id, invoice_error=None
    )
    return record(job, new, action="invoice_synced", actor=actor, now=now, event="invoice.synced")


def invoice_failed(job: Job, error: str, *, actor: Actor, now: datetime) -> Change:
    ensure_invoice_allowed(job)
    new = attrs.evolve(job, invoice_state=InvoiceState.FAILED, invoice_error=error)
    return record(job, new, action="invoice_failed", actor=actor, now=now, event="invoice.failed")


#: The audit actions of an invoice's life in QuickBooks after SYNCED.
INVOICE_PAYMENT = "invoice_payment"
"""QuickBooks said something new of the invoice: a payment, a void, a new due date."""
INVOICE_OVERDUE = "invoice_overdue"
"""The due date passed with something left to pay."""


def invoice_paid_state(
    job: Job,
    state: InvoiceState,
    *,
    amounts: tuple[dict[str, Any], dict[str, Any]],
    actor: Actor,
    now: datetime,
    action: str = INVOICE_PAYMENT,
) -> Change:
    """The invoice's life after SYNCED (``sm2_core.payments`` decided ``state``): PAID,
    PARTIALLY_PAID, OVERDUE, VOIDED, or SYNCED again when a payment was removed. ``amounts``
    are the invoice's amounts before and after (``payments.amounts``): those that moved are
    audited with the state, and the event (``invoice.updated``) carries the new ones."""
    if not (job.invoice_state.in_quickbooks and state.in_quickbooks):
        raise InvalidTransition(
            f"Job {job.job_code} invoice is {job.invoice_state.value}: it is not in QuickBooks"
        )
    change = record(
        job,
        attrs.evolve(job, invoice_state=state),
        action=action,
        actor=actor,
        now=now,
        event="invoice.updated",
    )
    before, after = amounts
    moved = [name for name in after if before.get(name) != after[name]]
    audit = attrs.evolve(
        change.audit,
        old_values={**change.audit.old_values, **{name: before.get(name) for name in moved}},
        new_values={**change.audit.new_values, **{name: after[name] for name in moved}},
    )
    event = attrs.evolve(change.event, data={**change.event.data, **after})
    return attrs.evolve(change, audit=audit, event=event)
