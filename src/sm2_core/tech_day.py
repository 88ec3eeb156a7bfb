"""A technician's list in the order of their days: what to do now, today, next, then the rest.

Pure: the field service loads the jobs, this orders them and says where each one's window
falls (today, tomorrow, another day) in the company's time zone.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable
from datetime import UTC, date, datetime, time
from uuid import UUID
from zoneinfo import ZoneInfo

import attrs

from sm2_core.domain.enums import JobStatus
from sm2_core.domain.job import Job


class Part(enum.IntEnum):
    """Where a job falls in the technician's list, first to last."""

    NOW = 0
    """In progress: the work the technician is on."""
    TODAY = 1
    """A window that starts today, or started on an earlier day and is still to do."""
    UPCOMING = 2
    """A window on a later day."""
    UNSCHEDULED = 3
    """No window yet: in the board's order."""
    DONE = 4
    """Completed or cancelled (listed only when asked for)."""


@attrs.frozen
class Slot:
    """A window as the technician's wall clock shows it."""

    day: date
    days_ahead: int
    """0 today, 1 tomorrow, negative for a day gone by."""
    start: time
    end: time | None
    """None: the window has no end (the service's expected duration)."""


def slot(
    start: datetime | None, end: datetime | None, *, today: date, zone: ZoneInfo
) -> Slot | None:
    """Where a window falls, seen from ``today`` in ``zone``; None without a start."""
    if start is None:
        return None
    first = start.astimezone(zone)
    last = end.astimezone(zone) if end is not None else None
    return Slot(
        day=first.date(),
        days_ahead=(first.date() - today).days,
        start=first.time().replace(second=0, microsecond=0, tzinfo=None),
        end=last.time().replace(second=0, microsecond=0, tzinfo=None) if last else None,
    )


def part_of(job: Job, *, today: date, zone: ZoneInfo) -> Part:
    if job.status.is_terminal:
        return Part.DONE
    if job.status is JobStatus.IN_PROGRESS:
        return Part.NOW
    if job.window_start is None:
        return Part.UNSCHEDULED
    if job.window_start.astimezone(zone).date() <= today:
        return Part.TODAY
    return Part.UPCOMING


_NO_TIME = datetime.max.replace(tzinfo=UTC)


def _board_key(job: Job) -> tuple[int, int, datetime, UUID]:
    """The board's order: most urgent, highest score, then oldest."""
    return (-job.urgency.rank, -job.ranking_score, job.created_at.astimezone(UTC), job.id)


def order(jobs: Iterable[Job], *, today: date, zone: ZoneInfo) -> list[Job]:
    """The technician's jobs: in progress first, then today's by window start, then later
    days' by window start, then those without a window in the board's order (done ones last).
    """

    def key(job: Job) -> tuple[Part, datetime, tuple[int, int, datetime, UUID]]:
        part = part_of(job, today=today, zone=zone)
        timed = part in (Part.NOW, Part.TODAY, Part.UPCOMING) and job.window_start is not None
        when = job.window_start.astimezone(UTC) if timed and job.window_start else _NO_TIME
        return (part, when, _board_key(job))

    return sorted(jobs, key=key)
