"""Field work: what a technician does from the phone."""

from __future__ import annotations

from uuid import UUID
from zoneinfo import ZoneInfo

import attrs

from sm2_core.domain.entities import Dealership, Zone
from sm2_core.domain.enums import JobStatus
from sm2_core.domain.job import Completion, Job
from sm2_core.domain.records import Actor
from sm2_core.errors import NotFound, PermissionDenied
from sm2_core.lifecycle import accept, complete
from sm2_core.policies import PolicyConfig, ensure_photos
from sm2_core.ports import Clock, UnitOfWork, UnitOfWorkFactory
from sm2_core.services.common import in_progress_zones, save_change, settle_technician
from sm2_core.tech_day import order

ACTIVE = (JobStatus.SCHEDULED, JobStatus.IN_PROGRESS)


@attrs.define(kw_only=True, frozen=True)
class FieldService:
    uow: UnitOfWorkFactory
    clock: Clock
    config: PolicyConfig = attrs.field(factory=PolicyConfig)
    timezone: str = "America/Toronto"
    """The company's time zone (``SM2_TIMEZONE``): where "today" is for the list's order."""

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    async def my_jobs(self, *, actor: Actor, include_done: bool = False) -> list[Job]:
        """The technician's jobs in the order of their days (``sm2_core.tech_day``): in
        progress first, then today's by window, then later days', then those without a window
        in the board's order."""
        tech_id = technician_of(actor)
        async with self.uow() as uow:
            await uow.technicians.get(tech_id)  # NotFound for a login whose technician is gone
            statuses = None if include_done else list(ACTIVE)
            jobs = await uow.jobs.for_technician(tech_id, statuses)
        today = self.clock.now().astimezone(self.zone).date()
        return order(jobs, today=today, zone=self.zone)

    async def get(self, job_id: UUID, *, actor: Actor) -> Job:
        async with self.uow() as uow:
            return await own_job(uow, job_id, actor)

    async def places(self, jobs: list[Job]) -> dict[UUID, Dealership]:
        """Where the technician goes for each of these jobs (their own, as ``my_jobs`` and
        ``get`` gave them): the dealerships, by id."""
        async with self.uow() as uow:
            return {d: await uow.dealerships.get(d) for d in {job.dealership_id for job in jobs}}

    async def accept(self, job_id: UUID, *, actor: Actor) -> Job:
        """SCHEDULED → IN_PROGRESS. The technician's row is locked first, so two accepts from
        two devices take turns and the 20 km rule sees the other's work."""
        tech_id = technician_of(actor)
        async with self.uow() as uow:
            await uow.technicians.lock(tech_id)
            job = await own_job(uow, job_id, actor)
            change = accept(
                job,
                actor=actor,
                now=self.clock.now(),
                zone=await _zone(uow, job.zone_id),
                in_progress_zones=await in_progress_zones(uow, tech_id, other_than=job.id),
                config=self.config,
            )
            saved = await save_change(uow, change)
            await settle_technician(uow, tech_id, actor=actor, now=change.audit.at)
            return saved

    async def complete(self, job_id: UUID, completion: Completion, *, actor: Actor) -> Job:
        """IN_PROGRESS → COMPLETED; a service that requires photos needs one first (the
        technician's lock orders this check with the photos being attached)."""
        tech_id = technician_of(actor)
        async with self.uow() as uow:
            await uow.technicians.lock(tech_id)
            job = await own_job(uow, job_id, actor)
            change = complete(job, completion, actor=actor, now=self.clock.now())
            service = await uow.services.get(job.service_id) if job.service_id else None
            ensure_photos(job, service, await uow.photos.count(job.id))
            saved = await save_change(uow, change)
            await settle_technician(uow, tech_id, actor=actor, now=change.audit.at)
            return saved


def technician_of(actor: Actor) -> UUID:
    if actor.technician_id is None:
        raise PermissionDenied("This login is not linked to a technician")
    return actor.technician_id


async def own_job(uow: UnitOfWork, job_id: UUID, actor: Actor) -> Job:
    """Another technician's job does not exist as far as this technician can tell."""
    job = await uow.jobs.get(job_id)
    if job.tech_id is None or job.tech_id != technician_of(actor):
        raise NotFound("job", job_id)
    return job


async def _zone(uow: UnitOfWork, zone_id: UUID | None) -> Zone | None:
    return await uow.zones.get(zone_id) if zone_id else None
