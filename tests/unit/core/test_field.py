"""Field work on the memory system: a technician's jobs, accepting, completing, the 20 km rule."""

from __future__ import annotations

import pytest
from core_helpers import ADMIN, DONE, Demo, actions

from sm2_core.domain.enums import InvoiceState, JobStatus, PolicyRule, Urgency
from sm2_core.domain.job import Completion, Vehicle
from sm2_core.errors import (
    InvalidInput,
    InvalidTransition,
    NotFound,
    PermissionDenied,
    PolicyViolation,
)
from sm2_core.policies import PolicyConfig

CHEVY = Vehicle(year=2022, make="Chevrolet", model="Silverado")


class TestAccept:
    async def test_assigned_technician_starts_the_job(self, demo: Demo) -> None:
        """Accepting moves the job IN_PROGRESS, with an audit entry and an event."""
        job = await demo.scheduled_job("Julie")
        started = await demo.svc.field.accept(job.id, actor=demo.as_tech("Julie"))
        assert (JobStatus.IN_PROGRESS, 3) == (started.status, started.version)
        assert ["create", "assign", "accept"] == actions(await demo.timeline(job.id))
        assert "job.updated" == demo.events_for(job.id)[-1]

    async def test_another_technicians_job_does_not_exist_for_her(self, demo: Demo) -> None:
        """Karim cannot see or accept Julie's job: it is NotFound, not merely forbidden."""
        job = await demo.scheduled_job("Julie")
        with pytest.raises(NotFound):
            await demo.svc.field.get(job.id, actor=demo.as_tech("Karim"))
        with pytest.raises(NotFound):
            await demo.svc.field.accept(job.id, actor=demo.as_tech("Karim"))
        assert JobStatus.SCHEDULED == (await demo.job(job.id)).status

    async def test_unassigned_job_is_invisible_to_technicians(self, demo: Demo) -> None:
        """A job on the board belongs to nobody yet."""
        job = await demo.new_job()
        with pytest.raises(NotFound):
            await demo.svc.field.accept(job.id, actor=demo.as_tech("Julie"))

    async def test_login_without_technician_cannot_use_field_work(self, demo: Demo) -> None:
        """An admin login has no jobs of its own."""
        job = await demo.scheduled_job("Julie")
        with pytest.raises(PermissionDenied):
            await demo.svc.field.accept(job.id, actor=ADMIN)
        with pytest.raises(PermissionDenied):
            await demo.svc.field.my_jobs(actor=ADMIN)

    async def test_accepting_twice_is_refused(self, demo: Demo) -> None:
        """A double tap does not start the job twice."""
        job = await demo.in_progress_job("Julie")
        with pytest.raises(InvalidTransition):
            await demo.svc.field.accept(job.id, actor=demo.as_tech("Julie"))
        assert 3 == (await demo.job(job.id)).version


class TestZoneConflict:
    async def test_second_job_far_away_is_refused(self, demo: Demo) -> None:
        """Julie working in Lévis cannot start a Saguenay job 188 km away."""
        await demo.in_progress_job("Julie", dealer="Ford Lévis")
        far = await demo.scheduled_job(
            "Julie", dealer="Chevrolet Buick GMC Saguenay", vehicle=CHEVY
        )
        with pytest.raises(PolicyViolation) as caught:
            await demo.svc.field.accept(far.id, actor=demo.as_tech("Julie"))
        assert PolicyRule.ZONE_CONFLICT == caught.value.rule
        assert JobStatus.SCHEDULED == (await demo.job(far.id)).status

    async def test_second_job_nearby_is_fine(self, demo: Demo) -> None:
        """Lévis and Sainte-Foy are 5 km apart: Julie may run both."""
        await demo.in_progress_job("Julie", dealer="Ford Lévis")
        near = await demo.scheduled_job("Julie", dealer="Toyota Sainte-Foy")
        started = await demo.svc.field.accept(near.id, actor=demo.as_tech("Julie"))
        assert JobStatus.IN_PROGRESS == started.status

    async def test_finishing_the_first_job_frees_the_technician(self, demo: Demo) -> None:
        """Once the Lévis job is completed, the Saguenay job may start."""
        first = await demo.in_progress_job("Julie", dealer="Ford Lévis")
        far = await demo.scheduled_job(
            "Julie", dealer="Chevrolet Buick GMC Saguenay", vehicle=CHEVY
        )
        await demo.svc.field.complete(first.id, DONE, actor=demo.as_tech("Julie"))
        started = await demo.svc.field.accept(far.id, actor=demo.as_tech("Julie"))
        assert JobStatus.IN_PROGRESS == started.status

    async def test_scheduled_jobs_far_away_do_not_block(self, demo: Demo) -> None:
        """Only jobs in progress count: a far job merely scheduled is no conflict."""
        await demo.scheduled_job("Julie", dealer="Chevrolet Buick GMC Saguenay", vehicle=CHEVY)
        near = await demo.scheduled_job("Julie", dealer="Ford Lévis")
        assert (
            JobStatus.IN_PROGRESS
            == (await demo.svc.field.accept(near.id, actor=demo.as_tech("Julie"))).status
        )

    async def test_other_technicians_jobs_do_not_count(self, demo: Demo) -> None:
        """Éric in Saguenay does not stop Julie from working in Lévis."""
        await demo.in_progress_job("Éric", dealer="Chevrolet Buick GMC Saguenay", vehicle=CHEVY)
        assert JobStatus.IN_PROGRESS == (await demo.in_progress_job("Julie")).status

    @pytest.mark.parametrize("config", [PolicyConfig(max_in_progress_distance_km=3)])
    async def test_distance_is_configurable(self, demo: Demo) -> None:
        """With a 3 km limit, Lévis and Sainte-Foy (5 km) conflict."""
        await demo.in_progress_job("Julie", dealer="Ford Lévis")
        near = await demo.scheduled_job("Julie", dealer="Toyota Sainte-Foy")
        with pytest.raises(PolicyViolation):
            await demo.svc.field.accept(near.id, actor=demo.as_tech("Julie"))


class TestComplete:
    async def test_completion_waits_for_approval(self, demo: Demo) -> None:
        """The report is kept, stamped with the time, and the invoice awaits approval."""
        job = await demo.in_progress_job("Julie")
        demo.system.clock.advance(hours=1)
        done = await demo.svc.field.complete(job.id, DONE, actor=demo.as_tech("Julie"))
        assert (JobStatus.COMPLETED, InvoiceState.PENDING_APPROVAL) == (
            done.status,
            done.invoice_state,
        )
        assert demo.system.clock.now() == done.completion.completed_at  # type: ignore[union-attr]

    async def test_nonsense_report_is_refused_and_changes_nothing(self, demo: Demo) -> None:
        """Negative minutes are refused; the job stays in progress."""
        job = await demo.in_progress_job("Julie")
        with pytest.raises(InvalidInput):
            await demo.svc.field.complete(
                job.id, Completion(notes="", labour_minutes=-5), actor=demo.as_tech("Julie")
            )
        assert job == await demo.job(job.id)

    async def test_another_technician_cannot_complete(self, demo: Demo) -> None:
        """Karim cannot close Julie's job."""
        job = await demo.in_progress_job("Julie")
        with pytest.raises(NotFound):
            await demo.svc.field.complete(job.id, DONE, actor=demo.as_tech("Karim"))


class TestMyJobs:
    async def test_in_progress_first_then_most_urgent(self, demo: Demo) -> None:
        """Julie sees the job she is on, then the most urgent, then the older routine one."""
        routine = await demo.scheduled_job("Julie", service="OIL_CHANGE")
        urgent = await demo.new_job(service="BRAKE_SERVICE")
        await demo.svc.dispatch.update(
            urgent.id, actor=ADMIN, expected_version=1, urgency=Urgency.CRITICAL,
            tech_id=demo.techs["Julie"].id,
        )  # fmt: skip
        working = await demo.in_progress_job("Julie", service="TIRE_CHANGE")
        mine = await demo.svc.field.my_jobs(actor=demo.as_tech("Julie"))
        assert [working.id, urgent.id, routine.id] == [j.id for j in mine]

    async def test_done_work_is_hidden_unless_asked(self, demo: Demo) -> None:
        """Completed jobs leave the list, but stay in the history."""
        done = await demo.completed_job("Julie")
        tech = demo.as_tech("Julie")
        assert [] == await demo.svc.field.my_jobs(actor=tech)
        assert [done.id] == [
            j.id for j in await demo.svc.field.my_jobs(actor=tech, include_done=True)
        ]

    async def test_only_ones_own_jobs(self, demo: Demo) -> None:
        """Karim's list does not show Julie's jobs."""
        await demo.scheduled_job("Julie")
        assert [] == await demo.svc.field.my_jobs(actor=demo.as_tech("Karim"))
