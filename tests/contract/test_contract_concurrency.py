"""Contract under concurrent units of work: unique job codes, one winner per job version,
idempotent message intake, unique keys. PostgreSQL runs them on a pool of 8 connections."""

from __future__ import annotations

import asyncio

import attrs
import factories as f
import psycopg
import pytest

from sm2_adapters.postgres.uow import PostgresUnitOfWorkFactory
from sm2_core.domain.job import Job
from sm2_core.errors import AlreadyExists, StaleVersion
from sm2_core.ports import JobFilter, UnitOfWorkFactory

#: No test here may hang: every gather runs under this many seconds.
DEADLINE = 20


async def gather(*aws):
    async with asyncio.timeout(DEADLINE):
        return await asyncio.gather(*aws, return_exceptions=True)


async def stored_job(factory: UnitOfWorkFactory) -> Job:
    world = await f.add_world(factory)
    job = f.job(world.dealership.id)
    async with factory() as uow:
        await uow.jobs.add(job)
    return job


class TestParallelCreation:
    async def test_fifty_concurrent_creations_get_fifty_distinct_codes(self, uow_factory):
        """50 units each taking a code and adding a job: codes 001-050, no duplicate, all
        stored."""
        world = await f.add_world(uow_factory)
        connections: set[int] = set()

        async def create() -> str:
            async with uow_factory() as uow:
                if f.is_postgres(uow_factory):
                    connections.add(uow.conn.info.backend_pid)
                code = await uow.jobs.next_code(2026)
                await asyncio.sleep(0)  # let the others interleave
                await uow.jobs.add(f.job(world.dealership.id, job_code=code))
                return code

        codes = await gather(*(create() for _ in range(50)))
        assert {f"SM2-2026-{n:03d}" for n in range(1, 51)} == set(codes)
        async with uow_factory() as uow:
            page = await uow.jobs.search(JobFilter(), limit=100)
        assert sorted(codes) == sorted(j.job_code for j in page.items)
        if f.is_postgres(uow_factory):
            assert len(connections) > 1, "the units never ran in parallel"

    async def test_concurrent_messages_with_one_sid_are_stored_once(self, uow_factory):
        """Ten deliveries of one sid at once: one is new, all answer the stored message."""
        messages = [f.message(sid="SMduplicate", body=f"delivery {n}") for n in range(10)]

        async def deliver(message):
            async with uow_factory() as uow:
                return await uow.messages.add(message)

        results = await gather(*(deliver(m) for m in messages))
        firsts = [stored for stored, new in results if new]
        assert 1 == len(firsts)
        assert [firsts[0]] * 10 == [stored for stored, _ in results]

    async def test_concurrent_dealerships_with_one_phone_leave_one(self, uow_factory):
        """Two units adding the same phone at once: one commits, the other gets AlreadyExists."""
        phone = f.phone()

        async def add(dealership):
            async with uow_factory() as uow:
                await uow.dealerships.add(dealership)

        results = await gather(add(f.dealership(phone=phone)), add(f.dealership(phone=phone)))
        assert [None] == [r for r in results if r is None]
        assert [AlreadyExists] == [type(r) for r in results if r is not None]


class TestParallelUpdates:
    async def test_two_updates_of_one_version_have_one_winner(self, uow_factory):
        """Two units saving version 1 at once: one gets version 2, the other StaleVersion."""
        job = await stored_job(uow_factory)

        async def save(score: int) -> Job:
            async with uow_factory() as uow:
                return await uow.jobs.update(attrs.evolve(job, ranking_score=score))

        results = await gather(save(10), save(20))
        winners = [r for r in results if isinstance(r, Job)]
        losers = [r for r in results if isinstance(r, StaleVersion)]
        assert (1, 1) == (len(winners), len(losers))
        assert (1, 2) == (losers[0].expected, losers[0].actual)
        async with uow_factory() as uow:
            got = await uow.jobs.get(job.id)
        assert (winners[0].ranking_score, 2) == (got.ranking_score, got.version)


async def wait_until_blocked(url: str, pid: int) -> None:
    """Return once backend ``pid`` waits on a lock (polled from a connection of its own)."""
    async with await psycopg.AsyncConnection.connect(url, autocommit=True) as conn:
        for _ in range(500):
            cur = await conn.execute(
                "SELECT wait_event_type FROM pg_stat_activity WHERE pid = %s", (pid,)
            )
            row = await cur.fetchone()
            if row is not None and row[0] == "Lock":
                return
            await asyncio.sleep(0.01)
    raise AssertionError(f"backend {pid} never waited on the row lock")


class TestRowLockOnPostgres:
    async def test_the_second_writer_waits_then_gets_stale_version(
        self, pg_uow: PostgresUnitOfWorkFactory, pg_url: str
    ):
        """Both units read version 1; the second update waits on the first's row lock and,
        once the first commits, raises StaleVersion (expected 1, actual 2)."""
        job = await stored_job(pg_uow)
        async with asyncio.timeout(DEADLINE):
            async with pg_uow() as loser:
                async with pg_uow() as winner:
                    mine, theirs = await winner.jobs.get(job.id), await loser.jobs.get(job.id)
                    assert (1, 1) == (mine.version, theirs.version)
                    await winner.jobs.update(attrs.evolve(mine, ranking_score=1))
                    late = asyncio.create_task(
                        loser.jobs.update(attrs.evolve(theirs, ranking_score=2))
                    )
                    await wait_until_blocked(pg_url, loser.conn.info.backend_pid)
                    assert not late.done()
                # The winner has committed: the waiting update re-checks the version and fails.
                with pytest.raises(StaleVersion) as raised:
                    await late
        assert (1, 2) == (raised.value.expected, raised.value.actual)
        async with pg_uow() as uow:
            got = await uow.jobs.get(job.id)
        assert (1, 2) == (got.ranking_score, got.version)
