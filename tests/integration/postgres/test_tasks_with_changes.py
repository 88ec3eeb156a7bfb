"""Tasks written with the change that calls for them, on PostgreSQL: both or neither.

Receipt writes a text and its parse task in one statement; a unit of work writes the tasks it
adds (the confirmation SMS of new jobs) in its own transaction.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from datetime import UTC, datetime
from typing import Any
from uuid import UUID, uuid4

import psycopg
import pytest
from procrastinate import App
from psycopg import AsyncConnection
from psycopg_pool import AsyncConnectionPool, PoolTimeout

from pgtools import reset_database
from sm2_adapters.postgres.database import make_pool
from sm2_adapters.postgres.inbound import PostgresInboundStore
from sm2_adapters.postgres.uow import PostgresUnitOfWorkFactory
from sm2_adapters.tasks import (
    TASK_QUEUE,
    ProcrastinateQueue,
    ServicesRef,
    build_task_app,
    install_schema,
    retry_stalled,
)
from sm2_core.domain.records import InboundMessage, MessageStatus
from sm2_core.errors import InvalidInput
from sm2_core.tasks import PARSE_MESSAGE, ParseMessage, SendSms


def _message(sid: str, body: str = "pneus civic 2020") -> InboundMessage:
    return InboundMessage(
        id=uuid4(),
        sid=sid,
        from_number="+14185550103",
        to_number="+14185550000",
        body=body,
        received_at=datetime(2026, 11, 25, 14, 0, tzinfo=UTC),
    )


@pytest.fixture
def db(pg_url: str) -> str:
    reset_database(pg_url)
    install_schema(pg_url)
    with psycopg.connect(pg_url, autocommit=True) as conn:
        conn.execute("DELETE FROM procrastinate_jobs")
    return pg_url


@pytest.fixture
async def pool(db: str) -> AsyncIterator[AsyncConnectionPool[AsyncConnection[Any]]]:
    pool = make_pool(db, min_size=1, max_size=8)
    await pool.open(wait=True)
    try:
        yield pool
    finally:
        await pool.close()


@contextmanager
def queue_refusing(url: str) -> Iterator[None]:
    """procrastinate_jobs refuses every insert while the block runs."""
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(
            "CREATE FUNCTION refuse_jobs() RETURNS trigger LANGUAGE plpgsql AS"
            " $$ BEGIN RAISE EXCEPTION 'queue unavailable'; END $$"
        )
        conn.execute(
            "CREATE TRIGGER refuse BEFORE INSERT ON procrastinate_jobs"
            " FOR EACH ROW EXECUTE FUNCTION refuse_jobs()"
        )
    try:
        yield
    finally:
        with psycopg.connect(url, autocommit=True) as conn:
            conn.execute("DROP TRIGGER refuse ON procrastinate_jobs")
            conn.execute("DROP FUNCTION refuse_jobs()")


@asynccontextmanager
async def one_connection_pool(
    url: str, *, wait_for_connection: float = 30.0
) -> AsyncIterator[AsyncConnectionPool[AsyncConnection[Any]]]:
    """A pool of a single connection: while a test holds it, receipt has none."""
    pool: AsyncConnectionPool[AsyncConnection[Any]] = AsyncConnectionPool(
        url, min_size=1, max_size=1, timeout=wait_for_connection, open=False
    )
    await pool.open(wait=True)
    try:
        yield pool
    finally:
        await pool.close()


def _rows(url: str) -> tuple[list[tuple[Any, ...]], list[tuple[Any, ...]]]:
    with psycopg.connect(url) as conn:
        messages = conn.execute("SELECT id, sid, status FROM inbound_messages").fetchall()
        jobs = conn.execute(
            "SELECT queue_name, task_name, args->>'message_id', status::text"
            " FROM procrastinate_jobs"
        ).fetchall()
    return messages, jobs


class TestStoreAndQueue:
    async def test_the_text_and_its_parse_task_are_written_together(
        self, db: str, pool: AsyncConnectionPool[AsyncConnection[Any]]
    ) -> None:
        """One new text: one RECEIVED row, one todo task naming it, on the sm2 queue."""
        store = PostgresInboundStore(pool, queue=TASK_QUEUE)
        message = _message("SMstore1")
        stored, created = await store.store_and_queue(message)
        assert (True, message) == (created, stored)
        messages, jobs = _rows(db)
        assert [(message.id, "SMstore1", MessageStatus.RECEIVED.value)] == messages
        assert [(TASK_QUEUE, PARSE_MESSAGE.name, str(message.id), "todo")] == jobs

    async def test_a_repeated_delivery_queues_nothing_more(
        self, db: str, pool: AsyncConnectionPool[AsyncConnection[Any]]
    ) -> None:
        """The same sid again returns the first text, unchanged, and writes nothing."""
        store = PostgresInboundStore(pool, queue=TASK_QUEUE)
        first, _ = await store.store_and_queue(_message("SMstore2"))
        again, created = await store.store_and_queue(_message("SMstore2", body="something else"))
        assert (False, first) == (created, again)
        messages, jobs = _rows(db)
        assert (1, 1) == (len(messages), len(jobs))

    async def test_simultaneous_deliveries_store_and_queue_once(
        self, db: str, pool: AsyncConnectionPool[AsyncConnection[Any]]
    ) -> None:
        """Eight copies racing on eight connections: one text, one task, one 'created'."""
        store = PostgresInboundStore(pool, queue=TASK_QUEUE)
        results = await asyncio.gather(
            *(store.store_and_queue(_message("SMrace")) for _ in range(8))
        )
        assert 1 == sum(created for _, created in results)
        assert 1 == len({stored.id for stored, _ in results})
        messages, jobs = _rows(db)
        assert (1, 1) == (len(messages), len(jobs))

    async def test_when_the_task_cannot_be_queued_the_text_is_not_kept(
        self, db: str, pool: AsyncConnectionPool[AsyncConnection[Any]]
    ) -> None:
        """Both or neither: a failing queue insert leaves no text behind to answer 200 for."""
        store = PostgresInboundStore(pool, queue=TASK_QUEUE)
        with queue_refusing(db), pytest.raises(psycopg.Error, match="queue unavailable"):
            await store.store_and_queue(_message("SMlost"))
        assert ([], []) == _rows(db)
        # Once the queue takes tasks again, the same text (Twilio never retries; an operator
        # replaying it) is stored as new: the failed attempt left nothing behind.
        _, created = await store.store_and_queue(_message("SMlost"))
        assert True is created


def _transactions(url: str) -> dict[str, int]:
    """The transaction that wrote each text (rows written by one commit share ``xmin``)."""
    with psycopg.connect(url) as conn:
        rows = conn.execute("SELECT sid, xmin::text FROM inbound_messages").fetchall()
    return {sid: int(xid) for sid, xid in rows}


class TestGroupCommit:
    """Texts that arrive while a write is in flight share the next commit."""

    async def test_texts_arriving_together_share_one_commit(
        self, db: str, pool: AsyncConnectionPool[AsyncConnection[Any]]
    ) -> None:
        """Ten texts received at once: one transaction, each text new, each with its task,
        queued in arrival order (the worker takes tasks by id: first come, first parsed)."""
        store = PostgresInboundStore(pool, queue=TASK_QUEUE)
        messages = [_message(f"SMgroup{n}") for n in range(10)]
        results = await asyncio.gather(*(store.store_and_queue(m) for m in messages))
        assert [(m, True) for m in messages] == results
        assert 1 == len(set(_transactions(db).values()))
        with psycopg.connect(db) as conn:
            queued = conn.execute(
                "SELECT args->>'message_id' FROM procrastinate_jobs ORDER BY id"
            ).fetchall()
        assert [str(m.id) for m in messages] == [message_id for (message_id,) in queued]

    async def test_a_batch_is_bounded(
        self, db: str, pool: AsyncConnectionPool[AsyncConnection[Any]]
    ) -> None:
        """Five texts with batches of two: three commits, all stored."""
        store = PostgresInboundStore(pool, queue=TASK_QUEUE, max_batch=2)
        await asyncio.gather(*(store.store_and_queue(_message(f"SMbound{n}")) for n in range(5)))
        assert 3 == len(set(_transactions(db).values()))
        assert (5, 5) == tuple(len(rows) for rows in _rows(db))

    async def test_a_repeat_in_the_same_batch_is_a_repeat(
        self, db: str, pool: AsyncConnectionPool[AsyncConnection[Any]]
    ) -> None:
        """Twilio's second delivery landing in the first one's batch: one text, one task, and
        the repeat answered with the first text; a repeat of an older text as well."""
        store = PostgresInboundStore(pool, queue=TASK_QUEUE)
        older, _ = await store.store_and_queue(_message("SMolder"))
        first, second, again, other = (
            _message("SMtwice"),
            _message("SMtwice", "x"),
            *(
                _message("SMolder", "y"),
                _message("SMother"),
            ),
        )
        results = await asyncio.gather(
            *(store.store_and_queue(m) for m in (first, second, again, other))
        )
        assert [(first, True), (first, False), (older, False), (other, True)] == results
        messages, jobs = _rows(db)
        assert (3, 3) == (len(messages), len(jobs))

    async def test_a_text_postgresql_refuses_fails_alone(
        self, db: str, pool: AsyncConnectionPool[AsyncConnection[Any]]
    ) -> None:
        """A value the database cannot store fails its own request; the texts that shared
        its batch are stored and queued all the same."""
        store = PostgresInboundStore(pool, queue=TASK_QUEUE)
        good = [_message(f"SMgood{n}") for n in range(3)]
        bad = _message("SMbad", body="nul \x00 byte")
        results = await asyncio.gather(
            *(store.store_and_queue(m) for m in (good[0], bad, *good[1:])),
            return_exceptions=True,
        )
        assert isinstance(results[1], InvalidInput)
        assert [(m, True) for m in good] == [results[0], *results[2:]]
        messages, jobs = _rows(db)
        assert {m.sid for m in good} == {sid for _, sid, _ in messages}
        assert 3 == len(jobs)

    async def test_a_failed_commit_fails_every_text_in_it(
        self, db: str, pool: AsyncConnectionPool[AsyncConnection[Any]]
    ) -> None:
        """When the queue refuses, no text of the batch is answered as stored, none kept."""
        store = PostgresInboundStore(pool, queue=TASK_QUEUE)
        with queue_refusing(db):
            results = await asyncio.gather(
                *(store.store_and_queue(_message(f"SMf{n}")) for n in range(4)),
                return_exceptions=True,
            )
        assert all(isinstance(r, psycopg.Error) for r in results)
        assert ([], []) == _rows(db)

    async def test_no_connection_fails_the_batch_at_once(self, db: str) -> None:
        """The database out of reach (here: no free connection): every text of the batch is
        refused after one wait, not text by text (Twilio would have given up long before)."""
        async with one_connection_pool(db, wait_for_connection=0.2) as pool:
            store = PostgresInboundStore(pool, queue=TASK_QUEUE)
            async with pool.connection():
                results = await asyncio.gather(
                    *(store.store_and_queue(_message(f"SMx{n}")) for n in range(4)),
                    return_exceptions=True,
                )
            assert all(isinstance(r, PoolTimeout) for r in results)
            assert 1 == pool.get_stats().get("requests_errors")
        assert ([], []) == _rows(db)

    async def test_a_caller_that_goes_away_does_not_lose_the_text(
        self, db: str, pool: AsyncConnectionPool[AsyncConnection[Any]]
    ) -> None:
        """The client hung up while its text waited: the text is stored and queued anyway,
        and the texts behind it are answered."""
        store = PostgresInboundStore(pool, queue=TASK_QUEUE)
        gone = asyncio.create_task(store.store_and_queue(_message("SMgone")))
        await asyncio.sleep(0)
        gone.cancel()
        _, created = await store.store_and_queue(_message("SMstays"))
        await store.aclose()
        assert gone.cancelled()
        assert created
        messages, jobs = _rows(db)
        assert {"SMgone", "SMstays"} == {sid for _, sid, _ in messages}
        assert 2 == len(jobs)

    async def test_an_interrupted_writer_leaves_no_caller_waiting(self, db: str) -> None:
        """The writer cancelled (the event loop shutting down) while its batch waits for a
        connection: every caller gets an error, none waits for ever, nothing is half-kept."""
        async with one_connection_pool(db) as pool:
            store = PostgresInboundStore(pool, queue=TASK_QUEUE, max_batch=2)
            async with pool.connection():
                calls = [
                    asyncio.create_task(store.store_and_queue(_message(f"SMi{n}")))
                    for n in range(3)
                ]
                await asyncio.sleep(0.05)  # the writer has started, waiting for a connection
                assert store._running
                for writer in list(store._running):
                    writer.cancel()
                done, pending = await asyncio.wait(calls, timeout=5)
            assert not pending
            for call in done:
                with pytest.raises(RuntimeError, match="interrupted"):
                    call.result()
        assert ([], []) == _rows(db)

    async def test_a_closed_store_refuses_texts_after_finishing_its_writes(
        self, db: str, pool: AsyncConnectionPool[AsyncConnection[Any]]
    ) -> None:
        """Closing waits for the texts in flight (stored), then refuses new ones."""
        store = PostgresInboundStore(pool, queue=TASK_QUEUE)
        last = _message("SMlast")
        in_flight = asyncio.create_task(store.store_and_queue(last))
        await asyncio.sleep(0)
        await store.aclose()
        assert in_flight.done()
        assert (last, True) == in_flight.result()
        with pytest.raises(RuntimeError, match="closed"):
            await store.store_and_queue(_message("SMlate"))

    async def test_two_processes_racing_store_each_text_once(
        self, db: str, pool: AsyncConnectionPool[AsyncConnection[Any]]
    ) -> None:
        """Two stores (two web processes) with two writers each, the same forty deliveries
        on both: forty texts, forty tasks, each created exactly once."""
        stores = [PostgresInboundStore(pool, queue=TASK_QUEUE, writers=2) for _ in range(2)]
        calls = [
            store.store_and_queue(_message(f"SMrace{n}")) for n in range(40) for store in stores
        ]
        results = await asyncio.gather(*calls)
        created = [stored.sid for stored, new in results if new]
        assert sorted(f"SMrace{n}" for n in range(40)) == sorted(created)
        messages, jobs = _rows(db)
        assert (40, 40) == (len(messages), len(jobs))


def _worker(url: str, *, heartbeat_age: str = "0 seconds") -> int:
    """A procrastinate worker row, its last heartbeat ``heartbeat_age`` ago."""
    with psycopg.connect(url, autocommit=True) as conn:
        row = conn.execute(
            "INSERT INTO procrastinate_workers (last_heartbeat) VALUES (now() - %s::interval)"
            " RETURNING id",
            (heartbeat_age,),
        ).fetchone()
    assert row is not None
    return int(row[0])


def _set_job(url: str, message_id: str, status: str, worker_id: int | None = None) -> None:
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(
            "UPDATE procrastinate_jobs SET status = %s, worker_id = %s"
            " WHERE args->>'message_id' = %s",
            (status, worker_id, message_id),
        )


@pytest.fixture
async def task_app(pool: AsyncConnectionPool[AsyncConnection[Any]], db: str) -> App:
    app = build_task_app(db, ServicesRef())
    await app.open_async(pool=pool)
    return app


class TestNotQueued:
    """What the minute's re-queue asks the queue: which texts have no parse task left."""

    async def test_only_texts_without_a_live_task_are_reported(
        self, db: str, pool: AsyncConnectionPool[AsyncConnection[Any]], task_app: App
    ) -> None:
        """A todo task counts, and a running one whose worker is alive; a failed one, one
        whose worker died, or none at all does not. The answer keeps the order asked in."""
        queue = ProcrastinateQueue(task_app)
        store = PostgresInboundStore(pool, queue=TASK_QUEUE)
        texts = [_message(f"SMq{n}") for n in range(5)]
        for text in texts:
            await store.store_and_queue(text)
        todo, running, orphaned, failed, gone = (str(t.id) for t in texts)
        _set_job(db, running, "doing", _worker(db))
        _set_job(db, orphaned, "doing", _worker(db, heartbeat_age="5 minutes"))
        _set_job(db, failed, "failed")
        with psycopg.connect(db, autocommit=True) as conn:
            conn.execute("DELETE FROM procrastinate_jobs WHERE args->>'message_id' = %s", (gone,))
        asked = [ParseMessage(UUID(m)) for m in (gone, todo, failed, running, orphaned)]
        assert [
            ParseMessage(UUID(gone)),
            ParseMessage(UUID(failed)),
            ParseMessage(UUID(orphaned)),
        ] == await queue.not_queued(asked)
        assert [] == await queue.not_queued([])
        # Another task's jobs are not this task's, even for the same id.
        assert [SendSms(UUID(todo))] == await queue.not_queued([SendSms(UUID(todo))])


class TestStalledTasks:
    async def test_the_task_of_a_dead_worker_is_queued_again(
        self, db: str, pool: AsyncConnectionPool[AsyncConnection[Any]], task_app: App
    ) -> None:
        """A worker killed mid-task leaves its job "doing"; once its heartbeat is stale (or
        the worker is gone) the job is todo again. A live worker's job is left running."""
        store = PostgresInboundStore(pool, queue=TASK_QUEUE)
        texts = [_message(f"SMst{n}") for n in range(3)]
        for text in texts:
            await store.store_and_queue(text)
        alive, dead, pruned = (str(t.id) for t in texts)
        _set_job(db, alive, "doing", _worker(db))
        _set_job(db, dead, "doing", _worker(db, heartbeat_age="5 minutes"))
        _set_job(db, pruned, "doing", None)
        assert 2 == await retry_stalled(task_app)
        with psycopg.connect(db) as conn:
            statuses = dict(
                conn.execute(
                    "SELECT args->>'message_id', status::text FROM procrastinate_jobs"
                ).fetchall()
            )
        assert {alive: "doing", dead: "todo", pruned: "todo"} == statuses


async def _add_with_task(
    uow_factory: PostgresUnitOfWorkFactory, sid: str, *, fail: bool = False
) -> None:
    async with uow_factory() as uow:
        await uow.messages.add(_message(sid))
        uow.tasks.add(SendSms(uuid4()))
        if fail:
            raise RuntimeError("the change failed")


class TestUnitOfWorkTasks:
    async def test_tasks_added_in_a_committed_unit_of_work_are_queued(
        self, db: str, pool: AsyncConnectionPool[AsyncConnection[Any]]
    ) -> None:
        """Two tasks added with a change: both written, in order, on the configured queue."""
        uow_factory = PostgresUnitOfWorkFactory(pool, task_queue=TASK_QUEUE)
        message = _message("SMuow1")
        first, second = uuid4(), uuid4()
        async with uow_factory() as uow:
            await uow.messages.add(message)
            uow.tasks.add(SendSms(first))
            uow.tasks.add(SendSms(second))
        with psycopg.connect(db) as conn:
            rows = conn.execute(
                "SELECT queue_name, task_name, args FROM procrastinate_jobs ORDER BY id"
            ).fetchall()
        assert [
            (TASK_QUEUE, "send_sms", {"outbox_id": str(first)}),
            (TASK_QUEUE, "send_sms", {"outbox_id": str(second)}),
        ] == rows

    async def test_a_rolled_back_unit_of_work_queues_nothing(
        self, db: str, pool: AsyncConnectionPool[AsyncConnection[Any]]
    ) -> None:
        """An error after the task was added: neither the change nor the task remains."""
        uow_factory = PostgresUnitOfWorkFactory(pool, task_queue=TASK_QUEUE)
        with pytest.raises(RuntimeError):
            await _add_with_task(uow_factory, "SMuow2", fail=True)
        assert ([], []) == _rows(db)

    async def test_a_task_that_cannot_be_written_undoes_the_change(
        self, db: str, pool: AsyncConnectionPool[AsyncConnection[Any]]
    ) -> None:
        """Written at commit: if the queue refuses it, the change is rolled back with it."""
        uow_factory = PostgresUnitOfWorkFactory(pool, task_queue=TASK_QUEUE)
        with queue_refusing(db), pytest.raises(psycopg.Error, match="queue unavailable"):
            await _add_with_task(uow_factory, "SMuow3")
        assert ([], []) == _rows(db)
