"""Dispatch: what admins do with jobs on the board."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta
from uuid import UUID

import attrs

from sm2_core.derivation import merge_vehicle
from sm2_core.domain.entities import DEFAULT_DURATION_MINUTES, Technician, Zone
from sm2_core.domain.enums import JobStatus, Urgency
from sm2_core.domain.job import Job
from sm2_core.domain.records import Actor, AuditEntry
from sm2_core.domain.window import Window, planned
from sm2_core.errors import (
    InvalidInput,
    NotFound,
    PermissionDenied,
    PolicyViolation,
    StaleVersion,
)
from sm2_core.lifecycle import annotate, assign, cancel, edit, schedule, unassign, verify, window_of
from sm2_core.policies import (
    PolicyConfig,
    ensure_can_assign,
    ensure_no_overlap,
    haversine_km,
    overlapping,
    zone_conflict,
)
from sm2_core.ports import Clock, JobFilter, Page, UnitOfWork, UnitOfWorkFactory
from sm2_core.services.common import (
    in_progress_zones,
    load_job,
    save_change,
    settle_technician,
)
from sm2_core.services.corrections import record_corrections

#: Marks "leave the technician as it is" in :meth:`DispatchService.update`.
UNCHANGED: object = object()
#: Drops the admin's urgency in :meth:`DispatchService.update`: back to what the rules give.
NO_OVERRIDE: object = object()
MAX_PAGE = 200


@attrs.frozen
class JobDetail:
    job: Job
    timeline: tuple[AuditEntry, ...]


@attrs.frozen
class Suggestion:
    """A technician who could take the job, with what a dispatcher weighs."""

    technician: Technician
    distance_km: float | None
    """From the technician's home zone to the job's zone; None when either is unknown."""
    load: int
    """Jobs the technician already holds (SCHEDULED or IN_PROGRESS)."""
    conflict: str | None = None
    """Why the technician could not start this job now (the 20 km rule); None when they can."""


@attrs.define(kw_only=True, frozen=True)
class DispatchService:
    uow: UnitOfWorkFactory
    clock: Clock
    config: PolicyConfig = attrs.field(factory=PolicyConfig)

    async def list_jobs(
        self, query: JobFilter, *, limit: int = 50, cursor: str | None = None
    ) -> Page[Job]:
        if not 1 <= limit <= MAX_PAGE:
            raise InvalidInput(f"limit must be 1..{MAX_PAGE}", fields={"limit": "out of range"})
        for name, value in (("q", query.text), ("vin", query.vin)):
            if value is not None and "\x00" in value:
                raise InvalidInput(f"{name} contains a NUL character", fields={name: "NUL"})
        async with self.uow() as uow:
            return await uow.jobs.search(query, limit=limit, cursor=cursor)

    async def counts(self) -> dict[JobStatus, int]:
        async with self.uow() as uow:
            return await uow.jobs.count_by_status()

    async def resolve(self, reference: str) -> Job:
        """A job by its id or its code (``SM2-2026-014``), as people type them."""
        async with self.uow() as uow:
            try:
                return await uow.jobs.get(UUID(reference))
            except ValueError:
                found = await uow.jobs.by_code(reference)
        if found is None:
            raise NotFound("job", reference)
        return found

    async def detail(self, job_id: UUID) -> JobDetail:
        async with self.uow() as uow:
            job = await uow.jobs.get(job_id)
            timeline = await uow.audit.for_subject("job", job_id)
        return JobDetail(job=job, timeline=tuple(timeline))

    async def assign(
        self, job_id: UUID, tech_id: UUID, *, actor: Actor, expected_version: int | None = None
    ) -> Job:
        """The job to the technician: the PATCH's assignment, with the same locks and rules
        (a job with a window is judged by the Schedule rule on the technician's day)."""
        return await self.update(
            job_id, actor=actor, expected_version=expected_version, tech_id=tech_id
        )

    async def unassign(
        self, job_id: UUID, *, actor: Actor, expected_version: int | None = None
    ) -> Job:
        async with self.uow() as uow:
            job = await load_job(uow, job_id, expected_version)
            return await save_change(uow, unassign(job, actor=actor, now=self.clock.now()))

    async def verify(
        self, job_id: UUID, *, actor: Actor, expected_version: int | None = None
    ) -> Job:
        async with self.uow() as uow:
            job = await load_job(uow, job_id, expected_version)
            return await save_change(uow, verify(job, actor=actor, now=self.clock.now()))

    async def cancel(
        self, job_id: UUID, reason: str, *, actor: Actor, expected_version: int | None = None
    ) -> Job:
        async with self.uow() as uow:
            job = await _load_holding_technician(uow, job_id, expected_version)
            now = self.clock.now()
            saved = await save_change(uow, cancel(job, reason, actor=actor, now=now))
            await settle_technician(uow, job.tech_id, actor=actor, now=now)
            return saved

    async def update(
        self,
        job_id: UUID,
        *,
        actor: Actor,
        expected_version: int | None,
        tech_id: UUID | object | None = UNCHANGED,
        vehicle: Mapping[str, object] | None = None,
        service_code: str | None = None,
        urgency: Urgency | object | None = None,
        window: WindowChange | None = None,
        notes: str | None = None,
    ) -> Job:
        """The PATCH of a job: edits first, then (un)assignment, then the window, all in one
        transaction; the overlap rule is judged once, on the result.

        ``vehicle`` holds the vehicle fields to change (None clears one); ``urgency`` is the
        admin's explicit urgency, which rules and the Audi rule still escalate from
        (``NO_OVERRIDE`` drops it)."""
        if not actor.is_admin:
            raise PermissionDenied("Only an admin may edit a job")
        async with self.uow() as uow:
            job = before = await _load_locking(uow, job_id, expected_version, tech_id)
            held_by = job.tech_id
            now = self.clock.now()
            if vehicle is not None or service_code is not None or urgency is not None:
                job = await self._edit(uow, job, actor, vehicle, service_code, urgency)
                await settle_technician(uow, held_by, actor=actor, now=now)
            if notes is not None and notes.strip() != job.notes:
                job = await save_change(uow, annotate(job, notes, actor=actor, now=now))
            if tech_id is None and job.tech_id is not None:
                job = await save_change(uow, unassign(job, actor=actor, now=now))
            elif isinstance(tech_id, UUID) and tech_id != job.tech_id:
                technician = await uow.technicians.get(tech_id)
                job = await save_change(uow, assign(job, technician, actor=actor, now=now))
            return await self._schedule(uow, job, window, before=before, actor=actor, now=now)

    async def _schedule(
        self,
        uow: UnitOfWork,
        job: Job,
        change: WindowChange | None,
        *,
        before: Job,
        actor: Actor,
        now: datetime,
    ) -> Job:
        """Set the window (when asked) and judge the overlap rule when the technician's day
        changed: a new window, a windowed job given to another technician, or a window without
        an end whose service (so its length) changed."""
        start, end = (job.window_start, job.window_end)
        if change is not None:
            start, end = change.apply(job)
        moved = (start, end) != (job.window_start, job.window_end)
        regained = job.tech_id != before.tech_id and job.window_start is not None
        lengthened = end is None and job.service_id != before.service_id
        if not (moved or regained or lengthened):
            return job
        clashes: tuple[str, ...] = ()
        if job.tech_id is not None and start is not None:
            booked = window_of(start, end)
            technician = await uow.technicians.get(job.tech_id)
            day = await self._technician_windows(uow, job.tech_id, other_than=job.id)
            if end is None:
                # window_of answers in UTC, where adding a duration is not wall-clock time.
                booked = Window(booked.start, booked.start + await _duration(uow, job))
            clashes = overlapping(booked, day)
            allow = change is not None and change.allow_overlap
            ensure_no_overlap(technician.name, clashes, allowed=allow)
        if not moved and not clashes:
            return job
        return await save_change(
            uow, schedule(job, start, end, actor=actor, now=now, overlaps=clashes)
        )

    async def _technician_windows(
        self, uow: UnitOfWork, tech_id: UUID, *, other_than: UUID
    ) -> list[tuple[str, Window]]:
        """The technician's booked time: their open jobs' windows (an end from the service's
        duration when none is set)."""
        held = await uow.jobs.for_technician(tech_id, [JobStatus.SCHEDULED, JobStatus.IN_PROGRESS])
        found = []
        for other in held:
            span = planned(other.window_start, other.window_end, await _duration(uow, other))
            if other.id != other_than and span is not None:
                found.append((other.job_code, span))
        return found

    async def _edit(
        self,
        uow: UnitOfWork,
        job: Job,
        actor: Actor,
        vehicle: Mapping[str, object] | None,
        service_code: str | None,
        urgency: Urgency | object | None,
    ) -> Job:
        service = await uow.services.get(job.service_id) if job.service_id else None
        if service_code is not None:
            service = await uow.services.by_code(service_code)
            if service is None or not service.is_active:
                raise NotFound("service", service_code)
        change = edit(
            job,
            vehicle=merge_vehicle(job.vehicle, dict(vehicle or {})),
            service=service,
            urgency_override=_override(job, urgency),
            dealership=await uow.dealerships.get(job.dealership_id),
            rules=await uow.rules.all(),
            config=self.config,
            actor=actor,
            now=self.clock.now(),
        )
        saved = await save_change(uow, change)
        await record_corrections(uow, job, saved, actor=actor, now=change.job.updated_at)
        return saved

    async def suggestions(self, job_id: UUID, *, limit: int = 10) -> list[Suggestion]:
        """Technicians fit for the job: certified and at work. Those who could start it now
        come first (no work in progress farther than the 20 km rule allows), then nearest
        zone, then least load; the others say why they would conflict."""
        async with self.uow() as uow:
            job = await uow.jobs.get(job_id)
            zones = {z.id: z for z in await uow.zones.all(include_inactive=True)}
            zone = zones.get(job.zone_id) if job.zone_id else None
            found = []
            for tech in await uow.technicians.all():
                if not _fit(job, tech):
                    continue
                held = await uow.jobs.for_technician(
                    tech.id, [JobStatus.SCHEDULED, JobStatus.IN_PROGRESS]
                )
                working = [
                    zones.get(j.zone_id) if j.zone_id else None
                    for j in held
                    if j.status is JobStatus.IN_PROGRESS and j.id != job.id
                ]
                found.append(
                    Suggestion(
                        tech,
                        _distance(zones, tech.zone_id, job.zone_id),
                        len([j for j in held if j.id != job.id]),
                        zone_conflict(zone, working, self.config),
                    )
                )
        found.sort(
            key=lambda s: (
                s.conflict is not None,
                s.distance_km is None,
                s.distance_km or 0.0,
                s.load,
                s.technician.name,
            )
        )
        return found[:limit]

    async def warnings(self, job: Job) -> tuple[str, ...]:
        """What the dispatcher should know about the job as it stands: its technician could not
        start it now without breaking the 20 km rule (assigning is allowed: the rule is about
        work at the same time, and the other job may end first)."""
        if job.tech_id is None or job.status is not JobStatus.SCHEDULED:
            return ()
        async with self.uow() as uow:
            zone = await uow.zones.get(job.zone_id) if job.zone_id else None
            working = await in_progress_zones(uow, job.tech_id, other_than=job.id)
        conflict = zone_conflict(zone, working, self.config)
        return (conflict,) if conflict else ()


def _override(job: Job, urgency: Urgency | object | None) -> Urgency | None:
    """The admin's urgency after an update: a new one, none (``NO_OVERRIDE``) or as it was."""
    if isinstance(urgency, Urgency):
        return urgency
    return None if urgency is NO_OVERRIDE else job.urgency_override


def _fit(job: Job, tech: Technician) -> bool:
    try:
        ensure_can_assign(attrs.evolve(job, review_reasons=()), tech)
    except PolicyViolation:
        return False
    return True


def _distance(zones: dict[UUID, Zone], a: UUID | None, b: UUID | None) -> float | None:
    if a is None or b is None or a not in zones or b not in zones:
        return None
    return round(haversine_km(zones[a], zones[b]), 1)


@attrs.frozen
class WindowChange:
    """What a PATCH says of the window: each side given (a value or None to clear) or not."""

    start: datetime | object | None = UNCHANGED
    end: datetime | object | None = UNCHANGED
    allow_overlap: bool = False
    """The admin confirms booking the technician twice at once (audited)."""

    def apply(self, job: Job) -> tuple[datetime | None, datetime | None]:
        """The window after the change: a new start alone drops the old end (a moment, the
        service's duration long); clearing the start clears the window."""
        start = job.window_start if self.start is UNCHANGED else self.start
        end = job.window_end if self.end is UNCHANGED else self.end
        if self.start is not UNCHANGED and self.end is UNCHANGED:
            end = None
        assert start is None or isinstance(start, datetime)
        assert end is None or isinstance(end, datetime)
        return start, end


async def _duration(uow: UnitOfWork, job: Job) -> timedelta:
    """How long the job's work is expected to take: its service's duration (60 min without)."""
    service = await uow.services.get(job.service_id) if job.service_id else None
    return timedelta(minutes=service.duration_minutes if service else DEFAULT_DURATION_MINUTES)


async def _load_locking(
    uow: UnitOfWork, job_id: UUID, expected_version: int | None, tech_id: UUID | object | None
) -> Job:
    """The job, with its technician's row and the one it goes to locked first, in id order:
    the overlap rule reads their days, and two moves in opposite directions never deadlock."""
    wanted = tech_id if isinstance(tech_id, UUID) else None
    return await _load_under_locks(uow, job_id, expected_version, wanted)


async def _load_holding_technician(
    uow: UnitOfWork, job_id: UUID, expected_version: int | None
) -> Job:
    """The job, its technician's row locked first: every change that may move a technician's
    work locks the technician before the job, as accepting does, so they never deadlock."""
    return await _load_under_locks(uow, job_id, expected_version, None)


async def _load_under_locks(
    uow: UnitOfWork, job_id: UUID, expected_version: int | None, also: UUID | None
) -> Job:
    """The job read again under the locks of its technician (and ``also``), taken in id order.
    A job that moved to another technician while we waited for them is a stale version: that
    technician's row would have to be locked out of order (or after the job's change, by
    ``settle_technician``), the order that deadlocks with accepting; the caller reloads."""
    job = await load_job(uow, job_id, expected_version)
    wanted = {t for t in (job.tech_id, also) if t is not None}
    for tech in sorted(wanted):
        await uow.technicians.lock(tech)
    # Read again under the lock: the job may have changed while we waited.
    current = await load_job(uow, job_id, expected_version)
    if current.tech_id is not None and current.tech_id not in wanted:
        raise StaleVersion("job", job_id, expected=job.version, actual=current.version)
    return current
