"""In-memory repositories that keep the real ones' promises: uniqueness, versions, ordering."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Generic, Protocol, TypeVar
from uuid import UUID

import attrs

from sm2_adapters import job_search
from sm2_adapters.cursor import BoardKey, decode_cursor, encode_cursor
from sm2_core.attention import attention
from sm2_core.domain.enums import JobStatus
from sm2_core.domain.job import Job
from sm2_core.domain.records import (
    AuditEntry,
    InboundMessage,
    MessageStatus,
    OutboundKind,
    OutboundSms,
    OutboundStatus,
)
from sm2_core.domain.scheduled import ScheduledJob
from sm2_core.errors import AlreadyExists, InvalidInput, NotFound, StaleVersion
from sm2_core.ports import JobFilter, Page

if TYPE_CHECKING:
    from sm2_adapters.memory.store import Tables


def _holds_nul(value: object) -> bool:
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, dict):
        return any(_holds_nul(v) for v in value.values())
    if isinstance(value, list | tuple | set | frozenset):
        return any(_holds_nul(v) for v in value)
    return False


class _Row(Protocol):
    @property
    def id(self) -> UUID: ...


T = TypeVar("T", bound=_Row)


class MemoryRepository(Generic[T]):
    """Reference data: unique columns are enforced case-insensitively, like citext."""

    def __init__(
        self, tables: Tables, table: str, *, unique: Sequence[str] = (), order: str = "name"
    ) -> None:
        self._tables = tables
        self._table = table
        self._unique = tuple(unique)
        self._order = order

    @property
    def _rows(self) -> dict[UUID, T]:
        rows: dict[UUID, T] = getattr(self._tables, self._table)
        return rows

    def _check_unique(self, item: T) -> None:
        item_id = item.id
        for column in self._unique:
            value = str(getattr(item, column)).casefold()
            for other in self._rows.values():
                if other.id != item_id and str(getattr(other, column)).casefold() == value:
                    raise AlreadyExists(
                        f"{self._table[:-1]} with {column} {getattr(item, column)!r} already exists"
                    )

    async def add(self, item: T) -> None:
        item_id = item.id
        if item_id in self._rows:
            raise AlreadyExists(f"{self._table[:-1]} {item_id} already exists")
        self._check_unique(item)
        self._rows[item_id] = item

    async def get(self, item_id: UUID) -> T:
        try:
            return self._rows[item_id]
        except KeyError:
            raise NotFound(self._table[:-1], item_id) from None

    async def lock(self, item_id: UUID) -> T:
        """A unit of work here holds the whole store: the row is already its own."""
        return await self.get(item_id)

    async def update(self, item: T) -> None:
        await self.get(item.id)
        self._check_unique(item)
        self._rows[item.id] = item

    async def all(self, *, include_inactive: bool = False) -> list[T]:
        rows = [r for r in self._rows.values() if include_inactive or getattr(r, "is_active", True)]
        return sorted(rows, key=lambda r: (str(getattr(r, self._order)).casefold(), str(r.id)))

    async def _find(self, column: str, value: str) -> T | None:
        wanted = value.casefold()
        return next(
            (r for r in self._rows.values() if str(getattr(r, column)).casefold() == wanted), None
        )

    async def by_phone(self, phone: str) -> T | None:
        return await self._find("phone", phone)

    async def by_code(self, code: str) -> T | None:
        return await self._find("code", code)

    async def by_name(self, name: str) -> T | None:
        return await self._find("name", name)

    async def by_username(self, username: str) -> T | None:
        return await self._find("username", username)


_UNDELIVERED = (OutboundStatus.FAILED, OutboundStatus.UNDELIVERED, OutboundStatus.OPTED_OUT)
_WENT_OUT = (OutboundStatus.SENT, OutboundStatus.DELIVERED, OutboundStatus.PUSHED)


def _sort_key(job: Job) -> BoardKey:
    """Urgency and score highest first, then oldest first; the id breaks ties."""
    return (-job.urgency.rank, -job.ranking_score, job.created_at.astimezone(UTC), job.id)


def _matches(
    job: Job, q: JobFilter, undelivered: frozenset[tuple[UUID | None, UUID]] = frozenset()
) -> bool:
    unreached = (job.tech_id, job.id) in undelivered
    checks: list[bool] = [
        not q.attention or bool(attention(job, alert_undelivered=unreached)),
        q.status is None or job.status is q.status,
        q.dealership_id is None or job.dealership_id == q.dealership_id,
        q.urgency is None or job.urgency is q.urgency,
        q.tech_id is None or job.tech_id == q.tech_id,
        q.invoice_state is None or job.invoice_state is q.invoice_state,
        q.vin is None or (job.vehicle.vin or "").upper() == q.vin.upper(),
        q.created_after is None or job.created_at >= q.created_after,
        q.created_before is None or job.created_at < q.created_before,
    ]
    if q.text:
        # The words PostgreSQL's search_document holds, matched as its tsquery would.
        search = job_search.parse(q.text)
        checks.append(search is not None and search.matches(job_search.document(job)))
    return all(checks)


class MemoryJobRepository:
    def __init__(self, tables: Tables) -> None:
        self._t = tables

    async def add(self, job: Job) -> None:
        await self.add_many([job])

    async def add_many(self, jobs: Sequence[Job]) -> None:
        # All checked before any is added, as one statement does: all of them or none.
        ids = [job.id for job in jobs]
        codes = [job.job_code for job in jobs]
        for job in jobs:
            if job.id in self._t.jobs or ids.count(job.id) > 1:
                raise AlreadyExists(f"job {job.id} already exists")
            taken = any(j.job_code == job.job_code for j in self._t.jobs.values())
            if taken or codes.count(job.job_code) > 1:
                raise AlreadyExists(f"job code {job.job_code} already exists")
            if _holds_nul(attrs.asdict(job)):
                # PostgreSQL's text cannot hold NUL: the fake refuses what the database refuses.
                raise InvalidInput("job: a text field contains a NUL character")
        for job in jobs:
            self._t.jobs[job.id] = job

    async def get(self, job_id: UUID) -> Job:
        try:
            return self._t.jobs[job_id]
        except KeyError:
            raise NotFound("job", job_id) from None

    async def update(self, job: Job) -> Job:
        stored = await self.get(job.id)
        if stored.version != job.version:
            raise StaleVersion("job", job.id, expected=job.version, actual=stored.version)
        saved = attrs.evolve(job, version=job.version + 1)
        self._t.jobs[job.id] = saved
        return saved

    async def search(self, query: JobFilter, *, limit: int, cursor: str | None = None) -> Page[Job]:
        if limit < 1:
            raise InvalidInput("limit must be at least 1", fields={"limit": "< 1"})
        after = decode_cursor(cursor) if cursor else None
        undelivered = self._undelivered_alerts() if query.attention else frozenset()
        rows = sorted(
            (j for j in self._t.jobs.values() if _matches(j, query, undelivered)), key=_sort_key
        )
        if after is not None:
            rows = [j for j in rows if _sort_key(j) > after]
        page = rows[:limit]
        more = len(rows) > limit
        return Page(
            items=tuple(page), next_cursor=encode_cursor(_sort_key(page[-1])) if more else None
        )

    def _undelivered_alerts(self) -> frozenset[tuple[UUID | None, UUID]]:
        """(technician, job) of the last alerts that did not reach their technician: failed,
        with no later alert to the same number about the job that went out."""
        alerts = [s for s in self._t.outbox.values() if s.kind is OutboundKind.ALERT]
        return frozenset(
            (failed.technician_id, job_id)
            for failed in alerts
            if failed.status in _UNDELIVERED
            for job_id in failed.job_ids
            if not any(
                later.to_number == failed.to_number
                and later.created_at > failed.created_at
                and later.status in _WENT_OUT
                and job_id in later.job_ids
                for later in alerts
            )
        )

    async def for_technician(
        self, tech_id: UUID, statuses: Sequence[JobStatus] | None = None
    ) -> list[Job]:
        rows = [
            j
            for j in self._t.jobs.values()
            if j.tech_id == tech_id and (statuses is None or j.status in statuses)
        ]
        return sorted(rows, key=_sort_key)

    async def by_code(self, job_code: str) -> Job | None:
        wanted = job_code.strip().upper()
        return next((j for j in self._t.jobs.values() if j.job_code == wanted), None)

    async def by_qb_invoice_id(self, qb_invoice_id: str) -> Job | None:
        return next((j for j in self._t.jobs.values() if j.qb_invoice_id == qb_invoice_id), None)

    async def windows_starting(self, start: datetime, end: datetime) -> list[ScheduledJob]:
        rows = [
            j
            for j in self._t.jobs.values()
            if j.window_start is not None
            and start <= j.window_start < end
            and j.status is not JobStatus.CANCELLED
        ]
        return [ScheduledJob.of(j) for j in sorted(rows, key=lambda j: (j.window_start, j.id))]

    async def held_without_window(self, *, limit: int = 500) -> list[ScheduledJob]:
        rows = [
            j
            for j in self._t.jobs.values()
            if j.status in (JobStatus.SCHEDULED, JobStatus.IN_PROGRESS) and j.window_start is None
        ]
        return [ScheduledJob.of(j) for j in sorted(rows, key=_sort_key)[:limit]]

    async def pending_ranked(self, *, limit: int) -> list[ScheduledJob]:
        rows = [j for j in self._t.jobs.values() if j.status is JobStatus.PENDING]
        return [ScheduledJob.of(j) for j in sorted(rows, key=_sort_key)[:limit]]

    async def next_code(self, year: int) -> str:
        number = self._t.job_counters.get(year, 0) + 1
        self._t.job_counters[year] = number
        return f"SM2-{year}-{number:03d}"

    async def next_codes(self, year: int, count: int) -> list[str]:
        return [await self.next_code(year) for _ in range(count)]

    async def count_by_status(self) -> dict[JobStatus, int]:
        counts = dict.fromkeys(JobStatus, 0)
        for job in self._t.jobs.values():
            counts[job.status] += 1
        return counts


class MemoryAuditRepository:
    def __init__(self, tables: Tables) -> None:
        self._t = tables

    async def add(self, entry: AuditEntry) -> None:
        await self.add_many([entry])

    async def add_many(self, entries: Sequence[AuditEntry]) -> None:
        known = {e.id for e in self._t.audit}
        for entry in entries:
            if entry.id in known:
                raise AlreadyExists(f"audit entry {entry.id} already exists")
            known.add(entry.id)
        self._t.audit.extend(entries)

    async def for_subject(self, subject: str, subject_id: UUID) -> list[AuditEntry]:
        rows = [e for e in self._t.audit if e.subject == subject and e.subject_id == subject_id]
        return sorted(rows, key=lambda e: e.at)  # stable: equal times keep insertion order


_INBOX = (MessageStatus.UNMATCHED, MessageStatus.NO_WORK)


class MemoryMessageRepository:
    def __init__(self, tables: Tables) -> None:
        self._t = tables

    async def add(self, message: InboundMessage) -> tuple[InboundMessage, bool]:
        # PostgreSQL's text type cannot hold NUL: the fake refuses what the database refuses.
        if any(
            "\x00" in text
            for text in (message.sid, message.from_number, message.to_number, message.body)
        ):
            raise InvalidInput("a text field contains a NUL character")
        existing = next((m for m in self._t.messages.values() if m.sid == message.sid), None)
        if existing is not None:
            return existing, False
        if message.id in self._t.messages:
            raise AlreadyExists(f"message {message.id} already exists")
        self._t.messages[message.id] = message
        return message, True

    async def get(self, message_id: UUID, *, for_update: bool = False) -> InboundMessage:
        try:
            return self._t.messages[message_id]
        except KeyError:
            raise NotFound("message", message_id) from None

    async def update(self, message: InboundMessage) -> None:
        await self.get(message.id)
        self._t.messages[message.id] = message

    async def update_many(self, messages: Sequence[InboundMessage]) -> None:
        for message in messages:
            await self.get(message.id)
        for message in messages:
            self._t.messages[message.id] = message

    async def waiting(self, *, received_before: datetime, limit: int = 100) -> list[InboundMessage]:
        rows = [
            m
            for m in self._t.messages.values()
            if m.status is MessageStatus.RECEIVED and m.received_at < received_before
        ]
        return sorted(rows, key=lambda m: m.received_at)[:limit]

    async def inbox(self, *, limit: int = 100) -> list[InboundMessage]:
        rows = [m for m in self._t.messages.values() if m.status in _INBOX]
        return sorted(rows, key=lambda m: m.received_at, reverse=True)[:limit]


class MemoryOutboxRepository:
    def __init__(self, tables: Tables) -> None:
        self._t = tables

    async def add(self, sms: OutboundSms) -> None:
        await self.add_many([sms])

    async def add_many(self, messages: Sequence[OutboundSms]) -> None:
        ids = [sms.id for sms in messages]
        for sms in messages:
            if sms.id in self._t.outbox or ids.count(sms.id) > 1:
                raise AlreadyExists(f"outbound SMS {sms.id} already exists")
        for sms in messages:
            self._t.outbox[sms.id] = sms

    async def update(self, sms: OutboundSms) -> None:
        stored = await self.get(sms.id)
        # As the table's UPDATE: only what sending changes.
        self._t.outbox[sms.id] = attrs.evolve(
            stored,
            status=sms.status,
            provider_sid=sms.provider_sid,
            error=sms.error,
            channel=sms.channel,
            error_code=sms.error_code,
            sent_at=sms.sent_at,
        )

    async def update_many(self, messages: Sequence[OutboundSms]) -> None:
        for sms in messages:
            await self.get(sms.id)  # all found before any is written
        for sms in messages:
            await self.update(sms)

    async def get(self, sms_id: UUID, *, for_update: bool = False) -> OutboundSms:
        try:
            return self._t.outbox[sms_id]
        except KeyError:
            raise NotFound("outbound SMS", sms_id) from None

    async def by_provider_sid(self, sid: str, *, for_update: bool = False) -> OutboundSms | None:
        return next((s for s in self._t.outbox.values() if s.provider_sid == sid), None)

    async def failed_alerts(self, *, since: datetime, limit: int = 100) -> list[OutboundSms]:
        found = [
            s
            for s in self._t.outbox.values()
            if s.technician_id is not None
            and s.kind in (OutboundKind.ALERT, OutboundKind.SUMMARY)
            and s.status.is_failure
            and s.created_at >= since
        ]
        return sorted(found, key=lambda s: s.created_at, reverse=True)[:limit]

    async def last_sent(self, to_number: str, *, kind: OutboundKind) -> OutboundSms | None:
        taken = [
            s
            for s in self._t.outbox.values()
            if s.to_number == to_number
            and s.kind is kind
            and s.status in (OutboundStatus.SENT, OutboundStatus.DELIVERED)
        ]
        return max(taken, key=lambda s: s.sent_at or s.created_at, default=None)
