"""Conversations on PostgreSQL: inbound texts by sender and the outbox by recipient, per number.

The list never scans the message tables: the distinct numbers are walked through the indexes on
``(from_number, received_at)`` and ``(to_number, created_at)`` one number at a time (a "loose
index scan", which PostgreSQL does not plan by itself), each number's newest time is read at the
end of its index range, and only the page's rows get their last text, dealership and unread
count. The cost grows with the number of conversations, not with the number of texts.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

from psycopg import AsyncConnection

from sm2_adapters.cursor import decode_time_text_cursor, encode_time_text_cursor
from sm2_adapters.postgres.mapping import to_entity
from sm2_adapters.postgres.records import fetch_dicts
from sm2_core.domain.conversations import Conversation, Direction, JobRef, ThreadMessage
from sm2_core.domain.records import InboundMessage, MessageStatus, OutboundKind, OutboundStatus
from sm2_core.errors import InvalidInput
from sm2_core.paging import MAX_LIMIT
from sm2_core.ports import Page

# Numbers sort byte by byte (COLLATE "C"), as in the memory fake; they are compared for equality
# in the database's collation, which the phone indexes are built in.
_LATEST = """
WITH RECURSIVE senders(phone) AS (
    (SELECT from_number FROM inbound_messages ORDER BY from_number LIMIT 1)
    UNION ALL
    SELECT (SELECT m.from_number FROM inbound_messages m
            WHERE m.from_number > s.phone ORDER BY m.from_number LIMIT 1)
    FROM senders s WHERE s.phone IS NOT NULL
), recipients(phone) AS (
    (SELECT to_number FROM outbound_sms ORDER BY to_number LIMIT 1)
    UNION ALL
    SELECT (SELECT o.to_number FROM outbound_sms o
            WHERE o.to_number > r.phone ORDER BY o.to_number LIMIT 1)
    FROM recipients r WHERE r.phone IS NOT NULL
), latest AS (
    SELECT phone, max(at) AS last_at FROM (
        SELECT s.phone, (SELECT max(m.received_at) FROM inbound_messages m
                         WHERE m.from_number = s.phone) AS at
        FROM senders s WHERE s.phone IS NOT NULL
        UNION ALL
        SELECT r.phone, (SELECT max(o.created_at) FROM outbound_sms o
                         WHERE o.to_number = r.phone)
        FROM recipients r WHERE r.phone IS NOT NULL
    ) per_table GROUP BY phone
), page AS (
    SELECT phone, last_at FROM latest
    WHERE %(after_at)s::timestamptz IS NULL
       OR last_at < %(after_at)s
       OR (last_at = %(after_at)s AND phone COLLATE "C" > %(after_phone)s)
    ORDER BY last_at DESC, phone COLLATE "C"
    LIMIT %(limit)s
)
SELECT p.phone, p.last_at, d.id AS dealership_id, d.name AS dealership_name,
       (SELECT b.body FROM (
            (SELECT m.body, m.received_at AS at, 0 AS direction, m.id FROM inbound_messages m
             WHERE m.from_number = p.phone ORDER BY m.received_at DESC, m.id DESC LIMIT 1)
            UNION ALL
            (SELECT o.body, o.created_at, 1, o.id FROM outbound_sms o
             WHERE o.to_number = p.phone ORDER BY o.created_at DESC, o.id DESC LIMIT 1)
        ) b ORDER BY b.at DESC, b.direction DESC, b.id DESC LIMIT 1) AS last_body,
       (SELECT count(*) FROM inbound_messages m
        WHERE m.from_number = p.phone
          AND m.received_at > coalesce(r.read_at, '-infinity')) AS unread
FROM page p
LEFT JOIN dealerships d ON d.phone = p.phone
LEFT JOIN conversation_reads r ON r.phone = p.phone
ORDER BY p.last_at DESC, p.phone COLLATE "C"
"""

# Both halves walk their phone index; a limit takes the newest rows of each, then of both.
_THREAD = """
SELECT * FROM (
    (SELECT m.id, 'in' AS direction, m.body, m.received_at AS at, m.status, NULL AS kind,
            m.job_ids, NULL AS sent_by, NULL AS error_code, m.dealership_id
     FROM inbound_messages m WHERE m.from_number = %(phone)s
     ORDER BY m.received_at DESC, m.id DESC LIMIT %(limit)s)
    UNION ALL
    (SELECT o.id, 'out', o.body, o.created_at, o.status, o.kind,
            CASE WHEN cardinality(o.job_ids) > 0 OR o.job_id IS NULL THEN o.job_ids
                 ELSE ARRAY[o.job_id] END,
            o.sent_by, o.error_code, o.dealership_id
     FROM outbound_sms o WHERE o.to_number = %(phone)s
     ORDER BY o.created_at DESC, o.id DESC LIMIT %(limit)s)
) t
ORDER BY at DESC, direction DESC, id DESC
LIMIT %(limit)s
"""


class PostgresConversationRepository:
    def __init__(self, conn: AsyncConnection[Any]) -> None:
        self._conn = conn

    async def page(self, *, limit: int, cursor: str | None = None) -> Page[Conversation]:
        if not 1 <= limit <= MAX_LIMIT:
            raise InvalidInput(
                f"limit must be between 1 and {MAX_LIMIT}", fields={"limit": "out of range"}
            )
        after_at, after_phone = decode_time_text_cursor(cursor) if cursor else (None, None)
        rows = await fetch_dicts(
            self._conn,
            _LATEST,
            {"after_at": after_at, "after_phone": after_phone, "limit": limit + 1},
        )
        items = tuple(Conversation(**r) for r in rows[:limit])
        more = len(rows) > limit
        last = items[-1] if items else None
        return Page(
            items=items,
            next_cursor=encode_time_text_cursor(last.last_at, last.phone)
            if more and last is not None
            else None,
        )

    async def thread(self, phone: str, *, limit: int | None = None) -> list[ThreadMessage]:
        # LIMIT NULL is no limit.
        rows = await fetch_dicts(self._conn, _THREAD, {"phone": phone, "limit": limit})
        rows.reverse()
        codes = await self._codes({i for r in rows for i in r["job_ids"]})
        return [_message(r, codes) for r in rows]

    async def _codes(self, job_ids: set[UUID]) -> dict[UUID, str]:
        if not job_ids:
            return {}
        rows = await fetch_dicts(
            self._conn,
            "SELECT id, job_code FROM jobs WHERE id = ANY(%s)",
            (list(job_ids),),
        )
        return {r["id"]: r["job_code"] for r in rows}

    async def latest_inbound(self, phone: str) -> InboundMessage | None:
        rows = await fetch_dicts(
            self._conn,
            "SELECT * FROM inbound_messages WHERE from_number = %s"
            " ORDER BY received_at DESC, id DESC LIMIT 1",
            (phone,),
        )
        return to_entity(rows[0], InboundMessage) if rows else None

    async def mark_read(self, phone: str, *, at: datetime) -> bool:
        cur = await self._conn.execute(
            "INSERT INTO conversation_reads (phone, read_at) VALUES (%s, %s)"
            " ON CONFLICT (phone) DO UPDATE SET read_at = excluded.read_at"
            " WHERE conversation_reads.read_at < excluded.read_at",
            (phone, at),
        )
        return cur.rowcount > 0


def _message(row: dict[str, Any], codes: dict[UUID, str]) -> ThreadMessage:
    inbound = row["direction"] == "in"
    return ThreadMessage(
        id=row["id"],
        direction=Direction(row["direction"]),
        body=row["body"],
        at=row["at"],
        status=MessageStatus(row["status"]) if inbound else OutboundStatus(row["status"]),
        kind=None if inbound else OutboundKind(row["kind"]),
        jobs=tuple(JobRef(i, codes[i]) for i in row["job_ids"] if i in codes),
        sent_by=row["sent_by"],
        error_code=row["error_code"],
        dealership_id=row["dealership_id"],
    )
