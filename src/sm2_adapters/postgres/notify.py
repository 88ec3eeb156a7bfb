"""Notices and their windows, push subscriptions and opt-outs on PostgreSQL."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from typing import Any
from uuid import UUID

from psycopg import AsyncConnection

from sm2_adapters.postgres.records import fetch_dicts
from sm2_core.domain.notices import Notice, NoticeKind, NoticeWindow, Recipient
from sm2_core.domain.push import PushSubscription
from sm2_core.domain.records import OptOut


class PostgresNoticeRepository:
    def __init__(self, conn: AsyncConnection[Any]) -> None:
        self._conn = conn

    async def add(self, notice: Notice) -> None:
        await self._conn.execute(
            "INSERT INTO notices (id, recipient, kind, job_id, created_at, outbox_id, sent_at)"
            " VALUES (%s, %s, %s, %s, %s, %s, %s)",
            (
                notice.id,
                notice.recipient.key,
                notice.kind.value,
                notice.job_id,
                notice.created_at,
                notice.outbox_id,
                notice.sent_at,
            ),
        )

    async def lock_window(self, recipient: Recipient) -> NoticeWindow | None:
        # A transaction-scoped advisory lock on the recipient serialises the callers even
        # while no window row exists yet to lock.
        await self._conn.execute(
            "SELECT pg_advisory_xact_lock(hashtextextended(%s, 0))", ("notice:" + recipient.key,)
        )
        rows = await fetch_dicts(
            self._conn,
            "SELECT opened_at, closes_at, flush_queued FROM notice_windows WHERE recipient = %s",
            (recipient.key,),
        )
        if not rows:
            return None
        return NoticeWindow(recipient=recipient, **rows[0])

    async def save_window(self, window: NoticeWindow) -> None:
        await self._conn.execute(
            "INSERT INTO notice_windows (recipient, opened_at, closes_at, flush_queued)"
            " VALUES (%s, %s, %s, %s) ON CONFLICT (recipient) DO UPDATE SET"
            " opened_at = excluded.opened_at, closes_at = excluded.closes_at,"
            " flush_queued = excluded.flush_queued",
            (window.recipient.key, window.opened_at, window.closes_at, window.flush_queued),
        )

    async def pending(self, recipient: Recipient) -> list[Notice]:
        rows = await fetch_dicts(
            self._conn,
            "SELECT id, kind, job_id, created_at FROM notices"
            " WHERE recipient = %s AND sent_at IS NULL"
            " ORDER BY seq FOR UPDATE SKIP LOCKED",
            (recipient.key,),
        )
        return [
            Notice(
                id=r["id"],
                recipient=recipient,
                kind=NoticeKind(r["kind"]),
                job_id=r["job_id"],
                created_at=r["created_at"],
            )
            for r in rows
        ]

    async def mark_sent(
        self, notice_ids: Sequence[UUID], *, outbox_id: UUID | None, at: datetime
    ) -> None:
        await self._conn.execute(
            "UPDATE notices SET outbox_id = %s, sent_at = %s WHERE id = ANY(%s)",
            (outbox_id, at, list(notice_ids)),
        )

    async def claim_summary(self, day: date, *, at: datetime) -> bool:
        cur = await self._conn.execute(
            "INSERT INTO daily_summaries (day, sent_at) VALUES (%s, %s)"
            " ON CONFLICT (day) DO NOTHING",
            (day, at),
        )
        return cur.rowcount == 1


class PostgresPushSubscriptionRepository:
    def __init__(self, conn: AsyncConnection[Any]) -> None:
        self._conn = conn

    async def save(self, subscription: PushSubscription) -> PushSubscription:
        s = subscription
        rows = await fetch_dicts(
            self._conn,
            "INSERT INTO push_subscriptions"
            " (id, technician_id, endpoint, p256dh, auth, created_at, user_agent)"
            " VALUES (%s, %s, %s, %s, %s, %s, %s) ON CONFLICT (endpoint) DO UPDATE SET"
            " technician_id = excluded.technician_id, p256dh = excluded.p256dh,"
            " auth = excluded.auth, user_agent = excluded.user_agent"
            " RETURNING *",
            (s.id, s.technician_id, s.endpoint, s.p256dh, s.auth, s.created_at, s.user_agent),
        )
        return PushSubscription(**rows[0])

    async def for_technician(self, technician_id: UUID) -> list[PushSubscription]:
        rows = await fetch_dicts(
            self._conn,
            "SELECT * FROM push_subscriptions WHERE technician_id = %s ORDER BY created_at, id",
            (technician_id,),
        )
        return [PushSubscription(**r) for r in rows]

    async def remove(self, endpoint: str, *, technician_id: UUID | None = None) -> bool:
        cur = await self._conn.execute(
            "DELETE FROM push_subscriptions WHERE endpoint = %s"
            " AND (%s::uuid IS NULL OR technician_id = %s::uuid)",
            (endpoint, technician_id, technician_id),
        )
        return cur.rowcount > 0


class PostgresOptOutRepository:
    def __init__(self, conn: AsyncConnection[Any]) -> None:
        self._conn = conn

    async def get(self, phone: str) -> OptOut | None:
        rows = await fetch_dicts(
            self._conn, "SELECT phone, since, source FROM opt_outs WHERE phone = %s", (phone,)
        )
        return OptOut(**rows[0]) if rows else None

    async def add(self, opt_out: OptOut) -> None:
        await self._conn.execute(
            "INSERT INTO opt_outs (phone, since, source) VALUES (%s, %s, %s)"
            " ON CONFLICT (phone) DO NOTHING",
            (opt_out.phone, opt_out.since, opt_out.source),
        )

    async def remove(self, phone: str) -> bool:
        cur = await self._conn.execute("DELETE FROM opt_outs WHERE phone = %s", (phone,))
        return cur.rowcount > 0
