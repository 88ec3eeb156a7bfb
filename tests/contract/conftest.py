"""The implementations the port contract suites run against: each fixture yields the memory fake,
then the PostgreSQL adapter on the emptied test database (``pg_url``), and closes what it opened.

Where a test must look behind the port (what a store left, what a queue holds, how old a use
is), the fixture gives it a small case object that does so for each implementation.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import attrs
import pytest
from psycopg import AsyncConnection
from psycopg_pool import AsyncConnectionPool

from pgtools import emptied_pool
from sm2_adapters.memory import ManualClock, MemoryRateLimiter, MemoryStore, MemoryTaskQueue
from sm2_adapters.postgres.events import PostgresEventFeed
from sm2_adapters.postgres.inbound import PostgresInboundStore
from sm2_adapters.postgres.queue import TASK_QUEUE
from sm2_adapters.postgres.ratelimit import PostgresRateLimiter
from sm2_adapters.postgres.uow import PostgresUnitOfWorkFactory
from sm2_adapters.tasks import ProcrastinateQueue, ServicesRef, build_task_app
from sm2_core.ports import EventFeed, InboundStore, RateLimiter, TaskQueue, UnitOfWorkFactory
from sm2_core.services import StoreAndQueue
from sm2_core.tasks import TASKS, TaskPayload

Pool = AsyncConnectionPool[AsyncConnection[Any]]


# --- InboundStore -------------------------------------------------------------------------------


@attrs.frozen
class InboundCase:
    """An InboundStore, and what it left behind."""

    store: InboundStore
    uow: UnitOfWorkFactory
    """Units of work on the same data, to read the stored texts back."""
    sids: Callable[[], Awaitable[list[str]]]
    """Every stored text's sid, sorted."""
    queued: Callable[[], Awaitable[list[TaskPayload]]]
    """Every task waiting in the queue, oldest first."""


def _memory_inbound() -> InboundCase:
    tasks = MemoryTaskQueue()
    memory = MemoryStore(tasks=tasks)

    async def sids() -> list[str]:
        return sorted(m.sid for m in memory.tables.messages.values())

    async def queued() -> list[TaskPayload]:
        return list(tasks.pending)

    return InboundCase(StoreAndQueue(memory.unit_of_work), memory.unit_of_work, sids, queued)


def _postgres_inbound(store: InboundStore, pool: Pool) -> InboundCase:
    async def sids() -> list[str]:
        async with pool.connection() as conn:
            cur = await conn.execute("SELECT sid FROM inbound_messages ORDER BY sid")
            return [sid for (sid,) in await cur.fetchall()]

    async def queued() -> list[TaskPayload]:
        async with pool.connection() as conn:
            cur = await conn.execute(
                "SELECT task_name, args FROM procrastinate_jobs"
                " WHERE queue_name = %s AND status = 'todo' ORDER BY id",
                (TASK_QUEUE,),
            )
            return [TASKS.decode(name, args) for name, args in await cur.fetchall()]

    return InboundCase(store, PostgresUnitOfWorkFactory(pool, task_queue=TASK_QUEUE), sids, queued)


@pytest.fixture(params=["memory", "postgres", "postgres-group-commit"])
async def inbound(request: pytest.FixtureRequest, pg_url: str) -> AsyncIterator[InboundCase]:
    """``StoreAndQueue`` on the memory store and on PostgreSQL units of work, then PostgreSQL's
    group-commit store."""
    if request.param == "memory":
        yield _memory_inbound()
        return
    async with emptied_pool(pg_url, with_queue=True) as pool:
        if request.param == "postgres":
            uow = PostgresUnitOfWorkFactory(pool, task_queue=TASK_QUEUE)
            yield _postgres_inbound(StoreAndQueue(uow), pool)
            return
        group_commit = PostgresInboundStore(pool, queue=TASK_QUEUE)
        try:
            yield _postgres_inbound(group_commit, pool)
        finally:
            await group_commit.aclose()


# --- TaskQueue ----------------------------------------------------------------------------------


@pytest.fixture(params=["memory", "postgres"])
async def task_queue(request: pytest.FixtureRequest, pg_url: str) -> AsyncIterator[TaskQueue]:
    """The memory queue, then procrastinate's, its app opened on the test pool."""
    if request.param == "memory":
        yield MemoryTaskQueue()
        return
    async with emptied_pool(pg_url, with_queue=True) as pool:
        app = build_task_app(pg_url, ServicesRef())
        await app.open_async(pool=pool)
        try:
            yield ProcrastinateQueue(app)
        finally:
            await app.close_async()


# --- RateLimiter --------------------------------------------------------------------------------


@attrs.frozen
class LimiterCase:
    """A RateLimiter, and a way to let time pass for the uses it counted."""

    limiter: RateLimiter
    age: Callable[[float], Awaitable[None]]
    """Every use counted so far becomes this many seconds older."""


@pytest.fixture(params=["memory", "postgres"])
async def limiter(request: pytest.FixtureRequest, pg_url: str) -> AsyncIterator[LimiterCase]:
    """The memory limiter on a manual clock, then PostgreSQL's (its uses are backdated: it
    counts against the database's ``now()``)."""
    if request.param == "memory":
        clock = ManualClock()

        async def advance(seconds: float) -> None:
            clock.advance(seconds=seconds)

        yield LimiterCase(MemoryRateLimiter(clock), advance)
        return
    async with emptied_pool(pg_url) as pool:

        async def backdate(seconds: float) -> None:
            async with pool.connection() as conn:
                await conn.execute(
                    "UPDATE rate_limit_hits SET at = at - make_interval(secs => %s)", (seconds,)
                )

        yield LimiterCase(PostgresRateLimiter(pool), backdate)


# --- EventFeed ----------------------------------------------------------------------------------


@attrs.frozen
class FeedCase:
    """An EventFeed, and the units of work whose events it reads."""

    feed: EventFeed
    uow: UnitOfWorkFactory


@pytest.fixture(params=["memory", "postgres"])
async def feed(request: pytest.FixtureRequest, pg_url: str) -> AsyncIterator[FeedCase]:
    """The memory store's bus, then the events table read by ``PostgresEventFeed``."""
    if request.param == "memory":
        memory = MemoryStore()
        yield FeedCase(memory.bus, memory.unit_of_work)
        return
    async with emptied_pool(pg_url) as pool:
        yield FeedCase(PostgresEventFeed(pool, pg_url), PostgresUnitOfWorkFactory(pool))
