"""Receipt of a text on PostgreSQL: the message and its parse task in one statement.

One statement is one round trip and its own transaction: the text and its task commit together
or not at all, so no text is ever stored without a task to parse it, and the webhook waits on a
single commit before Twilio gets its 200.
"""

from __future__ import annotations

from typing import Any

from psycopg import AsyncConnection
from psycopg_pool import AsyncConnectionPool

from sm2_adapters.postgres.errors import translated
from sm2_adapters.postgres.mapping import to_entity
from sm2_adapters.postgres.queue import JOB_ROW
from sm2_adapters.postgres.records import MESSAGE_COLUMNS, fetch_dicts, message_params
from sm2_core.domain.records import InboundMessage

#: The job is written by procrastinate's own defer function (see ``queue``) in this statement.
_STORE_AND_QUEUE = f"""
WITH stored AS (
    INSERT INTO inbound_messages ({", ".join(MESSAGE_COLUMNS)})
    VALUES ({", ".join(["%s"] * len(MESSAGE_COLUMNS))})
    ON CONFLICT (sid) DO NOTHING
    RETURNING id
), queued AS (
    SELECT procrastinate_defer_jobs_v1(ARRAY[{
    JOB_ROW.format(queue="%s", task="%s", args="jsonb_build_object('message_id', stored.id::text)")
}]) AS job_ids
    FROM stored
)
SELECT stored.id FROM stored, queued
"""


class PostgresInboundStore:
    def __init__(self, pool: AsyncConnectionPool[AsyncConnection[Any]], *, queue: str) -> None:
        self._pool = pool
        self._queue = queue

    async def store_and_queue(
        self, message: InboundMessage, *, task: str
    ) -> tuple[InboundMessage, bool]:
        params = (*message_params(message), self._queue, task)
        async with self._pool.connection() as conn:
            async with translated("message"):
                cur = await conn.execute(_STORE_AND_QUEUE, params)
                inserted = await cur.fetchone()
            if inserted:
                # Stored as given: no need to read back and decode what was just written.
                return message, True
            # A repeated delivery: the first one's text, nothing queued again.
            rows = await fetch_dicts(
                conn, "SELECT * FROM inbound_messages WHERE sid = %s", (message.sid,)
            )
        return to_entity(rows[0], InboundMessage), False
