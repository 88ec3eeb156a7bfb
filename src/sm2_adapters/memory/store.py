"""The in-memory system of record, with transactions that really roll back.

Units of work run one at a time (an asyncio lock), like SERIALIZABLE transactions: enough for
tests, the demo and other teams' tests, and it keeps the fake simple and honest.
"""

from __future__ import annotations

import asyncio
import copy
from datetime import date, datetime
from types import TracebackType
from typing import Self
from uuid import UUID

import attrs

from sm2_adapters.memory.backlog import MemoryParseBacklog, MemorySendBacklog
from sm2_adapters.memory.conversations import MemoryConversationRepository
from sm2_adapters.memory.corrections import MemoryCorrectionRepository
from sm2_adapters.memory.events import MemoryEventBus
from sm2_adapters.memory.fakes import MemoryTaskQueue
from sm2_adapters.memory.invoices import MemoryInvoiceRepository
from sm2_adapters.memory.media import MemoryMediaRepository, MemoryPhotoRepository
from sm2_adapters.memory.notify import (
    MemoryNoticeRepository,
    MemoryOptOutRepository,
    MemoryPushSubscriptionRepository,
)
from sm2_adapters.memory.payments import MemoryChangePollRepository
from sm2_adapters.memory.pricing import MemoryPartRepository, MemoryPriceRepository
from sm2_adapters.memory.reports import MemoryReportSource
from sm2_adapters.memory.repositories import (
    MemoryAuditRepository,
    MemoryJobRepository,
    MemoryMessageRepository,
    MemoryOutboxRepository,
    MemoryRepository,
)
from sm2_core.domain.corrections import ParseCorrection, ParsedField
from sm2_core.domain.entities import Dealership, RankingRule, Service, Technician, User, Zone
from sm2_core.domain.invoice import Invoice
from sm2_core.domain.job import Job
from sm2_core.domain.media import JobPhoto, MediaItem
from sm2_core.domain.notices import Notice, NoticeWindow
from sm2_core.domain.payments import ChangePoll
from sm2_core.domain.pricing import CatalogPart, DealershipPrice
from sm2_core.domain.push import PushSubscription
from sm2_core.domain.records import AuditEntry, DomainEvent, InboundMessage, OptOut, OutboundSms
from sm2_core.ports import UnitOfWork
from sm2_core.tasks import TaskPayload


@attrs.define
class Tables:
    """Every table; entities are frozen, so a shallow copy of each table is a snapshot."""

    jobs: dict[UUID, Job] = attrs.Factory(dict)
    dealerships: dict[UUID, Dealership] = attrs.Factory(dict)
    technicians: dict[UUID, Technician] = attrs.Factory(dict)
    services: dict[UUID, Service] = attrs.Factory(dict)
    zones: dict[UUID, Zone] = attrs.Factory(dict)
    rules: dict[UUID, RankingRule] = attrs.Factory(dict)
    users: dict[UUID, User] = attrs.Factory(dict)
    audit: list[AuditEntry] = attrs.Factory(list)
    messages: dict[UUID, InboundMessage] = attrs.Factory(dict)
    outbox: dict[UUID, OutboundSms] = attrs.Factory(dict)
    media: dict[UUID, MediaItem] = attrs.Factory(dict)
    photos: dict[UUID, JobPhoto] = attrs.Factory(dict)
    corrections: dict[tuple[UUID, ParsedField], ParseCorrection] = attrs.Factory(dict)
    invoices: dict[UUID, Invoice] = attrs.Factory(dict)
    """Job id → its invoice record."""
    change_polls: dict[str, ChangePoll] = attrs.Factory(dict)
    """QuickBooks company (realm) → where its change poll stands."""
    parts: dict[UUID, CatalogPart] = attrs.Factory(dict)
    prices: dict[UUID, DealershipPrice] = attrs.Factory(dict)
    job_counters: dict[int, int] = attrs.Factory(dict)
    notices: dict[UUID, Notice] = attrs.Factory(dict)
    notice_windows: dict[str, NoticeWindow] = attrs.Factory(dict)
    summaries: dict[date, datetime] = attrs.Factory(dict)
    push_subscriptions: dict[str, PushSubscription] = attrs.Factory(dict)
    opt_outs: dict[str, OptOut] = attrs.Factory(dict)
    conversation_reads: dict[str, datetime] = attrs.Factory(dict)
    """Phone → until when dispatchers have read its conversation."""

    def snapshot(self) -> Tables:
        return Tables(**{f.name: copy.copy(getattr(self, f.name)) for f in attrs.fields(Tables)})

    def restore(self, other: Tables) -> None:
        for f in attrs.fields(Tables):
            setattr(self, f.name, getattr(other, f.name))


class MemoryStore:
    """One fake database. ``store.unit_of_work`` is the UnitOfWorkFactory to give services."""

    def __init__(
        self, bus: MemoryEventBus | None = None, tasks: MemoryTaskQueue | None = None
    ) -> None:
        self.tables = Tables()
        self.bus = bus or MemoryEventBus()
        #: Where tasks added in a unit of work land once it commits.
        self.tasks = tasks or MemoryTaskQueue()
        self.lock = asyncio.Lock()
        self.commits = 0
        self.rollbacks = 0

    def unit_of_work(self) -> MemoryUnitOfWork:
        return MemoryUnitOfWork(self)


class _PendingEvents:
    def __init__(self) -> None:
        self.items: list[DomainEvent] = []

    def add(self, event: DomainEvent) -> None:
        self.items.append(event)


class _PendingTasks:
    def __init__(self) -> None:
        self.items: list[tuple[TaskPayload, datetime | None]] = []

    def add(self, task: TaskPayload, *, at: datetime | None = None) -> None:
        self.items.append((task, at))


class MemoryUnitOfWork:
    def __init__(self, store: MemoryStore) -> None:
        self._store = store
        self._snapshot: Tables | None = None
        t = store.tables
        self.jobs = MemoryJobRepository(t)
        self.dealerships = MemoryRepository[Dealership](t, "dealerships", unique=("phone",))
        self.technicians = MemoryRepository[Technician](t, "technicians", unique=("phone",))
        self.services = MemoryRepository[Service](t, "services", unique=("code",), order="code")
        self.zones = MemoryRepository[Zone](t, "zones", unique=("name",))
        self.rules = MemoryRepository[RankingRule](t, "rules", order="description")
        self.users = MemoryRepository[User](t, "users", unique=("username",), order="username")
        self.audit = MemoryAuditRepository(t)
        self.messages = MemoryMessageRepository(t)
        self.outbox = MemoryOutboxRepository(t)
        self.media = MemoryMediaRepository(t)
        self.photos = MemoryPhotoRepository(t)
        self.corrections = MemoryCorrectionRepository(t)
        self.invoices = MemoryInvoiceRepository(t)
        self.change_polls = MemoryChangePollRepository(t)
        self.parts = MemoryPartRepository(t)
        self.prices = MemoryPriceRepository(t)
        self.notices = MemoryNoticeRepository(t)
        self.push_subscriptions = MemoryPushSubscriptionRepository(t)
        self.opt_outs = MemoryOptOutRepository(t)
        self.conversations = MemoryConversationRepository(t)
        self.reports = MemoryReportSource(t)
        self.backlog = MemoryParseBacklog(store)
        self.send_backlog = MemorySendBacklog(store)
        self.events = _PendingEvents()
        self.tasks = _PendingTasks()

    async def __aenter__(self) -> Self:
        await self._store.lock.acquire()
        self._snapshot = self._store.tables.snapshot()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        try:
            if exc_type is not None:
                assert self._snapshot is not None
                self._store.tables.restore(self._snapshot)
                self._store.rollbacks += 1
                return
            self.backlog.commit()
            self.send_backlog.commit()
            self._store.commits += 1
        finally:
            self._store.lock.release()
        # Published after commit, outside the lock, as the real outbox does.
        for event in self.events.items:
            await self._store.bus.publish(event)
        for task, at in self.tasks.items:
            await self._store.tasks.defer(task, at=at)


def _conforms(uow: MemoryUnitOfWork) -> UnitOfWork:
    """Checked by mypy: the fake has the shape of the port."""
    return uow
