"""Reading the event log for live dashboards, across every process on one database.

Writers insert events in the transaction of their change (see records.PendingEvents) and send a
NOTIFY that carries nothing: it only wakes readers. Readers page through ``events`` in
``(xid, id)`` order, and only below the oldest transaction still running, so an event whose
transaction commits after a later-numbered one is delivered late but never skipped.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator
from typing import Any

import psycopg
from psycopg import AsyncConnection
from psycopg.rows import dict_row
from psycopg_pool import AsyncConnectionPool

from sm2_core.domain.records import DomainEvent, StoredEvent

log = logging.getLogger(__name__)

_READ = """
SELECT id, name, subject_id, occurred_at, data FROM events
WHERE (xid, id) > (coalesce((SELECT xid FROM events WHERE id = %(after)s), '0'::xid8),
                   %(after)s::bigint)
  AND xid < pg_snapshot_xmin(pg_current_snapshot())
ORDER BY xid, id
LIMIT %(limit)s
"""


# The last event in delivery order below the oldest transaction still running: every event
# before it is committed, so a reader starting after it misses none. The newest id would not do:
# a transaction still open (an older xid) commits its event later, and that event sorts before
# the newest one, where a reader that starts after the newest never looks. Events committed
# above the oldest running transaction may so be read again by a page that showed them already
# (late or twice, never lost). The newest id when no event is below it (a transaction older
# than the whole log): a fresh page would otherwise replay the log from its start.
_LAST = """
SELECT coalesce(
    (SELECT id FROM events WHERE xid < pg_snapshot_xmin(pg_current_snapshot())
     ORDER BY xid DESC, id DESC LIMIT 1),
    (SELECT max(id) FROM events),
    0)
"""


class PostgresEventFeed:
    """The ``EventFeed`` on the ``events`` table."""

    def __init__(self, pool: AsyncConnectionPool[AsyncConnection[Any]], url: str) -> None:
        self._pool = pool
        self._url = url

    async def read_after(self, last_id: int, *, limit: int = 500) -> list[StoredEvent]:
        """Events committed after event ``last_id`` (0: from the start), in delivery order."""
        async with self._pool.connection() as conn, conn.cursor(row_factory=dict_row) as cur:
            await cur.execute(_READ, {"after": last_id, "limit": limit})
            rows = await cur.fetchall()
        return [
            StoredEvent(
                id=row["id"],
                event=DomainEvent(
                    name=row["name"],
                    subject_id=row["subject_id"],
                    occurred_at=row["occurred_at"],
                    data=row["data"],
                ),
            )
            for row in rows
        ]

    async def last_id(self) -> int:
        async with self._pool.connection() as conn:
            cur = await conn.execute(_LAST)
            row = await cur.fetchone()
        return int(row[0]) if row else 0

    async def resumable(self, last_id: int) -> bool:
        """Event ``last_id`` is still in the table (ids are never reused): ``_READ`` can place
        it. An id it cannot find would read as the start of the log."""
        if last_id == 0:
            return True
        async with self._pool.connection() as conn:
            cur = await conn.execute(
                "SELECT EXISTS (SELECT 1 FROM events WHERE id = %s)", (last_id,)
            )
            row = await cur.fetchone()
        return bool(row and row[0])

    async def wakeups(self, *, poll_seconds: float = 1.0) -> AsyncIterator[None]:
        """Yields whenever events may have arrived: on NOTIFY, or every ``poll_seconds`` (events
        held back behind a long transaction show up on a later poll)."""
        while True:
            try:
                async with await AsyncConnection.connect(self._url, autocommit=True) as conn:
                    await conn.execute("LISTEN sm2_events")
                    while True:
                        yield None
                        with contextlib.suppress(TimeoutError):
                            async with asyncio.timeout(poll_seconds):
                                async for _ in conn.notifies():
                                    break
            except psycopg.OperationalError as exc:
                log.warning("event listener lost its connection (%s); retrying", exc)
                await asyncio.sleep(poll_seconds)
