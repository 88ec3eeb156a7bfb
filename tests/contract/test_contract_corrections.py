"""Contract of the corrections repository (dispatchers' corrections of parsed jobs), on the memory
fake and on PostgreSQL."""

from __future__ import annotations

from typing import Any
from uuid import uuid4

import attrs
import factories as f
import pytest

from sm2_core.domain.corrections import ParseCorrection, ParsedField, ServiceTally
from sm2_core.domain.enums import Language
from sm2_core.domain.job import Job
from sm2_core.errors import InvalidInput
from sm2_core.ports import UnitOfWorkFactory


def correction(job: Job, world: f.World, field: ParsedField, **kw: Any) -> ParseCorrection:
    values: dict[str, Any] = {
        "id": uuid4(),
        "job_id": job.id,
        "message_id": world.message.id,
        "field": field,
        "parsed": "Civc",
        "corrected": "Civic",
        "corrected_by": "admin:alice",
        "corrected_at": f.at(10),
        "sender": world.message.from_number,
        "body": "Vidange « Civc » 2021, SVP",
        "language": Language.FR,
    }
    return ParseCorrection(**(values | kw))


async def parsed_job(factory: UnitOfWorkFactory, world: f.World, **kw: Any) -> Job:
    values: dict[str, Any] = {
        "source_message_id": world.message.id,
        "parsing_confidence": 0.9,
        "service_id": world.service.id,
        "service_code": world.service.code,
    }
    job = f.job(world.dealership.id, **(values | kw))
    async with factory() as uow:
        await uow.jobs.add(job)
    return job


async def save(factory: UnitOfWorkFactory, *corrections: ParseCorrection) -> None:
    async with factory() as uow:
        for c in corrections:
            await uow.corrections.save(c)


class TestSaveAndRead:
    async def test_every_field_comes_back(self, uow_factory: UnitOfWorkFactory) -> None:
        """A correction round-trips whole: values, None, text with accents, microseconds."""
        world = await f.add_world(uow_factory)
        job = await parsed_job(uow_factory, world)
        model = correction(job, world, ParsedField.MODEL)
        stock = correction(job, world, ParsedField.STOCK_NO, parsed="K2401", corrected=None)
        await save(uow_factory, stock, model)
        async with uow_factory() as uow:
            assert [model, stock] == await uow.corrections.for_job(job.id)

    async def test_one_per_job_and_field_keeping_the_first_id(
        self, uow_factory: UnitOfWorkFactory
    ) -> None:
        """Saving the same job and field again replaces the values; the id stays."""
        world = await f.add_world(uow_factory)
        job = await parsed_job(uow_factory, world)
        first = correction(job, world, ParsedField.YEAR, parsed="2021", corrected="2012")
        again = attrs.evolve(first, id=uuid4(), corrected="2020", corrected_at=f.at(99))
        await save(uow_factory, first)
        await save(uow_factory, again)
        async with uow_factory() as uow:
            assert [attrs.evolve(again, id=first.id)] == await uow.corrections.for_job(job.id)

    async def test_remove_drops_that_field_only(self, uow_factory: UnitOfWorkFactory) -> None:
        """Removing one field leaves the others; removing what is not there is no error."""
        world = await f.add_world(uow_factory)
        job = await parsed_job(uow_factory, world)
        vin, make = (correction(job, world, x) for x in (ParsedField.VIN, ParsedField.MAKE))
        await save(uow_factory, vin, make)
        async with uow_factory() as uow:
            await uow.corrections.remove(job.id, ParsedField.VIN)
            await uow.corrections.remove(job.id, ParsedField.SERVICE_CODE)
        async with uow_factory() as uow:
            assert [make] == await uow.corrections.for_job(job.id)

    async def test_a_rollback_keeps_nothing(self, uow_factory: UnitOfWorkFactory) -> None:
        """Written in the job's unit of work: an error afterwards undoes it."""
        world = await f.add_world(uow_factory)
        job = await parsed_job(uow_factory, world)

        async def save_then_fail() -> None:
            async with uow_factory() as uow:
                await uow.corrections.save(correction(job, world, ParsedField.MODEL))
                raise RuntimeError("boom")

        with pytest.raises(RuntimeError):
            await save_then_fail()
        async with uow_factory() as uow:
            assert [] == await uow.corrections.for_job(job.id)

    async def test_an_unknown_job_is_refused(self, uow_factory: UnitOfWorkFactory) -> None:
        """The job and the text must exist."""
        world = await f.add_world(uow_factory)
        job = f.job(world.dealership.id)  # never stored
        with pytest.raises(InvalidInput):
            await save(uow_factory, correction(job, world, ParsedField.MODEL))


class TestPages:
    async def make(self, factory: UnitOfWorkFactory, n: int) -> list[ParseCorrection]:
        world = await f.add_world(factory)
        made = []
        for i in range(n):
            job = await parsed_job(factory, world)
            made.append(correction(job, world, ParsedField.MODEL, corrected_at=f.at(i % 3)))
        await save(factory, *reversed(made))
        return sorted(made, key=lambda c: (c.corrected_at, c.id))

    async def test_oldest_first_through_every_page(self, uow_factory: UnitOfWorkFactory) -> None:
        """Pages follow time then id, each row once, the last page without a cursor."""
        made = await self.make(uow_factory, 7)
        seen: list[ParseCorrection] = []
        cursor = None
        async with uow_factory() as uow:
            for _ in range(4):
                page = await uow.corrections.page(limit=3, cursor=cursor)
                seen.extend(page.items)
                cursor = page.next_cursor
                if cursor is None:
                    break
        assert made == seen

    async def test_since_is_inclusive(self, uow_factory: UnitOfWorkFactory) -> None:
        made = await self.make(uow_factory, 6)
        async with uow_factory() as uow:
            page = await uow.corrections.page(since=f.at(1), limit=50)
        assert ([c for c in made if c.corrected_at >= f.at(1)], None) == (
            list(page.items),
            page.next_cursor,
        )

    async def test_a_foreign_cursor_is_invalid_input(self, uow_factory: UnitOfWorkFactory) -> None:
        async with uow_factory() as uow:
            with pytest.raises(InvalidInput):
                await uow.corrections.page(limit=3, cursor="not-a-cursor")


class TestTally:
    async def test_parsed_jobs_and_their_corrections_per_service(
        self, uow_factory: UnitOfWorkFactory
    ) -> None:
        """Counts parsed jobs created since the moment, per service as they are now, and how
        many of them had each field corrected; jobs typed in, and older jobs, do not count."""
        world = await f.add_world(uow_factory)
        other = f.service()
        async with uow_factory() as uow:
            await uow.services.add(other)
        fresh = [await parsed_job(uow_factory, world, created_at=f.at(60)) for _ in range(3)]
        moved = await parsed_job(
            uow_factory, world, created_at=f.at(60), service_id=other.id, service_code=other.code
        )
        await parsed_job(
            uow_factory, world, created_at=f.at(60), service_id=None, service_code=None
        )
        old = await parsed_job(uow_factory, world, created_at=f.at(0))
        typed = f.job(world.dealership.id, created_at=f.at(60), service_code=world.service.code)
        async with uow_factory() as uow:
            await uow.jobs.add(typed)
        await save(
            uow_factory,
            correction(fresh[0], world, ParsedField.MODEL),
            correction(fresh[0], world, ParsedField.YEAR),
            correction(fresh[1], world, ParsedField.MODEL),
            correction(moved, world, ParsedField.SERVICE_CODE),
            correction(old, world, ParsedField.MODEL),
        )
        async with uow_factory() as uow:
            tallies = await uow.corrections.tally(since=f.at(30))
        assert by_code(
            [
                ServiceTally(world.service.code, 3, {ParsedField.MODEL: 2, ParsedField.YEAR: 1}),
                ServiceTally(other.code, 1, {ParsedField.SERVICE_CODE: 1}),
                ServiceTally(None, 1, {}),
            ]
        ) == by_code(tallies)

    async def test_nothing_parsed_nothing_counted(self, uow_factory: UnitOfWorkFactory) -> None:
        async with uow_factory() as uow:
            assert [] == await uow.corrections.tally(since=f.at(0))


def by_code(tallies: list[ServiceTally]) -> dict[str | None, tuple[int, dict[ParsedField, int]]]:
    return {t.service_code: (t.parsed_jobs, dict(t.corrected)) for t in tallies}


class TestMessageLanguage:
    async def test_a_parsed_text_keeps_the_language_it_was_read_in(
        self, uow_factory: UnitOfWorkFactory
    ) -> None:
        """None on receipt; the parse's language once the text is updated."""
        message = f.message()
        async with uow_factory() as uow:
            await uow.messages.add(message)
        async with uow_factory() as uow:
            assert None is (await uow.messages.get(message.id)).language
            await uow.messages.update(attrs.evolve(message, language=Language.EN))
        async with uow_factory() as uow:
            assert Language.EN == (await uow.messages.get(message.id)).language
