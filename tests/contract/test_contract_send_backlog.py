"""Contract of the SendBacklog: texts waiting for their first send, leased in batches with the
unit of work that marks them SENDING, and let go only by the one that records the carrier's
answers.

Runs on the memory store and its queue, then on PostgreSQL with procrastinate's tables.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any
from uuid import UUID

import attrs
import factories as f
import pytest

from pgtools import emptied_pool
from sm2_adapters.memory import ManualClock, MemoryStore, MemoryTaskQueue
from sm2_adapters.postgres.queue import TASK_QUEUE
from sm2_adapters.postgres.uow import PostgresUnitOfWorkFactory
from sm2_core.domain.records import Channel, OptOut, OutboundStatus
from sm2_core.ports import UnitOfWorkFactory
from sm2_core.tasks import SendSms


@attrs.frozen
class Backlog:
    uow: UnitOfWorkFactory
    queued: Callable[[], Awaitable[list[UUID]]]
    """The texts whose send tasks are in the queue, leased or not."""
    due: Callable[[], Awaitable[list[UUID]]]
    """The texts whose send tasks may run now (due), tried or not."""
    expire: Callable[[float], Awaitable[None]]
    """Time moves on by that many seconds."""

    async def texts(self, count: int, **kw: Any) -> list[UUID]:
        """``count`` texts in the outbox, each with its send task, queued in this order."""
        ids = []
        for _ in range(count):
            sms = f.sms(**kw)
            async with self.uow() as uow:
                await uow.outbox.add(sms)
                uow.tasks.add(SendSms(outbox_id=sms.id))
            ids.append(sms.id)
        return ids

    async def lease(self, own: UUID, more: int) -> list[UUID]:
        async with self.uow() as uow:
            return [m.id for m in await uow.send_backlog.lease(own, more=more, seconds=60)]


def _memory() -> Backlog:
    clock = ManualClock()
    queue = MemoryTaskQueue(clock)
    store = MemoryStore(tasks=queue)

    def sends(tasks: list[Any]) -> list[UUID]:
        return [t.outbox_id for t in tasks if isinstance(t, SendSms)]

    async def queued() -> list[UUID]:
        return sends([*queue.pending, *(task for _, task in queue.scheduled)])

    async def due() -> list[UUID]:
        now = clock.now()
        return sends([*queue.pending, *(task for at, task in queue.scheduled if at <= now)])

    async def expire(seconds: float) -> None:
        clock.advance(seconds=seconds)

    return Backlog(store.unit_of_work, queued, due, expire)


def _postgres(uow: PostgresUnitOfWorkFactory) -> Backlog:
    async def ids(where: str) -> list[UUID]:
        async with uow.pool.connection() as conn:
            cur = await conn.execute(
                "SELECT (args->>'outbox_id')::uuid FROM procrastinate_jobs"
                f" WHERE task_name = 'send_sms' AND status = 'todo' {where} ORDER BY id"
            )
            return [i for (i,) in await cur.fetchall()]

    async def expire(seconds: float) -> None:
        async with uow.pool.connection() as conn:
            await conn.execute(
                "UPDATE procrastinate_jobs SET scheduled_at = scheduled_at - make_interval(secs"
                " => %s) WHERE scheduled_at IS NOT NULL",
                (seconds,),
            )

    return Backlog(
        uow,
        lambda: ids(""),
        lambda: ids("AND (scheduled_at IS NULL OR scheduled_at <= now())"),
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
    async def test_the_oldest_others_up_to_more(self, backlog: Backlog) -> None:
        """Never the task's own text; the others in the order they were queued."""
        a, b, c, d = await backlog.texts(4)
        assert [a, c] == await backlog.lease(b, more=2)
        assert [d] == await backlog.lease(b, more=5)

    async def test_only_texts_that_may_go_by_sms_now(self, backlog: Backlog) -> None:
        """Not a push alert, not a text already tried, not one to a number that said STOP."""
        (push,) = await backlog.texts(1, channel=Channel.PUSH)
        (tried,) = await backlog.texts(1, status=OutboundStatus.FAILED)
        (stopped,) = await backlog.texts(1, to_number="+14185559999")
        async with backlog.uow() as uow:
            await uow.opt_outs.add(OptOut("+14185559999", f.at(), "keyword"))
        own, free = await backlog.texts(2)
        assert [free] == await backlog.lease(own, more=10)
        assert {push, tried, stopped, own} <= set(await backlog.due())

    async def test_leased_texts_wait_but_stay_queued(self, backlog: Backlog) -> None:
        """Their tasks are still in the queue (nothing is lost), but no worker takes them."""
        a, b, c = await backlog.texts(3)
        await backlog.lease(a, more=1)
        assert ({a, b, c}, [a, c]) == (set(await backlog.queued()), await backlog.due())

    async def test_a_lease_that_runs_out_is_due_again_but_never_leased_again(
        self, backlog: Backlog
    ) -> None:
        """Its worker died: the tasks run on their own (due), and no batch takes them."""
        a, b, c = await backlog.texts(3)
        await backlog.lease(a, more=2)
        await backlog.expire(61)
        assert ([a, b, c], []) == (await backlog.due(), await backlog.lease(a, more=5))

    async def test_a_rollback_leases_nothing(self, backlog: Backlog) -> None:
        a, b = await backlog.texts(2)

        class Failed(Exception):
            pass

        async def lease_then_fail() -> None:
            async with backlog.uow() as uow:
                await uow.send_backlog.lease(a, more=5, seconds=60)
                raise Failed

        with pytest.raises(Failed):
            await lease_then_fail()
        assert [b] == await backlog.lease(a, more=5)


class TestDoneAndAgain:
    async def test_done_takes_the_tasks_off_the_queue_when_it_commits(
        self, backlog: Backlog
    ) -> None:
        a, b, c = await backlog.texts(3)
        await backlog.lease(a, more=2)
        async with backlog.uow() as uow:
            await uow.send_backlog.done([b])
        assert [a, c] == await backlog.queued()

    async def test_a_rollback_leaves_them(self, backlog: Backlog) -> None:
        a, b = await backlog.texts(2)
        await backlog.lease(a, more=1)

        class Failed(Exception):
            pass

        async def done_then_fail() -> None:
            async with backlog.uow() as uow:
                await uow.send_backlog.done([b])
                raise Failed

        with pytest.raises(Failed):
            await done_then_fail()
        assert [a, b] == await backlog.queued()

    async def test_again_makes_a_leased_task_due_soon_on_its_own(self, backlog: Backlog) -> None:
        """Due after the seconds given, not when the lease runs out; and never leased again."""
        a, b, _ = await backlog.texts(3)
        await backlog.lease(a, more=2)
        async with backlog.uow() as uow:
            await uow.send_backlog.again([b], seconds=5)
        assert [a] == await backlog.due()
        await backlog.expire(6)
        assert [a, b] == await backlog.due()
        assert [] == await backlog.lease(a, more=5)
