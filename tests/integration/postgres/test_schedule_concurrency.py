"""The Schedule rule under concurrency on PostgreSQL: two dispatchers booking one technician
for overlapping windows at the same moment cannot both win, and moves in opposite directions
between two technicians never deadlock."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import datetime, time, timedelta
from pathlib import Path
from uuid import UUID
from zoneinfo import ZoneInfo

import pytest

from pgtools import seeded_system
from sm2_adapters.settings import Settings
from sm2_adapters.system import System
from sm2_core.domain.enums import PolicyRule, Role
from sm2_core.domain.job import Job, Vehicle
from sm2_core.domain.records import Actor
from sm2_core.errors import PolicyViolation
from sm2_core.services.dispatch import WindowChange

pytestmark = pytest.mark.postgres

ADMIN = Actor(name="admin:alice", role=Role.ADMIN)
TORONTO = ZoneInfo("America/Toronto")
ROUNDS = 5


@pytest.fixture
async def system(pg_url: str, tmp_path: Path) -> AsyncIterator[System]:
    settings = Settings(database_url=pg_url, data_dir=tmp_path)
    async with seeded_system(settings, pool_size=8) as built:
        yield built


async def technician(system: System, first_name: str) -> UUID:
    techs = await system.services.admin.all("technicians")
    return next(t.id for t in techs if t.name.startswith(first_name))


async def new_job(system: System) -> Job:
    dealers = await system.services.admin.all("dealerships")
    ford = next(d for d in dealers if d.name == "Ford Lévis")
    return await system.services.intake.create_job(
        dealership_id=ford.id,
        service_code="OIL_CHANGE",
        vehicle=Vehicle(year=2024, make="Ford", model="F-150"),
        actor=ADMIN,
    )


def hour(day: int, at: int) -> datetime:
    base = datetime.combine(datetime(2027, 1, 4).date(), time(at), tzinfo=TORONTO)
    return base + timedelta(days=day)


async def book(system: System, job: Job, tech: UUID, start: datetime) -> str:
    try:
        await system.services.dispatch.update(
            job.id,
            actor=ADMIN,
            expected_version=job.version,
            tech_id=tech,
            window=WindowChange(start=start, end=start + timedelta(hours=2)),
        )
    except PolicyViolation as refused:
        return refused.rule.value
    return "booked"


class TestOverlapUnderConcurrency:
    async def test_two_bookings_at_once_one_wins(self, system: System) -> None:
        """Each round, two jobs are booked for Julie at 9:00 and 10:00 the same day at the same
        moment: exactly one is booked, the other refused by the Schedule rule."""
        julie = await technician(system, "Julie")
        for day in range(ROUNDS):
            first, second = await new_job(system), await new_job(system)
            outcomes = await asyncio.gather(
                book(system, first, julie, hour(day, 9)),
                book(system, second, julie, hour(day, 10)),
            )
            assert sorted(["booked", PolicyRule.SCHEDULE.value]) == sorted(outcomes)

    async def test_crossing_moves_do_not_deadlock(self, system: System) -> None:
        """Julie's job goes to Éric while Éric's goes to Julie, at once: both finish."""
        julie, eric = await technician(system, "Julie"), await technician(system, "Éric")
        for day in range(ROUNDS):
            a, b = await new_job(system), await new_job(system)
            await book(system, a, julie, hour(day, 8))
            await book(system, b, eric, hour(day, 13))
            a = await system.services.dispatch.resolve(str(a.id))
            b = await system.services.dispatch.resolve(str(b.id))
            outcomes = await asyncio.wait_for(
                asyncio.gather(
                    book(system, a, eric, hour(day, 8)), book(system, b, julie, hour(day, 13))
                ),
                timeout=20,
            )
            assert ["booked", "booked"] == outcomes
