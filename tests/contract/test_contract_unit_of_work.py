"""Contract of the unit of work: all or nothing, and events published only with a commit."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from uuid import uuid4

import attrs
import factories as f
import pytest

from sm2_core.errors import AlreadyExists, NotFound
from sm2_core.ports import JobFilter, UnitOfWork, UnitOfWorkFactory

Work = Callable[[UnitOfWork], Awaitable[None]]


class Boom(Exception):
    """An error of the caller's, raised inside the block."""


async def in_unit(factory: UnitOfWorkFactory, work: Work, *, then_fail: bool = False) -> None:
    """Run ``work`` in one unit of work; with ``then_fail``, raise Boom after it, inside."""
    async with factory() as uow:
        await work(uow)
        if then_fail:
            raise Boom


async def assert_missing(factory: UnitOfWorkFactory, repo: str, item_id) -> None:
    async with factory() as uow:
        with pytest.raises(NotFound):
            await getattr(uow, repo).get(item_id)


class TestRollback:
    async def test_an_error_rolls_back_every_write_of_the_unit(self, uow_factory):
        """Jobs, audit, messages, texts, reference rows and updates written before the error
        are all gone."""
        world = await f.add_world(uow_factory)
        job, zone, message, sms = f.job(world.dealership.id), f.zone(), f.message(), f.sms()
        entry = f.audit_entry(job.id, subject="job")

        async def write_everything(uow: UnitOfWork) -> None:
            await uow.jobs.add(job)
            await uow.audit.add(entry)
            await uow.messages.add(message)
            await uow.outbox.add(sms)
            await uow.zones.add(zone)
            await uow.dealerships.update(attrs.evolve(world.dealership, name="Changed"))

        with pytest.raises(Boom):
            await in_unit(uow_factory, write_everything, then_fail=True)
        for repo, item_id in (
            ("jobs", job.id),
            ("messages", message.id),
            ("outbox", sms.id),
            ("zones", zone.id),
        ):
            await assert_missing(uow_factory, repo, item_id)
        async with uow_factory() as uow:
            assert [] == await uow.audit.for_subject("job", job.id)
            assert world.dealership == await uow.dealerships.get(world.dealership.id)

    async def test_a_rolled_back_update_keeps_the_old_version(self, uow_factory):
        """A job update undone by the unit leaves version 1, and version 1 can still update."""
        world = await f.add_world(uow_factory)
        job = f.job(world.dealership.id)
        async with uow_factory() as uow:
            await uow.jobs.add(job)

        async def bump(uow: UnitOfWork) -> None:
            await uow.jobs.update(attrs.evolve(job, ranking_score=7))

        with pytest.raises(Boom):
            await in_unit(uow_factory, bump, then_fail=True)
        async with uow_factory() as uow:
            assert (0, 1) == ((got := await uow.jobs.get(job.id)).ranking_score, got.version)
            assert 2 == (await uow.jobs.update(job)).version

    async def test_a_repository_error_rolls_back_the_earlier_writes(self, uow_factory):
        """AlreadyExists from one write undoes the writes before it in the same unit."""
        world = await f.add_world(uow_factory)
        zone = f.zone()

        async def add_then_clash(uow: UnitOfWork) -> None:
            await uow.zones.add(zone)
            await uow.dealerships.add(f.dealership(phone=world.dealership.phone))

        with pytest.raises(AlreadyExists):
            await in_unit(uow_factory, add_then_clash)
        await assert_missing(uow_factory, "zones", zone.id)

    async def test_a_unit_reads_its_own_writes(self, uow_factory):
        """Before committing, a unit sees what it added and updated."""
        world = await f.add_world(uow_factory)
        job = f.job(world.dealership.id)
        async with uow_factory() as uow:
            await uow.jobs.add(job)
            saved = await uow.jobs.update(attrs.evolve(job, ranking_score=4))
            assert 2 == (await uow.jobs.get(job.id)).version
            assert [saved.id] == [
                j.id
                for j in (
                    await uow.jobs.search(JobFilter(dealership_id=world.dealership.id), limit=5)
                ).items
            ]

    async def test_a_clean_block_commits(self, uow_factory):
        """What a unit wrote is there for the next unit."""
        zone = f.zone()
        async with uow_factory() as uow:
            await uow.zones.add(zone)
        async with uow_factory() as uow:
            assert zone == await uow.zones.get(zone.id)

    async def test_the_callers_error_comes_out_unchanged(self, uow_factory):
        """The unit of work neither swallows nor wraps the error that ended it."""
        error = Boom("kept")
        with pytest.raises(Boom) as raised:
            async with uow_factory():
                raise error
        assert error is raised.value


class TestEvents:
    async def test_a_committed_unit_publishes_its_events_in_order(self, uow_factory):
        """Events added in a unit are published once it commits, in the order added."""
        subject = uuid4()
        events = [
            f.event(subject, "job.created", job_code="SM2-2026-001"),
            f.event(subject, "job.updated", status="SCHEDULED", nested={"a": [1, None]}),
            f.event(uuid4(), "message.unmatched"),
        ]
        async with uow_factory() as uow:
            for event in events:
                uow.events.add(event)
        assert [(e.name, e.subject_id, e.data) for e in events] == await f.published(uow_factory)

    async def test_a_rolled_back_unit_publishes_nothing(self, uow_factory):
        """Events of a unit that ends in an error are dropped with its writes."""
        world = await f.add_world(uow_factory)

        async def add_job_and_event(uow: UnitOfWork) -> None:
            await uow.jobs.add(f.job(world.dealership.id))
            uow.events.add(f.event(uuid4(), "job.created"))

        with pytest.raises(Boom):
            await in_unit(uow_factory, add_job_and_event, then_fail=True)
        assert [] == await f.published(uow_factory)

    async def test_only_the_committed_units_events_are_published(self, uow_factory):
        """A rolled back unit between two committed ones leaves no trace in the event log."""
        kept, dropped, later = uuid4(), uuid4(), uuid4()
        async with uow_factory() as uow:
            uow.events.add(f.event(kept, "first"))

        async def add_event(uow: UnitOfWork) -> None:
            uow.events.add(f.event(dropped, "dropped"))

        with pytest.raises(Boom):
            await in_unit(uow_factory, add_event, then_fail=True)
        async with uow_factory() as uow:
            uow.events.add(f.event(later, "third"))
        assert [("first", kept, {}), ("third", later, {})] == await f.published(uow_factory)

    async def test_nothing_is_published_before_the_commit(self, uow_factory):
        """While the unit is open its events are not yet public."""
        async with uow_factory() as uow:
            uow.events.add(f.event(uuid4(), "job.created"))
            assert [] == await f.published(uow_factory)
        assert 1 == len(await f.published(uow_factory))
