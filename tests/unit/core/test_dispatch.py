"""Dispatch on the memory system: what admins do with jobs on the board."""

from __future__ import annotations

from uuid import uuid4

import pytest
from core_helpers import ADMIN, Demo, actions

from sm2_core.domain.enums import JobStatus, PolicyRule, TechnicianStatus, Urgency
from sm2_core.domain.job import Vehicle
from sm2_core.errors import (
    InvalidInput,
    InvalidTransition,
    NotFound,
    PermissionDenied,
    PolicyViolation,
    StaleVersion,
)
from sm2_core.policies import (
    AUDI_REASON,
)
from sm2_core.ports import JobFilter

AUDI_Q5 = Vehicle(year=2023, make="Audi", model="Q5")


class TestAssign:
    async def test_assign_schedules_the_job_for_the_technician(self, demo: Demo) -> None:
        """PENDING → SCHEDULED with the technician, saved as version 2."""
        job = await demo.new_job()
        assigned = await demo.svc.dispatch.assign(job.id, demo.techs["Julie"].id, actor=ADMIN)
        assert (JobStatus.SCHEDULED, demo.techs["Julie"].id, 2) == (
            assigned.status,
            assigned.tech_id,
            assigned.version,
        )
        assert assigned == await demo.job(job.id)

    async def test_every_change_has_its_audit_entry_and_event(self, demo: Demo) -> None:
        """Create, assign, unassign and cancel each leave an audit entry and an event."""
        job = await demo.scheduled_job()
        await demo.svc.dispatch.unassign(job.id, actor=ADMIN)
        await demo.svc.dispatch.cancel(job.id, "Car sold", actor=ADMIN)
        assert ["create", "assign", "unassign", "cancel"] == actions(await demo.timeline(job.id))
        assert ["job.created", "job.updated", "job.updated", "job.updated"] == demo.events_for(
            job.id
        )

    async def test_events_carry_the_saved_version(self, demo: Demo) -> None:
        """Watchers learn the version they must send back to change the job."""
        job = await demo.scheduled_job()
        versions = [s.event.data["version"] for s in demo.system.bus.published]
        assert [1, 2] == versions[-2:]
        assert 2 == (await demo.job(job.id)).version

    async def test_uncertified_technician_is_refused(self, demo: Demo) -> None:
        """Sophie does detailing, not oil changes."""
        job = await demo.new_job()
        with pytest.raises(PolicyViolation) as caught:
            await demo.svc.dispatch.assign(job.id, demo.techs["Sophie"].id, actor=ADMIN)
        assert PolicyRule.CERTIFICATION == caught.value.rule

    async def test_technician_on_leave_is_refused(self, demo: Demo) -> None:
        """Nathalie is on leave: she is certified for PDI but cannot take it."""
        job = await demo.new_job(service="PDI")
        with pytest.raises(PolicyViolation) as caught:
            await demo.svc.dispatch.assign(job.id, demo.techs["Nathalie"].id, actor=ADMIN)
        assert PolicyRule.AVAILABILITY == caught.value.rule

    async def test_technician_gone_offline_is_refused(self, demo: Demo) -> None:
        """Setting a technician OFFLINE stops new assignments."""
        julie = demo.techs["Julie"]
        await demo.svc.admin.update(
            "technicians", julie.id, {"status": TechnicianStatus.OFFLINE}, actor=ADMIN
        )
        job = await demo.new_job()
        with pytest.raises(PolicyViolation) as caught:
            await demo.svc.dispatch.assign(job.id, julie.id, actor=ADMIN)
        assert PolicyRule.AVAILABILITY == caught.value.rule

    async def test_refused_assignment_changes_nothing(self, demo: Demo) -> None:
        """A refusal leaves the job, its audit trail and the event stream as they were."""
        job = await demo.new_job()
        published = len(demo.system.bus.published)
        with pytest.raises(PolicyViolation):
            await demo.svc.dispatch.assign(job.id, demo.techs["Sophie"].id, actor=ADMIN)
        assert job == await demo.job(job.id)
        assert ["create"] == actions(await demo.timeline(job.id))
        assert published == len(demo.system.bus.published)

    async def test_technician_cannot_assign(self, demo: Demo) -> None:
        """Only admins dispatch; a technician cannot give herself work."""
        job = await demo.new_job()
        with pytest.raises(PermissionDenied):
            await demo.svc.dispatch.assign(
                job.id, demo.techs["Julie"].id, actor=demo.as_tech("Julie")
            )

    async def test_unknown_job_or_technician(self, demo: Demo) -> None:
        """Assigning something that does not exist is NotFound."""
        job = await demo.new_job()
        with pytest.raises(NotFound):
            await demo.svc.dispatch.assign(uuid4(), demo.techs["Julie"].id, actor=ADMIN)
        with pytest.raises(NotFound):
            await demo.svc.dispatch.assign(job.id, uuid4(), actor=ADMIN)


class TestManualVerification:
    async def test_audi_must_be_verified_before_assignment(self, demo: Demo) -> None:
        """An Audi (HIGH at least) is refused under the Audi rule until an admin verifies it."""
        job = await demo.new_job("Toyota Sainte-Foy", "KEY_PROGRAMMING", AUDI_Q5)
        assert Urgency.HIGH == job.urgency
        with pytest.raises(PolicyViolation) as caught:
            await demo.svc.dispatch.assign(job.id, demo.techs["Marc-André"].id, actor=ADMIN)
        assert PolicyRule.AUDI == caught.value.rule
        await demo.svc.dispatch.verify(job.id, actor=ADMIN)
        assigned = await demo.svc.dispatch.assign(job.id, demo.techs["Marc-André"].id, actor=ADMIN)
        assert JobStatus.SCHEDULED == assigned.status

    async def test_flagged_dealership_must_be_verified(self, demo: Demo) -> None:
        """Audi Québec is flagged for audit: even its Ford waits for verification."""
        job = await demo.new_job("Audi Québec", "OIL_CHANGE")
        with pytest.raises(PolicyViolation) as caught:
            await demo.svc.dispatch.assign(job.id, demo.techs["Julie"].id, actor=ADMIN)
        assert PolicyRule.MANUAL_REVIEW == caught.value.rule

    async def test_technician_cannot_verify(self, demo: Demo) -> None:
        """Verification is an admin's decision."""
        job = await demo.new_job("Audi Québec", "OIL_CHANGE")
        with pytest.raises(PermissionDenied):
            await demo.svc.dispatch.verify(job.id, actor=demo.as_tech("Julie"))


class TestUnassignAndCancel:
    async def test_unassign_returns_the_job_to_the_board(self, demo: Demo) -> None:
        """SCHEDULED → PENDING without a technician."""
        job = await demo.scheduled_job()
        back = await demo.svc.dispatch.unassign(job.id, actor=ADMIN)
        assert (JobStatus.PENDING, None) == (back.status, back.tech_id)

    async def test_cancel_needs_a_reason(self, demo: Demo) -> None:
        """A blank reason is refused and the job stays as it was."""
        job = await demo.new_job()
        with pytest.raises(InvalidInput):
            await demo.svc.dispatch.cancel(job.id, " ", actor=ADMIN)
        assert JobStatus.PENDING == (await demo.job(job.id)).status

    async def test_completed_job_cannot_be_cancelled(self, demo: Demo) -> None:
        """Completed work is billed, never cancelled."""
        job = await demo.completed_job()
        with pytest.raises(InvalidTransition):
            await demo.svc.dispatch.cancel(job.id, "changed my mind", actor=ADMIN)


class TestOptimisticConcurrency:
    async def test_stale_version_is_refused(self, demo: Demo) -> None:
        """An admin acting on an old copy gets StaleVersion, naming both versions."""
        job = await demo.scheduled_job()
        with pytest.raises(StaleVersion) as caught:
            await demo.svc.dispatch.unassign(job.id, actor=ADMIN, expected_version=1)
        assert (1, 2) == (caught.value.expected, caught.value.actual)
        assert JobStatus.SCHEDULED == (await demo.job(job.id)).status

    @pytest.mark.parametrize("operation", ["assign", "verify", "cancel", "update"])
    async def test_every_admin_change_checks_the_version(self, demo: Demo, operation: str) -> None:
        """Assign, verify, cancel and edit all refuse a stale copy."""
        job = await demo.new_job("Audi Québec")
        await demo.svc.dispatch.verify(job.id, actor=ADMIN)
        dispatch = demo.svc.dispatch
        calls = {
            "assign": lambda: dispatch.assign(job.id, demo.techs["Julie"].id, actor=ADMIN,
                                              expected_version=1),
            "verify": lambda: dispatch.verify(job.id, actor=ADMIN, expected_version=1),
            "cancel": lambda: dispatch.cancel(job.id, "x", actor=ADMIN, expected_version=1),
            "update": lambda: dispatch.update(job.id, actor=ADMIN, expected_version=1,
                                              urgency=Urgency.LOW),
        }  # fmt: skip
        with pytest.raises(StaleVersion):
            await calls[operation]()

    async def test_current_version_is_accepted(self, demo: Demo) -> None:
        """The copy the admin just read is current and goes through."""
        job = await demo.new_job()
        assigned = await demo.svc.dispatch.assign(
            job.id, demo.techs["Julie"].id, actor=ADMIN, expected_version=job.version
        )
        assert 2 == assigned.version


class TestUpdate:
    async def test_edit_and_assign_in_one_step(self, demo: Demo) -> None:
        """A PATCH may change the urgency and assign; each change is audited."""
        job = await demo.new_job()
        updated = await demo.svc.dispatch.update(
            job.id, actor=ADMIN, expected_version=1, urgency=Urgency.HIGH,
            tech_id=demo.techs["Julie"].id,
        )  # fmt: skip
        assert (Urgency.HIGH, JobStatus.SCHEDULED, 3) == (
            updated.urgency, updated.status, updated.version,
        )  # fmt: skip
        assert ["create", "edit", "assign"] == actions(await demo.timeline(job.id))

    async def test_editing_the_vehicle_into_an_audi_applies_the_audi_rule(self, demo: Demo) -> None:
        """An admin correcting the make to Audi brings the Audi rule: HIGH and verification."""
        job = await demo.new_job(service="DIAGNOSTIC", vehicle=Vehicle(model="Q5"))
        assert Urgency.MEDIUM == job.urgency
        edited = await demo.svc.dispatch.update(
            job.id,
            actor=ADMIN,
            expected_version=1,
            vehicle={"make": AUDI_Q5.make, "model": AUDI_Q5.model, "year": AUDI_Q5.year},
        )
        assert Urgency.HIGH <= edited.urgency
        assert AUDI_REASON in edited.review_reasons
        with pytest.raises(PolicyViolation) as caught:
            await demo.svc.dispatch.assign(job.id, demo.techs["Marc-André"].id, actor=ADMIN)
        assert PolicyRule.AUDI == caught.value.rule

    async def test_editing_to_a_service_requiring_approval_holds_the_job(self, demo: Demo) -> None:
        """Changing the work to an engine repair adds its approval hold, as at creation."""
        job = await demo.new_job(service="DIAGNOSTIC")
        edited = await demo.svc.dispatch.update(
            job.id, actor=ADMIN, expected_version=1, service_code="ENGINE_REPAIR"
        )
        assert ("Service ENGINE_REPAIR requires approval",) == edited.review_reasons
        assert edited.awaiting_verification

    async def test_technician_cannot_edit(self, demo: Demo) -> None:
        """Editing a job is for admins."""
        job = await demo.new_job()
        with pytest.raises(PermissionDenied):
            await demo.svc.dispatch.update(
                job.id, actor=demo.as_tech("Julie"), expected_version=1, urgency=Urgency.LOW
            )

    async def test_unknown_service_is_refused(self, demo: Demo) -> None:
        """Editing to a service not in the catalog is NotFound, and changes nothing."""
        job = await demo.new_job()
        with pytest.raises(NotFound):
            await demo.svc.dispatch.update(
                job.id, actor=ADMIN, expected_version=1, service_code="TELEPORT"
            )
        assert job == await demo.job(job.id)


class TestBoard:
    async def test_list_sorts_most_urgent_first(self, demo: Demo) -> None:
        """The board shows CRITICAL before HIGH before MEDIUM, then by score."""
        oil = await demo.new_job()
        engine = await demo.new_job("Audi Québec", "ENGINE_REPAIR", AUDI_Q5)
        keys = await demo.new_job("Ford Lévis", "KEY_PROGRAMMING")
        page = await demo.svc.dispatch.list_jobs(JobFilter())
        assert [engine.id, keys.id, oil.id] == [j.id for j in page.items]

    async def test_counts_by_status(self, demo: Demo) -> None:
        """The dashboard counts every status, zeros included."""
        await demo.new_job()
        await demo.scheduled_job()
        counts = await demo.svc.dispatch.counts()
        assert (1, 1, 0) == (
            counts[JobStatus.PENDING], counts[JobStatus.SCHEDULED], counts[JobStatus.COMPLETED],
        )  # fmt: skip

    async def test_suggestions_are_certified_technicians_at_work(self, demo: Demo) -> None:
        """For an oil change at Ford Lévis: Julie (in Lévis) before Éric (Saguenay)."""
        job = await demo.new_job()
        suggested = await demo.svc.dispatch.suggestions(job.id)
        assert ["Julie", "Éric"] == [s.technician.name.split()[0] for s in suggested]
        assert 0.0 == suggested[0].distance_km

    async def test_page_size_is_bounded(self, demo: Demo) -> None:
        """A page of zero or of thousands is refused."""
        with pytest.raises(InvalidInput):
            await demo.svc.dispatch.list_jobs(JobFilter(), limit=0)
