"""In-memory adapters for every port: shipped code for the demo and for other teams' tests.

``build_memory_system()`` gives a whole working SM2 Dispatch with recording fakes around it.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

import attrs

from sm2_adapters.bootstrap import build_services
from sm2_adapters.memory.events import MemoryEventBus, StoredEvent
from sm2_adapters.memory.fakes import (
    FastPasswordHasher,
    ManualClock,
    MemoryRateLimiter,
    MemoryTaskQueue,
    RecordingAccounting,
    RecordingSmsSender,
    SentSms,
)
from sm2_adapters.memory.store import MemoryStore, MemoryUnitOfWork
from sm2_core.policies import PolicyConfig
from sm2_core.ports import MessageParser, UnitOfWorkFactory
from sm2_core.services import Services

T = TypeVar("T")


@attrs.define(kw_only=True)
class MemorySystem:
    store: MemoryStore
    clock: ManualClock
    tasks: MemoryTaskQueue
    sms: RecordingSmsSender
    accounting: RecordingAccounting
    services: Services

    @property
    def uow(self) -> UnitOfWorkFactory:
        return self.store.unit_of_work

    @property
    def bus(self) -> MemoryEventBus:
        return self.store.bus

    async def run_tasks(self) -> int:
        """Run every queued task (and those they queue), as a worker would."""
        return await self.tasks.run_all(self.services.run_task)


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
) -> MemorySystem:
    if parser is None:
        from sm2_adapters.parsing.offline import OfflineParser

        parser = OfflineParser()
    tasks = MemoryTaskQueue()
    store = MemoryStore(tasks=tasks)
    clock = clock or ManualClock()
    sms, accounting = RecordingSmsSender(), RecordingAccounting()
    services = build_services(
        uow=store.unit_of_work,
        clock=clock,
        parser=parser,
        tasks=tasks,
        sms=sms,
        accounting=accounting,
        hasher=FastPasswordHasher(),
        config=config,
    )
    return MemorySystem(
        store=store, clock=clock, tasks=tasks, sms=sms, accounting=accounting, services=services
    )


__all__ = [
    "FastPasswordHasher",
    "ManualClock",
    "MemoryEventBus",
    "MemoryOpener",
    "MemoryRateLimiter",
    "MemoryStore",
    "MemorySystem",
    "MemoryTaskQueue",
    "MemoryUnitOfWork",
    "RecordingAccounting",
    "RecordingSmsSender",
    "SentSms",
    "StoredEvent",
    "build_memory_system",
]
