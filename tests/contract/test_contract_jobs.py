"""Contract of JobRepository's writes and codes: round trips, versions, job codes."""

from __future__ import annotations

from typing import Any
from uuid import uuid4

import attrs
import factories as f
import pytest

from sm2_core.domain.job import Completion, Job, Vehicle
from sm2_core.errors import AlreadyExists, NotFound, StaleVersion
from sm2_core.ports import UnitOfWorkFactory


def fields_but_updated_at(job: Job) -> dict[str, Any]:
    """Every field except updated_at, which has tests of its own."""
    values = attrs.asdict(job, recurse=False)
    del values["updated_at"]
    return values


async def stored(factory: UnitOfWorkFactory, job: Job) -> Job:
    async with factory() as uow:
        await uow.jobs.add(job)
    async with factory() as uow:
        return await uow.jobs.get(job.id)


class TestRoundTrip:
    async def test_every_field_reads_back(self, uow_factory):
        """A completed, approved, invoiced job reads back equal, field for field."""
        job = f.full_job(await f.add_world(uow_factory))
        assert fields_but_updated_at(job) == fields_but_updated_at(await stored(uow_factory, job))

    async def test_a_bare_job_reads_back_with_its_nones(self, uow_factory):
        """A job with an empty vehicle, no completion and default values reads back equal."""
        world = await f.add_world(uow_factory)
        job = f.job(world.dealership.id)
        assert fields_but_updated_at(job) == fields_but_updated_at(await stored(uow_factory, job))

    async def test_a_completion_without_parts_or_time_reads_back(self, uow_factory):
        """A completion with no parts and no completed_at keeps its empty tuple and None."""
        world = await f.add_world(uow_factory)
        job = f.full_job(world, completion=Completion(notes="", labour_minutes=0))
        assert job.completion == (await stored(uow_factory, job)).completion

    async def test_vehicle_keeps_its_spelling(self, uow_factory):
        """The vehicle is stored as given: a lower-case VIN is not rewritten."""
        world = await f.add_world(uow_factory)
        vehicle = Vehicle(
            year=1999,
            make="mercedes-benz",
            model="Sprinter 2500",
            vin="wd3pe7cc5e5862456",
            stock_no=None,
        )
        job = f.job(world.dealership.id, vehicle=vehicle)
        assert vehicle == (await stored(uow_factory, job)).vehicle

    async def test_add_keeps_updated_at(self, uow_factory):
        """updated_at reads back as the caller set it (the core sets it from its Clock)."""
        job = f.full_job(await f.add_world(uow_factory))
        assert job.updated_at == (await stored(uow_factory, job)).updated_at


class TestAdd:
    async def test_a_taken_job_code_raises_already_exists(self, uow_factory):
        """Two jobs cannot share a job code."""
        world = await f.add_world(uow_factory)
        first = await stored(uow_factory, f.job(world.dealership.id))
        with pytest.raises(AlreadyExists):
            async with uow_factory() as uow:
                await uow.jobs.add(f.job(world.dealership.id, job_code=first.job_code))

    async def test_a_taken_id_raises_already_exists(self, uow_factory):
        """Two jobs cannot share an id."""
        world = await f.add_world(uow_factory)
        first = await stored(uow_factory, f.job(world.dealership.id))
        with pytest.raises(AlreadyExists):
            async with uow_factory() as uow:
                await uow.jobs.add(f.job(world.dealership.id, id=first.id))

    async def test_get_of_an_unknown_id_raises_not_found(self, uow_factory):
        """get raises NotFound for a job nobody added."""
        async with uow_factory() as uow:
            with pytest.raises(NotFound):
                await uow.jobs.get(uuid4())


class TestUpdate:
    async def test_update_returns_the_job_with_version_plus_one(self, uow_factory):
        """update returns what it saved: the caller's job at the next version."""
        world = await f.add_world(uow_factory)
        job = await stored(uow_factory, f.job(world.dealership.id))
        changed = f.full_job(
            world, id=job.id, job_code=job.job_code, created_at=job.created_at, version=job.version
        )
        async with uow_factory() as uow:
            saved = await uow.jobs.update(changed)
        expected = fields_but_updated_at(attrs.evolve(changed, version=2))
        assert expected == fields_but_updated_at(saved)
        async with uow_factory() as uow:
            assert expected == fields_but_updated_at(await uow.jobs.get(job.id))

    async def test_versions_count_up_one_per_update(self, uow_factory):
        """Each update bumps the version by exactly one."""
        world = await f.add_world(uow_factory)
        job = await stored(uow_factory, f.job(world.dealership.id))
        versions = []
        for score in (1, 2, 3):
            async with uow_factory() as uow:
                job = await uow.jobs.update(attrs.evolve(job, ranking_score=score))
            versions.append(job.version)
        assert [2, 3, 4] == versions

    async def test_update_from_an_old_version_raises_stale_version(self, uow_factory):
        """A second update based on the version already replaced is refused."""
        world = await f.add_world(uow_factory)
        job = await stored(uow_factory, f.job(world.dealership.id))
        async with uow_factory() as uow:
            await uow.jobs.update(attrs.evolve(job, ranking_score=5))
        with pytest.raises(StaleVersion) as raised:
            async with uow_factory() as uow:
                await uow.jobs.update(attrs.evolve(job, ranking_score=9))
        assert (1, 2) == (raised.value.expected, raised.value.actual)
        async with uow_factory() as uow:
            assert (5, 2) == ((got := await uow.jobs.get(job.id)).ranking_score, got.version)

    async def test_update_of_an_unknown_job_raises_not_found(self, uow_factory):
        """update never creates a job."""
        world = await f.add_world(uow_factory)
        with pytest.raises(NotFound):
            async with uow_factory() as uow:
                await uow.jobs.update(f.job(world.dealership.id))

    async def test_update_stores_the_callers_updated_at(self, uow_factory):
        """updated_at after an update is the one the caller set, in the result and on reading."""
        world = await f.add_world(uow_factory)
        job = await stored(uow_factory, f.job(world.dealership.id))
        later = f.at(86_400.123456)
        async with uow_factory() as uow:
            saved = await uow.jobs.update(attrs.evolve(job, updated_at=later))
        async with uow_factory() as uow:
            assert (later, later) == (saved.updated_at, (await uow.jobs.get(job.id)).updated_at)


class TestNextCode:
    async def test_codes_count_up_from_one_with_three_digits(self, uow_factory):
        """The first codes of a year are SM2-YYYY-001, 002, 003, across units of work."""
        codes = []
        for _ in range(3):
            async with uow_factory() as uow:
                codes.append(await uow.jobs.next_code(2026))
        assert ["SM2-2026-001", "SM2-2026-002", "SM2-2026-003"] == codes

    async def test_each_year_counts_on_its_own(self, uow_factory):
        """A new year starts again at 001 and leaves the other year's count alone."""
        async with uow_factory() as uow:
            codes = [await uow.jobs.next_code(y) for y in (2026, 2026, 2027, 2026, 2027)]
        assert [
            "SM2-2026-001",
            "SM2-2026-002",
            "SM2-2027-001",
            "SM2-2026-003",
            "SM2-2027-002",
        ] == codes

    async def test_codes_grow_past_999(self, uow_factory):
        """After SM2-YYYY-999 comes SM2-YYYY-1000, and a job can carry it."""
        async with uow_factory() as uow:
            codes = [await uow.jobs.next_code(2026) for _ in range(1000)]
        assert ("SM2-2026-999", "SM2-2026-1000") == (codes[998], codes[999])
        world = await f.add_world(uow_factory)
        job = f.job(world.dealership.id, job_code=codes[999])
        assert "SM2-2026-1000" == (await stored(uow_factory, job)).job_code
