"""A day of the schedule: each technician's jobs in time order, as the Day view shows them.
Pure: the service loads, this arranges.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date, timedelta
from itertools import pairwise
from uuid import UUID
from zoneinfo import ZoneInfo

import attrs

from sm2_core.domain.entities import (
    DEFAULT_DURATION_MINUTES,
    Dealership,
    Service,
    Technician,
    Zone,
)
from sm2_core.domain.scheduled import ScheduledJob
from sm2_core.domain.window import Window, local_day, planned
from sm2_core.policies import haversine_km

DEFAULT_DURATION = timedelta(minutes=DEFAULT_DURATION_MINUTES)
"""How long a job whose service is unknown is expected to take."""


@attrs.frozen
class Block:
    """A job on the timeline: its window, or its start and the service's expected duration."""

    job: ScheduledJob
    span: Window


@attrs.frozen
class TechnicianDay:
    technician: Technician
    blocks: tuple[Block, ...]
    """The jobs whose time falls on the day, earliest first."""
    km_between: tuple[float | None, ...]
    """Between consecutive blocks' zones (None where a zone is unknown); one fewer than blocks."""
    without_window: tuple[ScheduledJob, ...] = ()
    """Work the technician holds that has no window yet."""


@attrs.frozen
class DaySchedule:
    day: date
    zone: ZoneInfo
    technicians: tuple[TechnicianDay, ...]
    unscheduled: tuple[ScheduledJob, ...]
    """PENDING jobs, ranked as on the board."""
    dealerships: Mapping[UUID, Dealership] = attrs.field(factory=dict)
    """The jobs' dealerships, for their names and addresses."""
    zones: Mapping[UUID, Zone] = attrs.field(factory=dict)
    services: Mapping[UUID, Service] = attrs.field(factory=dict)


def arrange_day(
    day: date,
    zone: ZoneInfo,
    *,
    technicians: Iterable[Technician],
    windowed: Iterable[ScheduledJob],
    held_without_window: Iterable[ScheduledJob],
    unscheduled: Iterable[ScheduledJob],
    services: Mapping[UUID, Service],
    zones: Mapping[UUID, Zone],
    dealerships: Mapping[UUID, Dealership],
) -> DaySchedule:
    """The day for each active technician (and inactive ones still holding work): ``windowed``
    jobs whose time falls on ``day`` (their span from the service's duration when they have no
    end), in start order."""
    bounds = local_day(day, zone)
    durations = {s.id: timedelta(minutes=s.duration_minutes) for s in services.values()}
    by_tech: dict[UUID, list[Block]] = {}
    for job in windowed:
        span = planned(job.window_start, job.window_end, _duration(job, durations))
        if job.tech_id is None or span is None or not span.overlaps(bounds):
            continue
        by_tech.setdefault(job.tech_id, []).append(Block(job, span))
    waiting: dict[UUID, list[ScheduledJob]] = {}
    for job in held_without_window:
        if job.tech_id is not None:
            waiting.setdefault(job.tech_id, []).append(job)
    days = []
    for tech in technicians:
        # A technician made inactive keeps a row while they still hold work that day.
        if not tech.is_active and tech.id not in by_tech and tech.id not in waiting:
            continue
        blocks = tuple(sorted(by_tech.get(tech.id, ()), key=lambda b: (b.span.start, b.job.id)))
        days.append(
            TechnicianDay(tech, blocks, _km_between(blocks, zones), tuple(waiting.get(tech.id, ())))
        )
    return DaySchedule(day, zone, tuple(days), tuple(unscheduled), dealerships, zones, services)


def _duration(job: ScheduledJob, durations: Mapping[UUID, timedelta]) -> timedelta:
    return durations.get(job.service_id, DEFAULT_DURATION) if job.service_id else DEFAULT_DURATION


def _km_between(blocks: tuple[Block, ...], zones: Mapping[UUID, Zone]) -> tuple[float | None, ...]:
    found: list[float | None] = []
    for before, after in pairwise(blocks):
        a = zones.get(before.job.zone_id) if before.job.zone_id else None
        b = zones.get(after.job.zone_id) if after.job.zone_id else None
        found.append(round(haversine_km(a, b), 1) if a and b else None)
    return tuple(found)
