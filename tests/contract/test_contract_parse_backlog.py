"""Contract of the ParseBacklog: texts waiting for their parse, leased in batches and let go only
by the unit of work that writes their outcome.

Runs on the memory store and its queue, then on PostgreSQL with procrastinate's tables.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any
from uuid import UUID, uuid4

import attrs
import factories as f
import pytest

from pgtools import emptied_pool
from sm2_adapters.memory import ManualClock, MemoryStore, MemoryTaskQueue
from sm2_adapters.postgres.queue import TASK_QUEUE
from sm2_adapters.postgres.uow import PostgresUnitOfWorkFactory
from sm2_core.domain.records import MessageStatus
from sm2_core.errors import NotFound
from sm2_core.ports import UnitOfWorkFactory
from sm2_core.services import StoreAndQueue
from sm2_core.tasks import ParseMessage


@attrs.frozen
class Backlog:
    uow: UnitOfWorkFactory
    queued: Callable[[], Awaitable[list[UUID]]]
    """The texts whose parse tasks are in the queue, leased or not."""
    due: Callable[[], Awaitable[list[UUID]]]
    """The texts whose parse tasks a lease may take now (due, never tried)."""
    expire: Callable[[], Awaitable[None]]
    """Every lease runs out."""

    async def texts(self, count: int) -> list[UUID]:
        ids = []
        for _ in range(count):
            stored, _new = await StoreAndQueue(self.uow).store_and_queue(f.message())
            ids.append(stored.id)
        return ids

    async def lease(self, first: UUID, more: int) -> list[UUID]:
        async with self.uow() as uow:
            return [m.id for m in await uow.backlog.lease(first, more=more, seconds=60)]


def _memory() -> Backlog:
    clock = ManualClock()
    queue = MemoryTaskQueue(clock)
    store = MemoryStore(tasks=queue)

    def parses(tasks: list[Any]) -> list[UUID]:
        return [t.message_id for t in tasks if isinstance(t, ParseMessage)]

    async def queued() -> list[UUID]:
        return parses([*queue.pending, *(task for _, task in queue.scheduled)])

    async def due() -> list[UUID]:
        now = clock.now()
        waiting = [*queue.pending, *(task for at, task in queue.scheduled if at <= now)]
        return parses([task for task in waiting if task not in queue.tried])

    async def expire() -> None:
        clock.advance(seconds=61)

    return Backlog(store.unit_of_work, queued, due, expire)


def _postgres(uow: PostgresUnitOfWorkFactory) -> Backlog:
    async def ids(where: str) -> list[UUID]:
        async with uow.pool.connection() as conn:
            cur = await conn.execute(
                "SELECT (args->>'message_id')::uuid FROM procrastinate_jobs"
                f" WHERE task_name = 'parse_message' AND status = 'todo' {where} ORDER BY id"
            )
            return [i for (i,) in await cur.fetchall()]

    async def expire() -> None:
        async with uow.pool.connection() as conn:
            await conn.execute("UPDATE procrastinate_jobs SET scheduled_at = now()")

    return Backlog(
        uow,
        lambda: ids(""),
        lambda: ids("AND attempts = 0 AND (scheduled_at IS NULL OR scheduled_at <= now())"),
        expire,
    )


@pytest.fixture(params=["memory", "postgres"])
async def backlog(request: pytest.FixtureRequest, pg_url: str) -> AsyncIterator[Backlog]:
    if request.param == "memory":
        yield _memory()
        return
    async with emptied_pool(pg_url, with_queue=True) as pool:
        yield _postgres(PostgresUnitOfWorkFactory(pool, task_queue=TASK_QUEUE))


class TestLease:
    async def test_the_text_then_the_oldest_others(self, backlog: Backlog) -> None:
        """The task's own text first, then up to ``more`` others in the order they came."""
        a, b, c, _ = await backlog.texts(4)
        assert [b, a, c] == await backlog.lease(b, more=2)

    async def test_a_leased_text_is_in_no_other_lease(self, backlog: Backlog) -> None:
        """A second lease skips the texts another holds, and takes the next ones."""
        a, _, _, d = await backlog.texts(4)
        await backlog.lease(a, more=2)
        assert [a, d] == await backlog.lease(a, more=5)

    async def test_leased_texts_wait_but_stay_queued(self, backlog: Backlog) -> None:
        """Their tasks are still in the queue (nothing is lost), but no worker takes them."""
        a, b, c = await backlog.texts(3)
        await backlog.lease(a, more=1)
        assert ({a, b, c}, [a, c]) == (set(await backlog.queued()), await backlog.due())

    async def test_an_unknown_text_leases_nothing(self, backlog: Backlog) -> None:
        """NotFound, and the texts it would have taken are still free."""
        a, b = await backlog.texts(2)
        with pytest.raises(NotFound):
            await backlog.lease(uuid4(), more=5)
        assert [a, b] == await backlog.due()

    async def test_a_lease_that_runs_out_is_due_again_but_never_leased_again(
        self, backlog: Backlog
    ) -> None:
        """Its worker died: the tasks run on their own (due), and no batch takes them."""
        a, b, c = await backlog.texts(3)
        await backlog.lease(a, more=2)
        await backlog.expire()
        assert ({a, b, c}, [a]) == (set(await backlog.queued()), await backlog.lease(a, more=5))


class TestHold:
    async def test_the_texts_still_waiting_in_the_order_given(self, backlog: Backlog) -> None:
        """A text already parsed is left out; the others come as asked."""
        a, b, c = await backlog.texts(3)
        async with backlog.uow() as uow:
            done = await uow.messages.get(b)
            await uow.messages.update(attrs.evolve(done, status=MessageStatus.NO_WORK))
        async with backlog.uow() as uow:
            assert [c, a] == [m.id for m in await uow.backlog.hold([c, b, a])]

    async def test_a_commit_takes_their_tasks_off_the_queue(self, backlog: Backlog) -> None:
        """Leased or not, the held texts' parse tasks are gone once the unit commits."""
        a, b, c = await backlog.texts(3)
        await backlog.lease(a, more=1)
        async with backlog.uow() as uow:
            await uow.backlog.hold([a, b])
        assert {c} == set(await backlog.queued())

    async def test_a_rollback_leaves_them(self, backlog: Backlog) -> None:
        """The unit that held them failed: their tasks are still queued."""
        a, b = await backlog.texts(2)

        class Failed(Exception):
            pass

        async def hold_then_fail() -> None:
            async with backlog.uow() as uow:
                await uow.backlog.hold([a, b])
                raise Failed

        with pytest.raises(Failed):
            await hold_then_fail()
        assert {a, b} == set(await backlog.queued())
