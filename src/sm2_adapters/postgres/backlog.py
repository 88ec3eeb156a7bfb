"""The texts waiting for their parse, handed out in batches, on procrastinate's own queue.

Each received text has its ``parse_message`` job (receipt writes both in one statement). A
lease marks the oldest due ones that never ran, skipping rows another worker has locked: they
stay ``todo`` but are scheduled ``seconds`` ahead, so neither procrastinate's fetch nor
another lease takes them meanwhile, and ``attempts = 1`` so that once due again (the worker
died, or the text failed) each runs on its own, with procrastinate's retries. The unit of work
that writes the batch's outcome deletes them: gone if and only if that outcome committed.

The jobs of a text are found by their argument through ``PARSE_TASK_INDEX``, an index on
procrastinate's table that ``sm2_adapters.tasks.install_schema`` creates with its schema.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from time import monotonic
from typing import Any
from uuid import UUID

from psycopg import AsyncConnection
from psycopg.rows import dict_row

from sm2_adapters.postgres.mapping import to_entity
from sm2_adapters.postgres.records import fetch_dicts
from sm2_core.domain.records import InboundMessage, MessageStatus
from sm2_core.errors import NotFound
from sm2_core.tasks import PARSE_MESSAGE

(_ARGUMENT,) = PARSE_MESSAGE.argument_names
_TASK = PARSE_MESSAGE.name
#: The parse jobs by their text's id: what ``hold`` deletes, without a walk of the queue.
PARSE_TASK_INDEX = (
    f"CREATE INDEX IF NOT EXISTS sm2_parse_task_message ON procrastinate_jobs"
    f" ((args->>'{_ARGUMENT}')) WHERE task_name = '{_TASK}'"
)

# ``ORDER BY priority DESC, id`` is procrastinate's own order (and its partial index's):
# texts are parsed in the order they came.
_LEASE = f"""
WITH due AS (
    SELECT id FROM procrastinate_jobs
    WHERE status = 'todo' AND queue_name = %(queue)s AND task_name = '{_TASK}'
      AND attempts = 0 AND (scheduled_at IS NULL OR scheduled_at <= now())
      AND (args->>'{_ARGUMENT}') <> %(first)s::text
    ORDER BY priority DESC, id
    LIMIT %(more)s
    FOR UPDATE SKIP LOCKED
), leased AS (
    UPDATE procrastinate_jobs AS job
    SET scheduled_at = now() + make_interval(secs => %(seconds)s), attempts = 1
    FROM due WHERE job.id = due.id
    RETURNING job.id, (job.args->>'{_ARGUMENT}')::uuid AS message_id
), batch AS (
    SELECT 0::bigint AS position, %(first)s::uuid AS message_id
    UNION ALL
    SELECT id, message_id FROM leased
)
SELECT message.* FROM batch JOIN inbound_messages AS message ON message.id = batch.message_id
ORDER BY batch.position
"""

# In id order: two units of work holding some of the same texts wait for each other in the
# same order, never in a deadlock.
_HOLD = "SELECT * FROM inbound_messages WHERE id = ANY(%s) ORDER BY id FOR UPDATE"
_DONE = (
    f"DELETE FROM procrastinate_jobs WHERE task_name = '{_TASK}' AND status = 'todo'"
    f" AND (args->>'{_ARGUMENT}') = ANY(%s)"
)


#: Seconds between two refreshes of the queue's statistics by one process (``QueueStatistics``).
STATISTICS_EVERY = 10.0


class QueueStatistics:
    """Keeps PostgreSQL's statistics of procrastinate's table current through a burst.

    A burst fills the table faster than autovacuum reads it again (a minute at best, never
    where autovacuum is off). Planned for the near-empty table the statistics still describe,
    procrastinate's fetch of a task read and sorted every waiting task, a few milliseconds per
    thousand; and as the parses fell behind the backlog grew: a 15,000-text burst took 23 s
    end to end, once four minutes, where it takes 12 s with this (docs/performance.md). With
    current statistics the fetch reads its index in order and stops at the first task, whatever
    the backlog.

    So a lease that finds a backlog (a full batch) analyzes the table, at most every
    ``every`` seconds per process: about 60 ms. ``SKIP_LOCKED``: when autovacuum or another
    worker is already at it, this one does not wait.
    """

    def __init__(self, *, every: float = STATISTICS_EVERY, clock: Callable[[], float] = monotonic):
        self._every = every
        self._clock = clock
        self._last = float("-inf")

    async def refresh(self, conn: AsyncConnection[Any]) -> None:
        now = self._clock()
        if now - self._last < self._every:
            return
        self._last = now
        await conn.execute("ANALYZE (SKIP_LOCKED) procrastinate_jobs")


class PostgresParseBacklog:
    """The ``ParseBacklog`` port on a unit of work's connection."""

    def __init__(self, conn: AsyncConnection[Any], queue: str, statistics: QueueStatistics) -> None:
        self._conn = conn
        self._queue = queue
        self._statistics = statistics

    async def lease(self, message_id: UUID, *, more: int, seconds: float) -> list[InboundMessage]:
        rows = await fetch_dicts(
            self._conn,
            _LEASE,
            {"queue": self._queue, "more": max(more, 0), "seconds": seconds, "first": message_id},
        )
        if more > 0 and len(rows) > more:
            await self._statistics.refresh(self._conn)
        texts: dict[UUID, InboundMessage] = {}
        for row in rows:
            # A text queued twice (its parse queued again) comes once.
            texts.setdefault(row["id"], to_entity(row, InboundMessage))
        if next(iter(texts), None) != message_id:
            # Raised inside the unit of work: the lease rolls back with it.
            raise NotFound("message", message_id)
        # A leased job whose text is gone is not in the answer; its own run fails later, as
        # it would have.
        return list(texts.values())

    async def hold(self, message_ids: Sequence[UUID]) -> list[InboundMessage]:
        if not message_ids:
            return []
        ids = list(message_ids)
        # Both in one round trip; the jobs are deleted after the locks are taken, so only
        # once their texts are this unit's to write.
        async with self._conn.pipeline(), self._conn.cursor(row_factory=dict_row) as cur:
            await cur.execute(_HOLD, (ids,))
            await self._conn.execute(_DONE, ([str(i) for i in ids],))
            rows = await cur.fetchall()
        found = {row["id"]: to_entity(row, InboundMessage) for row in rows}
        waiting = MessageStatus.RECEIVED
        return [found[i] for i in ids if i in found and found[i].status is waiting]
