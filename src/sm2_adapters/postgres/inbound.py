"""Receipt of texts on PostgreSQL: each text and its parse task in one statement, group-committed.

A text's 200 waits on a commit that holds the text and its parse task together, so no text is
ever stored without a task to parse it. The commit, not the rows, is what costs: PostgreSQL
spends several times more CPU on a lone one-row INSERT than on each row of a batch
(``bench/receipt_statement.py``; figures in docs/performance.md). So texts that arrive while a
write is in flight wait for it to end and then go together in the next statement (group
commit). Nothing is added when the database keeps up: a text that finds no write in flight goes
at once, alone. Under a burst the batches grow by themselves, which is exactly when the saved
CPU matters.
"""

from __future__ import annotations

import asyncio
from typing import Any

import attrs
from psycopg import AsyncConnection
from psycopg_pool import AsyncConnectionPool

from sm2_adapters.postgres.errors import translated
from sm2_adapters.postgres.mapping import to_entity
from sm2_adapters.postgres.queue import JOB_ROW
from sm2_adapters.postgres.records import MESSAGE_COLUMNS, fetch_dicts, message_params
from sm2_core.domain.records import InboundMessage
from sm2_core.errors import AlreadyExists, InvalidInput
from sm2_core.tasks import FETCH_MEDIA, PARSE_MESSAGE

#: PostgreSQL type of each of ``MESSAGE_COLUMNS``, for ``unnest``: one statement text whatever
#: the batch size, so it is prepared once. ``job_ids`` travels as an array literal (``unnest``
#: cannot take an array of arrays of different lengths).
_COLUMN_TYPES = {
    "id": "uuid",
    "sid": "text",
    "from_number": "text",
    "to_number": "text",
    "body": "text",
    "received_at": "timestamptz",
    "status": "text",
    "dealership_id": "uuid",
    "job_ids": "text",
    "parser": "text",
    "parse_confidence": "float8",
    "num_media": "int4",
    "language": "text",
    "media": "jsonb",
}
assert tuple(_COLUMN_TYPES) == MESSAGE_COLUMNS

_COLUMNS = ", ".join(MESSAGE_COLUMNS)
_INSERTED = ", ".join("job_ids::uuid[]" if c == "job_ids" else c for c in MESSAGE_COLUMNS)

#: The parse task's arguments, built from the stored text's id as the registry encodes them.
(_ARGUMENT,) = PARSE_MESSAGE.argument_names
_PARSE_ARGS = f"jsonb_build_object('{_ARGUMENT}', stored.id::text)"
#: Each media item's fetch task's: the text's id and the item's (``item.ref``, one element of
#: the text's ``media`` column).
_MESSAGE_ARG, _MEDIA_ARG = FETCH_MEDIA.argument_names
_FETCH_ARGS = (
    f"jsonb_build_object('{_MESSAGE_ARG}', stored.id::text, '{_MEDIA_ARG}', item.ref->>'id')"
)
_PARSE_JOB = JOB_ROW.format(
    queue="%s", task="%s", priority=PARSE_MESSAGE.priority, args=_PARSE_ARGS, at="NULL"
)
_FETCH_JOB = JOB_ROW.format(
    queue="%s", task="%s", priority=FETCH_MEDIA.priority, args=_FETCH_ARGS, at="NULL"
)

#: The jobs are written by procrastinate's own defer function (see ``queue``) in this statement,
#: for each text actually inserted (a repeated ``sid`` is skipped by ON CONFLICT and gets none)
#: its parse and the fetch of each of its media items, in arrival order: the worker takes jobs
#: by id, so texts are parsed in the order they came.
_QUEUE_MANY = f"""
        SELECT {_PARSE_JOB}
        FROM stored JOIN incoming USING (id)
        ORDER BY incoming.arrival
"""
_QUEUE_MANY_WITH_MEDIA = f"""
        SELECT job FROM (
            SELECT incoming.arrival, 0 AS n, {_PARSE_JOB} AS job
            FROM stored JOIN incoming USING (id)
            UNION ALL
            SELECT incoming.arrival, item.n, {_FETCH_JOB}
            FROM stored JOIN incoming USING (id),
                jsonb_array_elements(stored.media) WITH ORDINALITY AS item(ref, n)
        ) AS jobs
        ORDER BY arrival, n
"""


def _store_many(queue_jobs: str) -> str:
    return f"""
WITH incoming AS (
    SELECT * FROM unnest({", ".join(f"%s::{t}[]" for t in _COLUMN_TYPES.values())})
        WITH ORDINALITY AS t({_COLUMNS}, arrival)
), stored AS (
    INSERT INTO inbound_messages ({_COLUMNS})
    -- In sid order: two batches holding the same sids (a repeat delivered to two processes)
    -- then wait on each other in the same order, never in a deadlock.
    SELECT {_INSERTED} FROM incoming ORDER BY sid
    ON CONFLICT (sid) DO NOTHING
    RETURNING id, media
), queued AS (
    SELECT procrastinate_defer_jobs_v1(ARRAY({queue_jobs})) AS job_ids
)
SELECT stored.id FROM stored, queued
"""


#: The same for a lone text, the common case below a few hundred texts a second: plain VALUES
#: cost PostgreSQL less than ``unnest`` and the join back to it (``bench/receipt_statement.py``).
_QUEUE_ONE = f"ARRAY[{_PARSE_JOB}]"
_QUEUE_ONE_WITH_MEDIA = f"""ARRAY[{_PARSE_JOB}] || ARRAY(
        SELECT {_FETCH_JOB}
        FROM jsonb_array_elements(stored.media) WITH ORDINALITY AS item(ref, n)
        ORDER BY item.n
    )"""


def _store_one(queue_jobs: str) -> str:
    return f"""
WITH stored AS (
    INSERT INTO inbound_messages ({_COLUMNS})
    VALUES ({", ".join(["%s"] * len(MESSAGE_COLUMNS))})
    ON CONFLICT (sid) DO NOTHING
    RETURNING id, media
), queued AS (
    SELECT procrastinate_defer_jobs_v1({queue_jobs}) AS job_ids
    FROM stored
)
SELECT stored.id FROM stored, queued
"""


#: Texts without media (nearly all) take the statements without the fetch part: it costs the
#: lone text's statement about a tenth more even when it finds nothing to fetch.
_STORE_MANY = _store_many(_QUEUE_MANY)
_STORE_MANY_WITH_MEDIA = _store_many(_QUEUE_MANY_WITH_MEDIA)
_STORE_ONE = _store_one(_QUEUE_ONE)
_STORE_ONE_WITH_MEDIA = _store_one(_QUEUE_ONE_WITH_MEDIA)


def _array_literal(values: tuple[Any, ...]) -> str:
    return "{" + ",".join(str(v) for v in values) + "}"


def receipt_statement(texts: list[InboundMessage], queue: str) -> tuple[str, tuple[Any, ...]]:
    """Receipt's statement and its parameters for texts of distinct sids, each with its parse
    task and its media items' fetch tasks."""
    rows = [message_params(message) for message in texts]
    media = any(message.media for message in texts)
    tasks = (queue, PARSE_MESSAGE.name, *((queue, FETCH_MEDIA.name) if media else ()))
    if len(texts) == 1:
        return (_STORE_ONE_WITH_MEDIA if media else _STORE_ONE), (*rows[0], *tasks)
    job_ids = MESSAGE_COLUMNS.index("job_ids")
    columns = [list(values) for values in zip(*rows, strict=True)]
    columns[job_ids] = [_array_literal(tuple(ids)) for ids in columns[job_ids]]
    return (_STORE_MANY_WITH_MEDIA if media else _STORE_MANY), (*columns, *tasks)


@attrs.define
class _Waiting:
    message: InboundMessage
    answer: asyncio.Future[tuple[InboundMessage, bool]]

    def settle(self, result: tuple[InboundMessage, bool]) -> None:
        if not self.answer.done():
            self.answer.set_result(result)

    def fail(self, error: BaseException) -> None:
        if not self.answer.done():
            self.answer.set_exception(error)


class PostgresInboundStore:
    """The ``InboundStore`` port: group commit of received texts and their parse tasks.

    ``writers`` statements may be in flight at once (each holds a pool connection);
    ``max_batch`` texts at most go in one.
    """

    def __init__(
        self,
        pool: AsyncConnectionPool[AsyncConnection[Any]],
        *,
        queue: str,
        writers: int = 1,
        max_batch: int = 64,
    ) -> None:
        self._pool = pool
        self._queue = queue
        self._writers = writers
        self._max_batch = max_batch
        self._waiting: list[_Waiting] = []
        self._running: set[asyncio.Task[None]] = set()
        self._closed = False

    async def store_and_queue(self, message: InboundMessage) -> tuple[InboundMessage, bool]:
        if self._closed:
            raise RuntimeError("receipt is closed")
        waiting = _Waiting(message, asyncio.get_running_loop().create_future())
        self._waiting.append(waiting)
        if len(self._running) < self._writers:
            writer = asyncio.create_task(self._write_while_waiting())
            self._running.add(writer)
        # A caller that goes away (the client hung up) cancels only its own wait: the writer
        # stores its text all the same, as it would have alone.
        return await waiting.answer

    async def aclose(self) -> None:
        """Refuse new texts and wait for the writes in flight (before the pool closes)."""
        self._closed = True
        while self._running:
            await asyncio.wait(set(self._running))

    async def _write_while_waiting(self) -> None:
        batch: list[_Waiting] = []
        try:
            while self._waiting:
                batch = self._waiting[: self._max_batch]
                del self._waiting[: self._max_batch]
                await self._write(batch)
        finally:
            # No await between the emptiness check and this: a text appended after it sees
            # this writer gone and starts another, so none is ever left waiting.
            current = asyncio.current_task()
            if current is not None:
                self._running.discard(current)
            # Only when this writer was cancelled (the loop shutting down): no caller may wait
            # for ever, neither its batch nor the texts no other writer will take.
            orphans = [*batch, *(self._waiting if not self._running else ())]
            for waiting in orphans:
                waiting.fail(RuntimeError("receipt was interrupted"))

    async def _write(self, batch: list[_Waiting]) -> None:
        try:
            await self._store(batch)
        except (InvalidInput, AlreadyExists) as error:
            if len(batch) == 1:
                batch[0].fail(error)
                return
            # One text's fault (a value PostgreSQL refuses) must not fail the others: each
            # goes alone, and only the one at fault gets the error.
            for waiting in batch:
                await self._write([waiting])
        except Exception as error:
            # The database itself (down, the pool exhausted, the queue refusing): every text
            # of the batch fails now, rather than each after its own wait.
            for waiting in batch:
                waiting.fail(error)

    async def _store(self, batch: list[_Waiting]) -> None:
        first: dict[str, _Waiting] = {}
        for waiting in batch:
            first.setdefault(waiting.message.sid, waiting)
        statement, params = receipt_statement([w.message for w in first.values()], self._queue)
        async with self._pool.connection() as conn, translated("message"):
            cur = await conn.execute(statement, params)
            inserted = {row[0] for row in await cur.fetchall()}
            repeated = {w.message.sid for w in first.values() if w.message.id not in inserted}
            stored = await self._stored(conn, repeated)
        for waiting in batch:
            original = first[waiting.message.sid]
            if original.message.id not in inserted:
                # A repeated delivery: the first one's text, nothing queued again.
                waiting.settle((stored[waiting.message.sid], False))
            else:
                # Stored as given (no need to read back what was just written); only the first
                # delivery of its sid in this batch is the one that created it.
                waiting.settle((original.message, waiting is original))

    @staticmethod
    async def _stored(conn: AsyncConnection[Any], sids: set[str]) -> dict[str, InboundMessage]:
        if not sids:
            return {}
        rows = await fetch_dicts(
            conn, "SELECT * FROM inbound_messages WHERE sid = ANY(%s)", (list(sids),)
        )
        return {row["sid"]: to_entity(row, InboundMessage) for row in rows}
