"""What every use case shares: saving a lifecycle change with its audit entry and event."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterable, Sequence
from datetime import datetime
from typing import TypeVar
from uuid import UUID, uuid4

import attrs

from sm2_core.domain.entities import Zone
from sm2_core.domain.enums import JobStatus
from sm2_core.domain.job import Job
from sm2_core.domain.notices import Notice
from sm2_core.domain.records import Actor, AuditEntry, DomainEvent
from sm2_core.errors import StaleVersion
from sm2_core.lifecycle import Change
from sm2_core.notices import notices_for, plan_flush
from sm2_core.policies import status_for_work
from sm2_core.ports import UnitOfWork
from sm2_core.tasks import FlushNotices

T = TypeVar("T")
#: Texts a batch handles between two turns it gives the event loop. In a web process the
#: requests that arrive meanwhile wait for at most this many texts' parsing (about 2 ms), and a
#: batch is not slowed to one text per turn of a loop full of requests (a turn under a burst
#: answers dozens of them: a batch of 128 took a second).
TEXTS_PER_TURN = 8


async def paced(items: Iterable[T]) -> AsyncIterator[T]:
    """``items``, with a turn given to the event loop after every ``TEXTS_PER_TURN``."""
    for n, item in enumerate(items, 1):
        yield item
        if n % TEXTS_PER_TURN == 0:
            await asyncio.sleep(0)


async def save_change(uow: UnitOfWork, change: Change) -> Job:
    """Write the job (version-checked), its audit entry and its event in the caller's unit,
    with the notices of those who must hear of it (sent by tasks once it commits)."""
    saved = await uow.jobs.update(change.job)
    await uow.audit.add(change.audit)
    uow.events.add(attrs.evolve(change.event, data={**change.event.data, "version": saved.version}))
    await queue_notices(uow, change)
    return saved


async def queue_notices(uow: UnitOfWork, change: Change) -> None:
    """Record who must hear of ``change`` and queue the message that tells them: at once, or
    when the recipient's combining window closes (``sm2_core.notices``)."""
    now = change.job.updated_at
    # Windows locked in one order by every change, so two changes never wait on each other.
    for recipient, kind in sorted(notices_for(change), key=lambda found: found[0].key):
        await uow.notices.add(Notice(uuid4(), recipient, kind, change.job.id, now))
        window, flush_at = plan_flush(recipient, await uow.notices.lock_window(recipient), now)
        await uow.notices.save_window(window)
        if flush_at is not None:
            uow.tasks.add(FlushNotices(recipient.key), at=flush_at if flush_at > now else None)


async def add_new_job(uow: UnitOfWork, change: Change) -> Job:
    await uow.jobs.add(change.job)
    await uow.audit.add(change.audit)
    uow.events.add(created_event(change))
    return change.job


async def add_new_jobs(uow: UnitOfWork, changes: Sequence[Change]) -> None:
    """New jobs and their audit entries, one write each for all of them (intake's batches);
    their events are the caller's to add (``created_event``), in the order it wants them."""
    await uow.jobs.add_many([change.job for change in changes])
    await uow.audit.add_many([change.audit for change in changes])


def created_event(change: Change) -> DomainEvent:
    """A new job's event, with the version it was written at."""
    return attrs.evolve(change.event, data={**change.event.data, "version": change.job.version})


def check_version(job: Job, expected_version: int | None) -> None:
    """The caller's copy (If-Match) must still be current; None skips the check."""
    if expected_version is not None and expected_version != job.version:
        raise StaleVersion("job", job.id, expected=expected_version, actual=job.version)


async def load_job(uow: UnitOfWork, job_id: UUID, expected_version: int | None = None) -> Job:
    job = await uow.jobs.get(job_id)
    check_version(job, expected_version)
    return job


async def settle_technician(
    uow: UnitOfWork, tech_id: UUID | None, *, actor: Actor, now: datetime
) -> None:
    """The technician's status follows their work (``policies.status_for_work``); a change is
    audited and announced like any other. Call it after the job change, in the same unit."""
    if tech_id is None:
        return
    tech = await uow.technicians.lock(tech_id)
    working = bool(await uow.jobs.for_technician(tech_id, [JobStatus.IN_PROGRESS]))
    status = status_for_work(tech.status, working=working)
    if status is tech.status:
        return
    await uow.technicians.update(attrs.evolve(tech, status=status))
    await uow.audit.add(
        AuditEntry(
            id=uuid4(),
            subject="technician",
            subject_id=tech.id,
            action="status",
            actor=actor.name,
            at=now,
            old_values={"status": tech.status.value},
            new_values={"status": status.value},
        )
    )
    uow.events.add(
        DomainEvent(
            name="technician.updated",
            subject_id=tech.id,
            occurred_at=now,
            data={"technician_id": str(tech.id), "status": status.value},
        )
    )


async def in_progress_zones(
    uow: UnitOfWork, tech_id: UUID, *, other_than: UUID | None = None
) -> Sequence[Zone | None]:
    """The zones of the technician's jobs IN_PROGRESS (but ``other_than``)."""
    jobs = await uow.jobs.for_technician(tech_id, [JobStatus.IN_PROGRESS])
    return [
        await uow.zones.get(job.zone_id) if job.zone_id else None
        for job in jobs
        if job.id != other_than
    ]
