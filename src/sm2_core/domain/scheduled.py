"""A job as the day's schedule draws it: the fields of a block on the Day view, read without the
rest of the job (completion, invoice lines, rules, text). A day is hundreds of jobs; reading and
building whole ones was most of its time (``docs/performance.md``)."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

import attrs

from sm2_core.domain.enums import JobStatus, Urgency
from sm2_core.domain.job import Job, Vehicle


@attrs.frozen
class ScheduledJob:
    """The fields carry the names and meanings of ``Job``'s, so what draws one draws the other."""

    id: UUID
    job_code: str
    dealership_id: UUID
    vehicle: Vehicle
    status: JobStatus
    urgency: Urgency
    review_reasons: tuple[str, ...]
    verified_at: datetime | None
    tech_id: UUID | None
    zone_id: UUID | None
    service_id: UUID | None
    service_code: str | None
    window_start: datetime | None
    window_end: datetime | None
    proposed_start: datetime | None
    proposed_end: datetime | None
    version: int

    @property
    def awaiting_verification(self) -> bool:
        """As ``Job.awaiting_verification``."""
        return bool(self.review_reasons) and self.verified_at is None

    @classmethod
    def of(cls, job: Job) -> ScheduledJob:
        return cls(
            id=job.id,
            job_code=job.job_code,
            dealership_id=job.dealership_id,
            vehicle=job.vehicle,
            status=job.status,
            urgency=job.urgency,
            review_reasons=job.review_reasons,
            verified_at=job.verified_at,
            tech_id=job.tech_id,
            zone_id=job.zone_id,
            service_id=job.service_id,
            service_code=job.service_code,
            window_start=job.window_start,
            window_end=job.window_end,
            proposed_start=job.proposed_start,
            proposed_end=job.proposed_end,
            version=job.version,
        )
