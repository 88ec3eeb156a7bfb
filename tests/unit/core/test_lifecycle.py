"""The lifecycle steps as pure functions: each returns the new job, its audit and its event."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from uuid import uuid4

import attrs
import pytest

from sm2_core import lifecycle
from sm2_core.domain.entities import Technician
from sm2_core.domain.enums import InvoiceState, JobStatus, Role
from sm2_core.domain.job import Completion, Job, Part, Vehicle
from sm2_core.domain.records import Actor
from sm2_core.errors import InvalidInput, InvalidTransition, PermissionDenied, PolicyViolation
from sm2_core.policies import PolicyConfig

T0 = datetime(2026, 11, 25, 13, 0, tzinfo=UTC)
LATER = T0 + timedelta(minutes=5)
ADMIN = Actor(name="admin:alice", role=Role.ADMIN)
JULIE = Technician(
    id=uuid4(), name="Julie", phone="+14185550202", zone_id=None, skills=frozenset({"OIL_CHANGE"})
)
KARIM = attrs.evolve(JULIE, id=uuid4(), name="Karim", phone="+14185550203")
AS_JULIE = Actor(name="tech:julie", role=Role.TECH, technician_id=JULIE.id)
AS_KARIM = Actor(name="tech:karim", role=Role.TECH, technician_id=KARIM.id)
DONE = Completion(notes="Oil changed", labour_minutes=30, parts=(Part("Filter"),))
NO_ZONES: dict[str, object] = {"zone": None, "in_progress_zones": [], "config": PolicyConfig()}


def job(status: JobStatus = JobStatus.PENDING, **changes: object) -> Job:
    base = Job(
        id=uuid4(),
        job_code="SM2-2026-001",
        dealership_id=uuid4(),
        vehicle=Vehicle(make="Ford", model="F-150"),
        created_at=T0,
        updated_at=T0,
        service_id=uuid4(),
        service_code="OIL_CHANGE",
        status=status,
        tech_id=JULIE.id if status in (JobStatus.SCHEDULED, JobStatus.IN_PROGRESS) else None,
    )
    return attrs.evolve(base, **changes)


def accept(j: Job, actor: Actor = AS_JULIE) -> lifecycle.Change:
    return lifecycle.accept(j, actor=actor, now=LATER, **NO_ZONES)  # type: ignore[arg-type]


class TestAssign:
    def test_pending_becomes_scheduled_with_the_technician(self) -> None:
        """Assigning hands the job to the technician and schedules it."""
        change = lifecycle.assign(job(), JULIE, actor=ADMIN, now=LATER)
        assert (JobStatus.SCHEDULED, JULIE.id, LATER) == (
            change.job.status,
            change.job.tech_id,
            change.job.updated_at,
        )

    def test_audit_entry_records_before_and_after(self) -> None:
        """The audit entry says who changed what, from which values to which."""
        original = job()
        entry = lifecycle.assign(original, JULIE, actor=ADMIN, now=LATER).audit
        assert ("job", original.id, original.id, "assign", "admin:alice", LATER) == (
            entry.subject, entry.subject_id, entry.job_id, entry.action, entry.actor, entry.at,
        )  # fmt: skip
        assert {"status": "PENDING", "tech_id": None, "assigned_at": None} == entry.old_values
        assert {
            "status": "SCHEDULED",
            "tech_id": str(JULIE.id),
            "assigned_at": LATER.isoformat(),
        } == entry.new_values

    def test_event_tells_watchers_the_new_state(self) -> None:
        """The event carries the job's code, the action and its new status."""
        event = lifecycle.assign(job(), JULIE, actor=ADMIN, now=LATER).event
        assert ("job.updated", "assign", "SCHEDULED", "SM2-2026-001") == (
            event.name, event.data["action"], event.data["status"], event.data["job_code"],
        )  # fmt: skip

    def test_scheduled_job_can_be_handed_to_another_technician(self) -> None:
        """Reassignment keeps the job SCHEDULED with the new technician."""
        change = lifecycle.assign(job(JobStatus.SCHEDULED), KARIM, actor=ADMIN, now=LATER)
        assert (JobStatus.SCHEDULED, KARIM.id) == (change.job.status, change.job.tech_id)

    @pytest.mark.parametrize(
        "status", [JobStatus.IN_PROGRESS, JobStatus.COMPLETED, JobStatus.CANCELLED]
    )
    def test_started_or_finished_jobs_cannot_be_assigned(self, status: JobStatus) -> None:
        """Work that started or ended stays with whoever has it."""
        with pytest.raises(InvalidTransition):
            lifecycle.assign(job(status), KARIM, actor=ADMIN, now=LATER)

    def test_technician_cannot_assign(self) -> None:
        """Assignment is an admin's decision."""
        with pytest.raises(PermissionDenied):
            lifecycle.assign(job(), JULIE, actor=AS_JULIE, now=LATER)

    def test_assignment_checks_certification(self) -> None:
        """The assignment rules apply: an uncertified technician is refused."""
        with pytest.raises(PolicyViolation):
            lifecycle.assign(job(service_code="ENGINE_REPAIR"), JULIE, actor=ADMIN, now=LATER)


class TestUnassign:
    def test_scheduled_goes_back_to_the_board(self) -> None:
        """Unassigning returns the job to PENDING without a technician."""
        change = lifecycle.unassign(job(JobStatus.SCHEDULED), actor=ADMIN, now=LATER)
        assert (JobStatus.PENDING, None) == (change.job.status, change.job.tech_id)

    @pytest.mark.parametrize("status", [JobStatus.PENDING, JobStatus.IN_PROGRESS])
    def test_only_scheduled_jobs_can_be_unassigned(self, status: JobStatus) -> None:
        """A job on the board or in progress cannot be unassigned."""
        with pytest.raises(InvalidTransition):
            lifecycle.unassign(job(status), actor=ADMIN, now=LATER)


class TestVerify:
    def test_admin_clears_the_hold(self) -> None:
        """Verifying records who verified and when; the job may then be assigned."""
        held = job(review_reasons=("Service not recognised",))
        verified = lifecycle.verify(held, actor=ADMIN, now=LATER).job
        assert ("admin:alice", LATER, False) == (
            verified.verified_by, verified.verified_at, verified.awaiting_verification,
        )  # fmt: skip

    def test_nothing_to_verify(self) -> None:
        """A job with no review reasons is not waiting for verification."""
        with pytest.raises(InvalidTransition):
            lifecycle.verify(job(), actor=ADMIN, now=LATER)

    def test_finished_job_is_not_verified(self) -> None:
        """A cancelled job's hold no longer matters."""
        with pytest.raises(InvalidTransition):
            lifecycle.verify(
                job(JobStatus.CANCELLED, review_reasons=("x",)), actor=ADMIN, now=LATER
            )


class TestAccept:
    def test_assigned_technician_starts_the_work(self) -> None:
        """SCHEDULED → IN_PROGRESS by the technician it was given to."""
        assert JobStatus.IN_PROGRESS == accept(job(JobStatus.SCHEDULED)).job.status

    @pytest.mark.parametrize("actor", [AS_KARIM, ADMIN])
    def test_nobody_else_may_accept(self, actor: Actor) -> None:
        """Another technician, or an admin, cannot accept in the technician's place."""
        with pytest.raises(PermissionDenied):
            accept(job(JobStatus.SCHEDULED), actor)

    def test_pending_job_cannot_be_accepted(self) -> None:
        """A job nobody holds cannot be started."""
        with pytest.raises(PermissionDenied):
            accept(job(JobStatus.PENDING))

    def test_in_progress_job_cannot_be_accepted_again(self) -> None:
        """Accepting twice is an invalid step, not a silent success."""
        with pytest.raises(InvalidTransition):
            accept(job(JobStatus.IN_PROGRESS))


class TestComplete:
    def test_completion_waits_for_approval(self) -> None:
        """Completing records the report, stamps it and sets the invoice PENDING_APPROVAL."""
        done = lifecycle.complete(job(JobStatus.IN_PROGRESS), DONE, actor=AS_JULIE, now=LATER).job
        assert (JobStatus.COMPLETED, InvoiceState.PENDING_APPROVAL) == (
            done.status,
            done.invoice_state,
        )
        assert attrs.evolve(DONE, completed_at=LATER) == done.completion

    def test_only_in_progress_work_completes(self) -> None:
        """A job that was never started cannot be completed."""
        with pytest.raises(InvalidTransition):
            lifecycle.complete(job(JobStatus.SCHEDULED), DONE, actor=AS_JULIE, now=LATER)

    def test_only_the_assigned_technician_completes(self) -> None:
        """Another technician cannot report the work done."""
        with pytest.raises(PermissionDenied):
            lifecycle.complete(job(JobStatus.IN_PROGRESS), DONE, actor=AS_KARIM, now=LATER)

    @pytest.mark.parametrize(
        ("report", "field"),
        [
            (Completion(notes="", labour_minutes=-1), "labour_minutes"),
            (Completion(notes="", labour_minutes=5, parts=(Part("Filter", 0),)), "parts"),
            (Completion(notes="", labour_minutes=5, parts=(Part("  "),)), "parts"),
        ],
    )
    def test_nonsense_reports_are_refused(self, report: Completion, field: str) -> None:
        """Negative minutes, zero quantities and nameless parts are refused, naming the field."""
        with pytest.raises(InvalidInput) as caught:
            lifecycle.complete(job(JobStatus.IN_PROGRESS), report, actor=AS_JULIE, now=LATER)
        assert [field] == list(caught.value.fields)


class TestCancel:
    @pytest.mark.parametrize(
        "status", [JobStatus.PENDING, JobStatus.SCHEDULED, JobStatus.IN_PROGRESS]
    )
    def test_open_jobs_can_be_cancelled_with_a_reason(self, status: JobStatus) -> None:
        """Cancelling keeps the reason, trimmed."""
        change = lifecycle.cancel(job(status), "  dealer sold the car ", actor=ADMIN, now=LATER)
        assert (JobStatus.CANCELLED, "dealer sold the car") == (
            change.job.status,
            change.job.cancel_reason,
        )

    @pytest.mark.parametrize("status", [JobStatus.COMPLETED, JobStatus.CANCELLED])
    def test_finished_jobs_cannot_be_cancelled(self, status: JobStatus) -> None:
        """Completed work is billed, not cancelled; a cancelled job stays cancelled."""
        with pytest.raises(InvalidTransition):
            lifecycle.cancel(job(status), "oops", actor=ADMIN, now=LATER)

    def test_a_reason_is_required(self) -> None:
        """A blank reason is refused, naming the field."""
        with pytest.raises(InvalidInput) as caught:
            lifecycle.cancel(job(), "   ", actor=ADMIN, now=LATER)
        assert ["reason"] == list(caught.value.fields)

    def test_technician_cannot_cancel(self) -> None:
        """Cancelling is an admin's decision."""
        with pytest.raises(PermissionDenied):
            lifecycle.cancel(job(JobStatus.SCHEDULED), "no time", actor=AS_JULIE, now=LATER)


def completed(**changes: object) -> Job:
    return job(JobStatus.COMPLETED, **{"invoice_state": InvoiceState.PENDING_APPROVAL, **changes})


class TestApproveAndInvoice:
    def test_admin_approves_completed_work(self) -> None:
        """Approval records who approved and when; the invoice waits to be synced."""
        approved = lifecycle.approve(completed(), actor=ADMIN, now=LATER).job
        assert ("admin:alice", LATER, InvoiceState.PENDING_APPROVAL) == (
            approved.approved_by, approved.approved_at, approved.invoice_state,
        )  # fmt: skip

    def test_only_completed_work_is_approved(self) -> None:
        """Work in progress cannot be approved for billing."""
        with pytest.raises(InvalidTransition):
            lifecycle.approve(job(JobStatus.IN_PROGRESS), actor=ADMIN, now=LATER)

    def test_technician_cannot_approve(self) -> None:
        """Approving one's own work is not allowed."""
        with pytest.raises(PermissionDenied):
            lifecycle.approve(completed(), actor=AS_JULIE, now=LATER)

    def test_synced_invoice_cannot_be_approved_again(self) -> None:
        """An invoiced job is done with approvals."""
        with pytest.raises(InvalidTransition):
            lifecycle.approve(completed(invoice_state=InvoiceState.SYNCED), actor=ADMIN, now=LATER)

    def test_approving_a_failed_invoice_clears_the_error(self) -> None:
        """Approve again after a failure: the error is cleared and the invoice waits again."""
        failed = completed(invoice_state=InvoiceState.FAILED, invoice_error="QuickBooks: down")
        again = lifecycle.approve(failed, actor=ADMIN, now=LATER).job
        assert (InvoiceState.PENDING_APPROVAL, None) == (again.invoice_state, again.invoice_error)

    def test_synced_records_the_invoice(self) -> None:
        """A synced invoice keeps its QuickBooks id, with an invoice.synced event."""
        approved = completed(approved_at=T0, approved_by="admin:alice")
        change = lifecycle.invoice_synced(approved, "1000", actor=ADMIN, now=LATER)
        assert (InvoiceState.SYNCED, "1000", "invoice.synced") == (
            change.job.invoice_state, change.job.qb_invoice_id, change.event.name,
        )  # fmt: skip

    def test_failed_records_the_error(self) -> None:
        """A failed invoice keeps the error for the admin, with an invoice.failed event."""
        approved = completed(approved_at=T0, approved_by="admin:alice")
        change = lifecycle.invoice_failed(approved, "QuickBooks: 400", actor=ADMIN, now=LATER)
        assert (InvoiceState.FAILED, "QuickBooks: 400", "invoice.failed") == (
            change.job.invoice_state, change.job.invoice_error, change.event.name,
        )  # fmt: skip

    def test_unapproved_work_cannot_be_marked_invoiced(self) -> None:
        """The safety lock holds in the lifecycle too."""
        with pytest.raises(PolicyViolation):
            lifecycle.invoice_synced(completed(), "1000", actor=ADMIN, now=LATER)
