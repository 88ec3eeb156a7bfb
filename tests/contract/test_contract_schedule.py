"""Contract of JobRepository's schedule reads (a day's windows, held work without one) and of
the "Needs attention" filter: the memory fake and PostgreSQL give the same answers."""

from __future__ import annotations

import factories as f

from sm2_core.attention import attention
from sm2_core.domain.enums import InvoiceState, JobStatus, Urgency
from sm2_core.domain.job import Job, Vehicle
from sm2_core.domain.records import OutboundKind, OutboundStatus
from sm2_core.domain.scheduled import ScheduledJob
from sm2_core.ports import JobFilter, UnitOfWorkFactory

HOUR = 3_600


async def add_jobs(factory: UnitOfWorkFactory, *jobs: Job) -> None:
    async with factory() as uow:
        for job in jobs:
            await uow.jobs.add(job)


class TestWindowsStarting:
    async def test_jobs_whose_window_starts_in_the_range_by_start(self, uow_factory):
        """Starts in [start, end), earliest first; cancelled jobs and jobs without a window
        are left out."""
        world = await f.add_world(uow_factory)
        d, tech = world.dealership.id, world.technician.id
        late = f.job(d, window_start=f.at(5 * HOUR), tech_id=tech, status=JobStatus.SCHEDULED)
        early = f.job(d, window_start=f.at(1 * HOUR), window_end=f.at(2 * HOUR))
        at_end = f.job(d, window_start=f.at(6 * HOUR))
        before = f.job(d, window_start=f.at(-1))
        cancelled = f.job(d, window_start=f.at(2 * HOUR), status=JobStatus.CANCELLED)
        await add_jobs(uow_factory, late, early, at_end, before, cancelled, f.job(d))
        async with uow_factory() as uow:
            found = await uow.jobs.windows_starting(f.at(0), f.at(6 * HOUR))
        assert [early.id, late.id] == [j.id for j in found]
        assert (f.at(1 * HOUR), f.at(2 * HOUR)) == (found[0].window_start, found[0].window_end)


class TestTheReadModel:
    async def test_a_scheduled_job_carries_the_job_s_own_values(self, uow_factory):
        """Every field of the schedule's read model is the job's, as stored: read by
        ``windows_starting`` (PostgreSQL maps its own columns for it)."""
        world = await f.add_world(uow_factory)
        job = f.job(
            world.dealership.id,
            vehicle=Vehicle(2021, "Honda", "Civic", "2HGFC2F59MH500001", "ST-42"),
            service_id=world.service.id,
            service_code=world.service.code,
            urgency=Urgency.HIGH,
            status=JobStatus.SCHEDULED,
            tech_id=world.technician.id,
            zone_id=world.zone.id,
            version=3,
            window_start=f.at(HOUR),
            window_end=f.at(2 * HOUR),
            proposed_start=f.at(3 * HOUR),
            proposed_end=f.at(4 * HOUR),
            review_reasons=("Audi rule", "Dealership flagged"),
        )
        await add_jobs(uow_factory, job)
        async with uow_factory() as uow:
            [found] = await uow.jobs.windows_starting(f.at(0), f.at(6 * HOUR))
            stored = await uow.jobs.get(job.id)
        assert ScheduledJob.of(stored) == found
        assert (job.vehicle, job.review_reasons, job.verified_at) == (
            found.vehicle,
            found.review_reasons,
            found.verified_at,
        )


class TestPendingRanked:
    async def test_the_board_s_first_pending_jobs_in_its_order(self, uow_factory):
        """PENDING only, most urgent first (as the board), at most ``limit``."""
        world = await f.add_world(uow_factory)
        d, tech = world.dealership.id, world.technician.id
        low = f.job(d, urgency=Urgency.LOW)
        critical = f.job(d, urgency=Urgency.CRITICAL)
        high_old = f.job(d, urgency=Urgency.HIGH, created_at=f.at(1))
        high_new = f.job(d, urgency=Urgency.HIGH, created_at=f.at(2))
        taken = f.job(d, urgency=Urgency.CRITICAL, tech_id=tech, status=JobStatus.SCHEDULED)
        await add_jobs(uow_factory, low, high_new, critical, taken, high_old)
        async with uow_factory() as uow:
            first = await uow.jobs.pending_ranked(limit=3)
            every = await uow.jobs.pending_ranked(limit=10)
        assert [critical.id, high_old.id, high_new.id] == [j.id for j in first]
        assert [critical.id, high_old.id, high_new.id, low.id] == [j.id for j in every]


class TestHeldWithoutWindow:
    async def test_scheduled_and_in_progress_jobs_with_no_window(self, uow_factory):
        world = await f.add_world(uow_factory)
        d, tech = world.dealership.id, world.technician.id
        held = f.job(d, tech_id=tech, status=JobStatus.SCHEDULED)
        working = f.job(d, tech_id=tech, status=JobStatus.IN_PROGRESS, created_at=f.at(1))
        booked = f.job(d, tech_id=tech, status=JobStatus.SCHEDULED, window_start=f.at(HOUR))
        done = f.job(d, tech_id=tech, status=JobStatus.COMPLETED)
        await add_jobs(uow_factory, held, working, booked, done, f.job(d))
        async with uow_factory() as uow:
            found = await uow.jobs.held_without_window()
        assert {held.id, working.id} == {j.id for j in found}


class TestNeedsAttention:
    async def test_the_filter_and_the_core_rule_agree(self, uow_factory):
        """Each reason in ``sm2_core.attention`` is found by the filter; nothing else is."""
        world = await f.add_world(uow_factory)
        d, tech, service = world.dealership.id, world.technician.id, world.service
        typed = {"service_id": service.id, "service_code": service.code}
        needs = {
            "held": f.job(d, review_reasons=("Audi rule",), **typed),
            "no_service": f.job(d),
            "to_approve": f.job(d, status=JobStatus.COMPLETED, tech_id=tech, **typed),
            "invoice_failed": f.job(
                d,
                status=JobStatus.COMPLETED,
                tech_id=tech,
                approved_at=f.at(1),
                approved_by="boss",
                invoice_state=InvoiceState.FAILED,
                **typed,
            ),
            "alert_failed": f.job(d, status=JobStatus.SCHEDULED, tech_id=tech, **typed),
        }
        fine = [
            f.job(d, **typed),
            f.job(d, review_reasons=("x",), verified_at=f.at(1), verified_by="boss", **typed),
            f.job(d, status=JobStatus.CANCELLED),
            f.job(
                d,
                status=JobStatus.COMPLETED,
                tech_id=tech,
                approved_at=f.at(1),
                approved_by="boss",
                invoice_state=InvoiceState.SYNCED,
                **typed,
            ),
            f.job(d, status=JobStatus.SCHEDULED, tech_id=tech, **typed),
        ]
        await add_jobs(uow_factory, *needs.values(), *fine)
        phone = world.technician.phone
        alerts = [
            (needs["alert_failed"], OutboundStatus.UNDELIVERED, 0),
            (fine[-1], OutboundStatus.FAILED, 0),
            (fine[-1], OutboundStatus.DELIVERED, 60),  # a later alert reached them
        ]
        async with uow_factory() as uow:
            for job, status, after in alerts:
                await uow.outbox.add(
                    f.sms(
                        kind=OutboundKind.ALERT,
                        status=status,
                        job_ids=(job.id,),
                        technician_id=tech,
                        to_number=phone,
                        created_at=f.at(after),
                    )
                )
        async with uow_factory() as uow:
            page = await uow.jobs.search(JobFilter(attention=True), limit=50)
        assert {j.id for j in needs.values()} == {j.id for j in page.items}
        for job in page.items:
            undelivered = job.id == needs["alert_failed"].id
            assert attention(job, alert_undelivered=undelivered), job

    async def test_an_alert_to_a_previous_technician_is_not_the_current_ones(self, uow_factory):
        """The job moved to another technician: the first one's failed alert is history."""
        world = await f.add_world(uow_factory)
        other = f.technician(zone_id=world.zone.id)
        async with uow_factory() as uow:
            await uow.technicians.add(other)
        service = world.service
        job = f.job(
            world.dealership.id,
            status=JobStatus.SCHEDULED,
            tech_id=other.id,
            service_id=service.id,
            service_code=service.code,
        )
        await add_jobs(uow_factory, job)
        async with uow_factory() as uow:
            await uow.outbox.add(
                f.sms(
                    kind=OutboundKind.ALERT,
                    status=OutboundStatus.FAILED,
                    job_ids=(job.id,),
                    technician_id=world.technician.id,
                    to_number=world.technician.phone,
                )
            )
        async with uow_factory() as uow:
            page = await uow.jobs.search(JobFilter(attention=True), limit=10)
        assert () == page.items

    async def test_it_combines_with_the_other_filters(self, uow_factory):
        world = await f.add_world(uow_factory)
        other = f.dealership(zone_id=world.zone.id)
        async with uow_factory() as uow:
            await uow.dealerships.add(other)
        mine, theirs = f.job(world.dealership.id), f.job(other.id)
        await add_jobs(uow_factory, mine, theirs)
        async with uow_factory() as uow:
            page = await uow.jobs.search(
                JobFilter(attention=True, dealership_id=other.id), limit=10
            )
        assert [theirs.id] == [j.id for j in page.items]


class TestWindowColumns:
    async def test_a_window_without_an_end_round_trips(self, uow_factory):
        world = await f.add_world(uow_factory)
        job = f.job(world.dealership.id, window_start=f.at(HOUR), notes="Appeler à l'arrivée")
        await add_jobs(uow_factory, job)
        async with uow_factory() as uow:
            saved = await uow.jobs.get(job.id)
        assert (f.at(HOUR), None, "Appeler à l'arrivée") == (
            saved.window_start,
            saved.window_end,
            saved.notes,
        )
