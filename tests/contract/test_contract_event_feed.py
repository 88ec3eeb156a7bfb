"""Contract of the EventFeed: what live dashboards read. Events committed in units of work are
read back once each, in delivery order, from any event id on; rolled-back ones never; and a
subscriber is woken after a commit.

Runs on the memory store's bus and on PostgreSQL's events table. PostgreSQL delivers an event
only once no older transaction is still running anywhere on the server (so none is skipped);
the tests therefore wait, a few seconds at most, for the events they wrote to be delivered.
"""

from __future__ import annotations

import asyncio
from uuid import uuid4

import factories as f
import pytest

from sm2_core.domain.records import StoredEvent

#: Seconds a test may wait for a delivery or a wake-up before failing (liveness, not speed).
PATIENCE = 10


class Boom(Exception):
    """An error of the caller's, raised inside the unit of work."""


async def commit(feed, *events) -> None:
    """One unit of work adding ``events``, committed."""
    async with feed.uow() as uow:
        for event in events:
            uow.events.add(event)


async def rolled_back(feed, event) -> None:
    """One unit of work adding ``event``, then failing with Boom."""
    async with feed.uow() as uow:
        uow.events.add(event)
        raise Boom


async def delivered(feed, count: int) -> list[StoredEvent]:
    """Every event from the start, once ``count`` of them are delivered."""
    async with asyncio.timeout(PATIENCE):
        while True:
            events = await feed.feed.read_after(0, limit=10_000)
            if len(events) >= count:
                return events
            await asyncio.sleep(0.05)


def events(count: int, name: str = "job.updated"):
    return [f.event(uuid4(), name, n=n, note=f"«{n}»") for n in range(count)]


class TestReading:
    async def test_committed_events_are_read_in_commit_order_with_increasing_ids(self, feed):
        """Two units of work: their events, whole and in order, under increasing ids."""
        written = events(3)
        await commit(feed, *written[:2])
        await commit(feed, written[2])
        read = await delivered(feed, 3)
        assert written == [s.event for s in read]
        ids = [s.id for s in read]
        assert sorted(set(ids)) == ids
        assert 0 < ids[0]

    async def test_read_after_an_id_gives_only_later_events(self, feed):
        """After the first event's id: the two after it; after the last: nothing."""
        written = events(3)
        for event in written:
            await commit(feed, event)
        first, *later = await delivered(feed, 3)
        assert later == await feed.feed.read_after(first.id)
        assert [] == await feed.feed.read_after(later[-1].id)

    async def test_limit_caps_each_read_and_pages_cover_everything_once(self, feed):
        """Pages of two, each starting after the last id read: all five events, once each."""
        await commit(feed, *events(5))
        everything = await delivered(feed, 5)
        assert everything[:2] == await feed.feed.read_after(0, limit=2)
        pages, last = [], 0
        while page := await feed.feed.read_after(last, limit=2):
            assert len(page) <= 2
            pages.append(page)
            last = page[-1].id
        assert [2, 2, 1] == [len(p) for p in pages]
        assert everything == [s for page in pages for s in page]

    async def test_events_of_concurrent_units_are_each_read_once(self, feed):
        """Ten units committing at once, paged by the last id read: every event, once."""

        async def unit(event) -> None:
            async with feed.uow() as uow:
                await asyncio.sleep(0)  # let the others interleave
                uow.events.add(event)

        written = events(10)
        async with asyncio.timeout(PATIENCE):
            await asyncio.gather(*(unit(e) for e in written))
        await delivered(feed, 10)
        read, last = [], 0
        while page := await feed.feed.read_after(last, limit=3):
            read += page
            last = page[-1].id
        assert sorted(e.data["n"] for e in written) == sorted(s.event.data["n"] for s in read)
        assert 10 == len({s.id for s in read})


class TestLastId:
    async def test_last_id_is_zero_when_there_is_none(self, feed):
        """An empty log: 0, and nothing to read from it."""
        assert 0 == await feed.feed.last_id()
        assert [] == await feed.feed.read_after(0)

    async def test_last_id_is_the_newest_events_id(self, feed):
        """After three commits: the third event's id; nothing is read after it."""
        for event in events(3):
            await commit(feed, event)
        read = await delivered(feed, 3)
        assert read[-1].id == await feed.feed.last_id()
        assert [] == await feed.feed.read_after(await feed.feed.last_id())


class TestRollback:
    async def test_an_event_of_a_rolled_back_unit_is_never_read(self, feed):
        """A unit that fails after adding its event: that event is not read, the next
        committed one is."""
        failed, kept = f.event(uuid4(), "job.failed"), f.event(uuid4(), "job.kept")
        with pytest.raises(Boom):
            await rolled_back(feed, failed)
        await commit(feed, kept)
        assert [kept] == [s.event for s in await delivered(feed, 1)]


class TestWakeups:
    async def test_a_subscriber_is_woken_after_a_commit(self, feed):
        """Subscribed (first wake-up taken), then a commit: another wake-up comes, and the
        event is there to read."""
        wakeups = feed.feed.wakeups()
        try:
            async with asyncio.timeout(PATIENCE):
                await anext(wakeups)
            event = f.event(uuid4(), "job.created")
            await commit(feed, event)
            async with asyncio.timeout(PATIENCE):
                await anext(wakeups)
            assert [event] == [s.event for s in await delivered(feed, 1)]
        finally:
            await wakeups.aclose()
