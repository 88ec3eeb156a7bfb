"""Audit entries, inbound messages, the SMS outbox and the event log."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any
from uuid import UUID

from psycopg import AsyncConnection
from psycopg.rows import dict_row
from psycopg.types.json import Jsonb

from sm2_adapters.postgres.errors import translated
from sm2_adapters.postgres.mapping import to_entity
from sm2_adapters.postgres.rows import insert_many, update_many
from sm2_core.domain.records import (
    AuditEntry,
    DomainEvent,
    InboundMessage,
    OutboundKind,
    OutboundSms,
)
from sm2_core.errors import NotFound

_AUDIT_COLUMNS = (
    "id",
    "subject",
    "subject_id",
    "job_id",
    "action",
    "actor",
    "at",
    "old_values",
    "new_values",
)


async def fetch_dicts(
    conn: AsyncConnection[Any], query: str, params: Any, *, binary: bool = False
) -> list[dict[str, Any]]:
    """``binary``: the results in PostgreSQL's binary format (bytea as it is, not in hex)."""
    async with conn.cursor(row_factory=dict_row, binary=binary) as cur:
        await cur.execute(query, params)
        return await cur.fetchall()


class PostgresAuditRepository:
    def __init__(self, conn: AsyncConnection[Any]) -> None:
        self._conn = conn

    async def add(self, entry: AuditEntry) -> None:
        async with translated("audit entry"):
            await self._insert(entry)

    async def _insert(self, entry: AuditEntry) -> None:
        await self._conn.execute(
            "INSERT INTO audit_logs (id, subject, subject_id, job_id, action, actor, at,"
            " old_values, new_values) VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s)",
            (
                entry.id,
                entry.subject,
                entry.subject_id,
                entry.job_id,
                entry.action,
                entry.actor,
                entry.at,
                Jsonb(entry.old_values),
                Jsonb(entry.new_values),
            ),
        )

    async def add_many(self, entries: Sequence[AuditEntry]) -> None:
        rows = [{name: getattr(entry, name) for name in _AUDIT_COLUMNS} for entry in entries]
        async with translated("audit entry"):
            await insert_many(self._conn, "audit_logs", _AUDIT_COLUMNS, rows)

    async def for_subject(self, subject: str, subject_id: UUID) -> list[AuditEntry]:
        rows = await fetch_dicts(
            self._conn,
            "SELECT * FROM audit_logs WHERE subject = %s AND subject_id = %s ORDER BY at, seq",
            (subject, subject_id),
        )
        return [to_entity(r, AuditEntry) for r in rows]


MESSAGE_COLUMNS = (
    "id",
    "sid",
    "from_number",
    "to_number",
    "body",
    "received_at",
    "status",
    "dealership_id",
    "job_ids",
    "parser",
    "parse_confidence",
    "num_media",
    "language",
    "media",
)


def message_params(m: InboundMessage) -> tuple[Any, ...]:
    return (
        m.id,
        m.sid,
        m.from_number,
        m.to_number,
        m.body,
        m.received_at,
        m.status.value,
        m.dealership_id,
        list(m.job_ids),
        m.parser,
        m.parse_confidence,
        m.num_media,
        m.language.value if m.language else None,
        Jsonb(media_document(m)),
    )


def media_document(m: InboundMessage) -> list[dict[str, Any]]:
    """The text's media items as its ``media`` column (JSONB) keeps them."""
    return [{"id": str(r.id), "url": r.url, "content_type": r.content_type} for r in m.media]


class PostgresMessageRepository:
    def __init__(self, conn: AsyncConnection[Any]) -> None:
        self._conn = conn

    async def add(self, message: InboundMessage) -> tuple[InboundMessage, bool]:
        # ON CONFLICT makes a repeated delivery a no-op even when two arrive at once.
        async with translated("message"):
            rows = await self._insert(message)
        if rows:
            return to_entity(rows[0], InboundMessage), True
        existing = await fetch_dicts(
            self._conn, "SELECT * FROM inbound_messages WHERE sid = %s", (message.sid,)
        )
        return to_entity(existing[0], InboundMessage), False

    async def _insert(self, message: InboundMessage) -> list[dict[str, Any]]:
        return await fetch_dicts(
            self._conn,
            f"INSERT INTO inbound_messages ({', '.join(MESSAGE_COLUMNS)}) VALUES "
            f"({', '.join(['%s'] * len(MESSAGE_COLUMNS))}) ON CONFLICT (sid) DO NOTHING "
            "RETURNING *",
            message_params(message),
        )

    async def get(self, message_id: UUID, *, for_update: bool = False) -> InboundMessage:
        lock = " FOR UPDATE" if for_update else ""
        rows = await fetch_dicts(
            self._conn, f"SELECT * FROM inbound_messages WHERE id = %s{lock}", (message_id,)
        )
        if not rows:
            raise NotFound("message", message_id)
        return to_entity(rows[0], InboundMessage)

    async def update(self, message: InboundMessage) -> None:
        sets = ", ".join(f"{c} = %s" for c in MESSAGE_COLUMNS[1:])
        params = message_params(message)
        async with translated("message"):
            cur = await self._conn.execute(
                f"UPDATE inbound_messages SET {sets} WHERE id = %s", (*params[1:], params[0])
            )
        if cur.rowcount == 0:
            raise NotFound("message", message.id)

    async def update_many(self, messages: Sequence[InboundMessage]) -> None:
        rows = [dict(zip(MESSAGE_COLUMNS, message_params(m), strict=True)) for m in messages]
        async with translated("message"):
            found = await update_many(self._conn, "inbound_messages", MESSAGE_COLUMNS, rows)
        for message in messages:
            if message.id not in found:
                raise NotFound("message", message.id)

    async def waiting(self, *, received_before: datetime, limit: int = 100) -> list[InboundMessage]:
        rows = await fetch_dicts(
            self._conn,
            "SELECT * FROM inbound_messages WHERE status = 'RECEIVED' AND received_at < %s"
            " ORDER BY received_at LIMIT %s",
            (received_before, limit),
        )
        return [to_entity(r, InboundMessage) for r in rows]

    async def inbox(self, *, limit: int = 100) -> list[InboundMessage]:
        rows = await fetch_dicts(
            self._conn,
            "SELECT * FROM inbound_messages WHERE status IN ('UNMATCHED', 'NO_WORK')"
            " ORDER BY received_at DESC LIMIT %s",
            (limit,),
        )
        return [to_entity(r, InboundMessage) for r in rows]


_OUTBOX_COLUMNS = (
    "id",
    "to_number",
    "body",
    "status",
    "provider_sid",
    "error",
    "job_id",
    "created_at",
    "kind",
    "channel",
    "job_ids",
    "dealership_id",
    "technician_id",
    "error_code",
    "sent_at",
    "sent_by",
)
_OUTBOX_CHANGING = ("status", "provider_sid", "error", "channel", "error_code", "sent_at")


def _outbox_params(sms: OutboundSms) -> dict[str, Any]:
    job_ids = list(sms.job_ids) or ([sms.job_id] if sms.job_id else [])
    return {
        "id": sms.id,
        "to_number": sms.to_number,
        "body": sms.body,
        "status": sms.status.value,
        "provider_sid": sms.provider_sid,
        "error": sms.error,
        "job_id": sms.job_id or (job_ids[0] if job_ids else None),
        "created_at": sms.created_at,
        "kind": sms.kind.value,
        "channel": sms.channel.value,
        "job_ids": job_ids,
        "dealership_id": sms.dealership_id,
        "technician_id": sms.technician_id,
        "error_code": sms.error_code,
        "sent_at": sms.sent_at,
        "sent_by": sms.sent_by,
    }


class PostgresOutboxRepository:
    def __init__(self, conn: AsyncConnection[Any]) -> None:
        self._conn = conn

    async def add(self, sms: OutboundSms) -> None:
        async with translated("outbound SMS"):
            await self._conn.execute(
                f"INSERT INTO outbound_sms ({', '.join(_OUTBOX_COLUMNS)})"
                f" VALUES ({', '.join(f'%({c})s' for c in _OUTBOX_COLUMNS)})",
                _outbox_params(sms),
            )

    async def add_many(self, messages: Sequence[OutboundSms]) -> None:
        async with translated("outbound SMS"):
            await insert_many(
                self._conn, "outbound_sms", _OUTBOX_COLUMNS, [_outbox_params(m) for m in messages]
            )

    async def update(self, sms: OutboundSms) -> None:
        async with translated("outbound SMS"):
            cur = await self._conn.execute(
                "UPDATE outbound_sms SET "
                + ", ".join(f"{c} = %({c})s" for c in _OUTBOX_CHANGING)
                + " WHERE id = %(id)s",
                _outbox_params(sms),
            )
        if cur.rowcount == 0:
            raise NotFound("outbound SMS", sms.id)

    async def update_many(self, messages: Sequence[OutboundSms]) -> None:
        rows = [_outbox_params(m) for m in messages]
        async with translated("outbound SMS"):
            found = await update_many(self._conn, "outbound_sms", ("id", *_OUTBOX_CHANGING), rows)
        for message in messages:
            if message.id not in found:
                raise NotFound("outbound SMS", message.id)

    async def get(self, sms_id: UUID, *, for_update: bool = False) -> OutboundSms:
        lock = " FOR UPDATE" if for_update else ""
        rows = await fetch_dicts(
            self._conn, f"SELECT * FROM outbound_sms WHERE id = %s{lock}", (sms_id,)
        )
        if not rows:
            raise NotFound("outbound SMS", sms_id)
        return to_entity(rows[0], OutboundSms)

    async def by_provider_sid(self, sid: str, *, for_update: bool = False) -> OutboundSms | None:
        lock = " FOR UPDATE" if for_update else ""
        rows = await fetch_dicts(
            self._conn, f"SELECT * FROM outbound_sms WHERE provider_sid = %s{lock}", (sid,)
        )
        return to_entity(rows[0], OutboundSms) if rows else None

    async def failed_alerts(self, *, since: datetime, limit: int = 100) -> list[OutboundSms]:
        rows = await fetch_dicts(
            self._conn,
            "SELECT * FROM outbound_sms WHERE technician_id IS NOT NULL"
            " AND kind IN ('ALERT', 'SUMMARY') AND status IN ('FAILED', 'UNDELIVERED', 'OPTED_OUT')"
            " AND created_at >= %s ORDER BY created_at DESC LIMIT %s",
            (since, limit),
        )
        return [to_entity(r, OutboundSms) for r in rows]

    async def last_sent(self, to_number: str, *, kind: OutboundKind) -> OutboundSms | None:
        rows = await fetch_dicts(
            self._conn,
            "SELECT * FROM outbound_sms WHERE to_number = %s AND kind = %s"
            " AND status IN ('SENT', 'DELIVERED')"
            " ORDER BY coalesce(sent_at, created_at) DESC LIMIT 1",
            (to_number, kind.value),
        )
        return to_entity(rows[0], OutboundSms) if rows else None


_EVENT_COLUMNS = ("name", "subject_id", "occurred_at", "data")


class PendingEvents:
    """Events collected during a unit of work, written just before it commits."""

    def __init__(self) -> None:
        self.items: list[DomainEvent] = []

    def add(self, event: DomainEvent) -> None:
        self.items.append(event)

    async def flush(self, conn: AsyncConnection[Any]) -> None:
        if not self.items:
            return
        # One statement for all of them: a batch of texts has several events per text.
        await insert_many(
            conn,
            "events",
            _EVENT_COLUMNS,
            [
                {
                    "name": e.name,
                    "subject_id": e.subject_id,
                    "occurred_at": e.occurred_at,
                    "data": e.data,
                }
                for e in self.items
            ],
        )
        # Only a wake-up call: listeners read the events table, which is the truth.
        await conn.execute("SELECT pg_notify('sm2_events', '')")
        self.items.clear()
