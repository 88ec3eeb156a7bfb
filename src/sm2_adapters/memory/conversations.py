"""Conversations in memory: every inbound text and outbox row, grouped by phone number."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from sm2_adapters.cursor import decode_time_text_cursor, encode_time_text_cursor
from sm2_core.domain.conversations import Conversation, Direction, JobRef, ThreadMessage
from sm2_core.domain.records import InboundMessage, OutboundSms
from sm2_core.errors import InvalidInput
from sm2_core.paging import MAX_LIMIT
from sm2_core.ports import Page

if TYPE_CHECKING:
    from uuid import UUID

    from sm2_adapters.memory.store import Tables


class MemoryConversationRepository:
    def __init__(self, tables: Tables) -> None:
        self._t = tables

    async def page(self, *, limit: int, cursor: str | None = None) -> Page[Conversation]:
        if not 1 <= limit <= MAX_LIMIT:
            raise InvalidInput(
                f"limit must be between 1 and {MAX_LIMIT}", fields={"limit": "out of range"}
            )
        latest: dict[str, ThreadMessage] = {}
        for phone, message in self._messages():
            shown = latest.get(phone)
            if shown is None or _order(message) > _order(shown):
                latest[phone] = message
        # Newest activity first, then by number (a stable sort keeps the numbers' order).
        by_phone = sorted(latest.items(), key=lambda pair: pair[0])
        rows = sorted(by_phone, key=lambda pair: pair[1].at, reverse=True)
        if cursor is not None:
            after_at, after_phone = decode_time_text_cursor(cursor)
            rows = [
                (phone, m)
                for phone, m in rows
                if m.at < after_at or (m.at == after_at and phone > after_phone)
            ]
        shown_rows = rows[:limit]
        items = tuple(self._conversation(phone, m) for phone, m in shown_rows)
        more = len(rows) > limit
        last = items[-1] if items else None
        return Page(
            items=items,
            next_cursor=encode_time_text_cursor(last.last_at, last.phone)
            if more and last is not None
            else None,
        )

    def _conversation(self, phone: str, last: ThreadMessage) -> Conversation:
        dealership = next((d for d in self._t.dealerships.values() if d.phone == phone), None)
        read_at = self._t.conversation_reads.get(phone)
        unread = sum(
            1
            for m in self._t.messages.values()
            if m.from_number == phone and (read_at is None or m.received_at > read_at)
        )
        return Conversation(
            phone=phone,
            last_at=last.at,
            last_body=last.body,
            unread=unread,
            dealership_id=dealership.id if dealership else None,
            dealership_name=dealership.name if dealership else None,
        )

    async def thread(self, phone: str, *, limit: int | None = None) -> list[ThreadMessage]:
        found = sorted((m for p, m in self._messages() if p == phone), key=_order)
        return found[-limit:] if limit is not None else found

    async def latest_inbound(self, phone: str) -> InboundMessage | None:
        found = [m for m in self._t.messages.values() if m.from_number == phone]
        return max(found, key=lambda m: (m.received_at, str(m.id)), default=None)

    async def mark_read(self, phone: str, *, at: datetime) -> bool:
        before = self._t.conversation_reads.get(phone)
        if before is not None and before >= at:
            return False
        self._t.conversation_reads[phone] = at
        return True

    def _messages(self) -> list[tuple[str, ThreadMessage]]:
        """Every text in and out, with the number whose conversation it belongs to."""
        return [
            *((m.from_number, self._inbound(m)) for m in self._t.messages.values()),
            *((s.to_number, self._outbound(s)) for s in self._t.outbox.values()),
        ]

    def _refs(self, job_ids: tuple[UUID, ...]) -> tuple[JobRef, ...]:
        jobs = self._t.jobs
        return tuple(JobRef(i, jobs[i].job_code) for i in job_ids if i in jobs)

    def _inbound(self, m: InboundMessage) -> ThreadMessage:
        return ThreadMessage(
            id=m.id,
            direction=Direction.IN,
            body=m.body,
            at=m.received_at,
            status=m.status,
            jobs=self._refs(m.job_ids),
            dealership_id=m.dealership_id,
        )

    def _outbound(self, s: OutboundSms) -> ThreadMessage:
        return ThreadMessage(
            id=s.id,
            direction=Direction.OUT,
            body=s.body,
            at=s.created_at,
            status=s.status,
            kind=s.kind,
            jobs=self._refs(s.job_ids or ((s.job_id,) if s.job_id else ())),
            sent_by=s.sent_by,
            error_code=s.error_code,
            dealership_id=s.dealership_id,
        )


def _order(m: ThreadMessage) -> tuple[datetime, int, str]:
    # At the same moment a text in comes before a text out: an answer follows its question.
    return m.at, 0 if m.direction is Direction.IN else 1, str(m.id)
