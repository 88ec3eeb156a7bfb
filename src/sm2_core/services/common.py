"""What every use case shares: saving a lifecycle change with its audit entry and event."""

from __future__ import annotations

from uuid import UUID

import attrs

from sm2_core.domain.job import Job
from sm2_core.errors import StaleVersion
from sm2_core.lifecycle import Change
from sm2_core.ports import UnitOfWork


async def save_change(uow: UnitOfWork, change: Change) -> Job:
    """Write the job (version-checked), its audit entry and its event in the caller's unit."""
    saved = await uow.jobs.update(change.job)
    await uow.audit.add(change.audit)
    uow.events.add(attrs.evolve(change.event, data={**change.event.data, "version": saved.version}))
    return saved


async def add_new_job(uow: UnitOfWork, change: Change) -> Job:
    await uow.jobs.add(change.job)
    await uow.audit.add(change.audit)
    uow.events.add(
        attrs.evolve(change.event, data={**change.event.data, "version": change.job.version})
    )
    return change.job


def check_version(job: Job, expected_version: int | None) -> None:
    """The caller's copy (If-Match) must still be current; None skips the check."""
    if expected_version is not None and expected_version != job.version:
        raise StaleVersion("job", job.id, expected=expected_version, actual=job.version)


async def load_job(uow: UnitOfWork, job_id: UUID, expected_version: int | None = None) -> Job:
    job = await uow.jobs.get(job_id)
    check_version(job, expected_version)
    return job
