"""An in-process event bus: numbered events, replay from an id, live subscribers."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

from sm2_core.domain.records import DomainEvent, StoredEvent


class MemoryEventBus:
    """Publishes in memory; an ``EventFeed`` for the dashboards of the one process."""

    def __init__(self) -> None:
        self.published: list[StoredEvent] = []
        self._waiters: set[asyncio.Event] = set()

    async def publish(self, event: DomainEvent) -> StoredEvent:
        stored = StoredEvent(id=len(self.published) + 1, event=event)
        self.published.append(stored)
        for waiter in self._waiters:
            waiter.set()
        return stored

    def since(self, last_id: int) -> list[StoredEvent]:
        return self.published[last_id:] if last_id >= 0 else list(self.published)

    async def follow(self, last_id: int = 0) -> AsyncIterator[StoredEvent]:
        """Every event after ``last_id``, then each new one as it comes; never ends."""
        waiter = asyncio.Event()
        self._waiters.add(waiter)
        try:
            while True:
                waiter.clear()
                for stored in self.since(last_id):
                    last_id = stored.id
                    yield stored
                await waiter.wait()
        finally:
            self._waiters.discard(waiter)

    async def read_after(self, last_id: int, *, limit: int = 500) -> list[StoredEvent]:
        return self.since(max(last_id, 0))[:limit]

    async def last_id(self) -> int:
        return len(self.published)

    async def resumable(self, last_id: int) -> bool:
        return 0 <= last_id <= len(self.published)

    async def wakeups(self) -> AsyncIterator[None]:
        waiter = asyncio.Event()
        self._waiters.add(waiter)
        try:
            while True:
                yield None
                await waiter.wait()
                waiter.clear()
        finally:
            self._waiters.discard(waiter)

    @property
    def names(self) -> list[str]:
        return [s.event.name for s in self.published]
