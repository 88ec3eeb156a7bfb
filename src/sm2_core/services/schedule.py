"""The schedule: a day of every technician's work, for the Day view and ``GET /api/schedule``."""

from __future__ import annotations

from datetime import date
from zoneinfo import ZoneInfo

import attrs

from sm2_core.domain.window import MAX_LENGTH, local_day
from sm2_core.errors import InvalidInput
from sm2_core.ports import Clock, UnitOfWorkFactory
from sm2_core.schedule import DaySchedule, arrange_day

MAX_UNSCHEDULED = 100
"""The ranked column shows the most urgent PENDING jobs; the board lists the rest."""


@attrs.define(kw_only=True, frozen=True)
class ScheduleService:
    uow: UnitOfWorkFactory
    clock: Clock
    timezone: str = "America/Toronto"

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    def today(self) -> date:
        return self.clock.now().astimezone(self.zone).date()

    async def day(self, day: date) -> DaySchedule:
        """Every active technician's jobs on ``day`` (in the company's time zone), and the
        PENDING jobs waiting for one."""
        try:
            bounds = local_day(day, self.zone)
            earliest = bounds.start - MAX_LENGTH
        except OverflowError:
            raise InvalidInput(
                f"{day} is outside the calendar SM2 schedules", fields={"date": "out of range"}
            ) from None
        async with self.uow() as uow:
            technicians = await uow.technicians.all(include_inactive=True)
            # A window (or a duration) is at most 12 hours: one that starts that long before
            # the day may still reach into it.
            windowed = await uow.jobs.windows_starting(earliest, bounds.end)
            held = await uow.jobs.held_without_window()
            pending = await uow.jobs.pending_ranked(limit=MAX_UNSCHEDULED)
            services = await uow.services.all(include_inactive=True)
            zones = await uow.zones.all(include_inactive=True)
            dealerships = await uow.dealerships.all(include_inactive=True)
        return arrange_day(
            day,
            self.zone,
            technicians=technicians,
            windowed=windowed,
            held_without_window=held,
            unscheduled=pending,
            services={s.id: s for s in services},
            zones={z.id: z for z in zones},
            dealerships={d.id: d for d in dealerships},
        )
