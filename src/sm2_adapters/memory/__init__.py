"""In-memory adapters for every port: shipped code for the demo and for other teams' tests.

``build_memory_system()`` gives a whole working SM2 Dispatch with recording fakes around it.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

import attrs

from sm2_adapters.bootstrap import build_services
from sm2_adapters.catalog import LiveCatalog
from sm2_adapters.memory.events import MemoryEventBus
from sm2_adapters.memory.fakes import (
    FastPasswordHasher,
    ManualClock,
    MemoryHealth,
    MemoryRateLimiter,
    MemoryTaskQueue,
    RecordingAccounting,
    RecordingCarrierInbox,
    RecordingPushSender,
    RecordingSmsSender,
    SentPush,
    SentSms,
)
from sm2_adapters.memory.media import MemoryBlobStore, RecordingMediaSource
from sm2_adapters.memory.payments import RecordingInvoiceStatus
from sm2_adapters.memory.store import MemoryStore, MemoryUnitOfWork
from sm2_core.policies import PolicyConfig
from sm2_core.ports import MessageParser, QuickBooksConnection, SmsSender, UnitOfWorkFactory
from sm2_core.runtime import Runtime
from sm2_core.services import Services

T = TypeVar("T")
_WORKER_POLL_SECONDS = 0.1


@attrs.define(kw_only=True)
class MemorySystem:
    store: MemoryStore
    clock: ManualClock
    tasks: MemoryTaskQueue
    sms: RecordingSmsSender
    accounting: RecordingAccounting
    services: Services
    inbox: RecordingCarrierInbox
    """The carrier's record that reconciliation reads: tests put texts in ``inbox.texts``."""
    media: RecordingMediaSource
    """The carrier's media (MMS): tests put files in ``media.files`` by URL."""
    blobs: MemoryBlobStore
    """Where fetched media are kept."""
    push: RecordingPushSender
    """The Web Push service: what was pushed to technicians' browsers."""
    invoice_status: RecordingInvoiceStatus
    """QuickBooks' side of the invoices (payments, voids): tests arrange it."""

    @property
    def uow(self) -> UnitOfWorkFactory:
        return self.store.unit_of_work

    limiter: MemoryRateLimiter
    health: MemoryHealth = attrs.field(factory=MemoryHealth)
    quickbooks: QuickBooksConnection | None = None
    """The fakes manage no QuickBooks connection: ``accounting`` records the invoices."""

    @property
    def bus(self) -> MemoryEventBus:
        return self.store.bus

    @property
    def events(self) -> MemoryEventBus:
        return self.store.bus

    async def open(self) -> None:
        """Nothing to open: every adapter lives in this process."""

    async def close(self) -> None:
        """Nothing to close."""

    async def run_tasks(self) -> int:
        """Run every queued task (and those they queue), as a worker would."""
        return await self.tasks.run_all(self.services.run_task)

    async def run_worker(self, *, concurrency: int = 4, listen: bool = True) -> None:
        """Run tasks as they are queued, one at a time, until cancelled (always polling)."""
        while True:
            await self.run_tasks()
            await asyncio.sleep(_WORKER_POLL_SECONDS)


def _conforms(system: MemorySystem) -> Runtime:
    """Checked by mypy: the memory system has the shape the drivers take."""
    return system


class MemoryOpener:
    """Hands one memory system to ``sm2`` commands (``CliRunner().invoke(cli, obj=...)``)."""

    def __init__(self, system: MemorySystem) -> None:
        self.system = system

    async def run(self, work: Callable[[Any], Awaitable[T]]) -> T:
        result = await work(self.system)
        await self.system.run_tasks()
        return result


def build_memory_system(
    *,
    parser: MessageParser | None = None,
    clock: ManualClock | None = None,
    config: PolicyConfig | None = None,
    sms: SmsSender | None = None,
) -> MemorySystem:
    """``sms`` replaces the recording sender that texts go to (``MemorySystem.sms``); the
    default parser reads the store's services as they are at each parse."""
    clock = clock or ManualClock()
    # Tasks deferred to a later time (notices combined in a window, the SMS after an
    # unacknowledged push) wait until the clock reaches them: tests advance it.
    tasks = MemoryTaskQueue(clock)
    store = MemoryStore(tasks=tasks)
    # Reading the store costs nothing, so no time to live: a service written straight into
    # the store (as tests do) is seen by the next parse too.
    catalog = LiveCatalog(store.unit_of_work, ttl_seconds=0.0)
    if parser is None:
        from sm2_adapters.parsing.offline import OfflineParser

        parser = OfflineParser(catalog)
    recording, accounting = RecordingSmsSender(), RecordingAccounting()
    inbox = RecordingCarrierInbox()
    media, blobs = RecordingMediaSource(), MemoryBlobStore()
    push = RecordingPushSender()
    invoice_status = RecordingInvoiceStatus()
    services = build_services(
        uow=store.unit_of_work,
        clock=clock,
        parser=parser,
        tasks=tasks,
        sms=sms or recording,
        accounting=accounting,
        hasher=FastPasswordHasher(),
        config=config,
        inbox=inbox,
        watcher=catalog,
        media=media,
        blobs=blobs,
        push=push,
        invoice_status=invoice_status,
    )
    return MemorySystem(
        store=store,
        clock=clock,
        tasks=tasks,
        sms=recording,
        accounting=accounting,
        services=services,
        inbox=inbox,
        media=media,
        blobs=blobs,
        push=push,
        invoice_status=invoice_status,
        limiter=MemoryRateLimiter(clock),
    )


__all__ = [
    "FastPasswordHasher",
    "ManualClock",
    "MemoryBlobStore",
    "MemoryEventBus",
    "MemoryHealth",
    "MemoryOpener",
    "MemoryRateLimiter",
    "MemoryStore",
    "MemorySystem",
    "MemoryTaskQueue",
    "MemoryUnitOfWork",
    "RecordingAccounting",
    "RecordingCarrierInbox",
    "RecordingInvoiceStatus",
    "RecordingMediaSource",
    "RecordingPushSender",
    "RecordingSmsSender",
    "SentPush",
    "SentSms",
    "build_memory_system",
]
