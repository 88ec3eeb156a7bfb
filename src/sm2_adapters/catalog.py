"""The live catalog the parsers read: services and dealerships, cached per process.

A parse must see what an admin changed without a restart, and must not pay a database read
for it every time. Each process keeps one snapshot: a change made through this process's
services drops it at once (it is a ``ReferenceWatcher``); a change made by another process
(another worker, a CLI import) is seen when the snapshot's time to live runs out.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable

from sm2_core.domain.enums import ReferenceKind
from sm2_core.parsing import CatalogSnapshot
from sm2_core.ports import UnitOfWorkFactory

DEFAULT_TTL_SECONDS = 2.0
#: The kinds a snapshot holds; changes to others (zones, rules) leave it valid.
_WATCHED = frozenset({ReferenceKind.SERVICES, ReferenceKind.DEALERSHIPS})


class LiveCatalog:
    """Implements ``ParsingCatalog`` and ``ReferenceWatcher``."""

    def __init__(
        self,
        uow: UnitOfWorkFactory,
        *,
        ttl_seconds: float = DEFAULT_TTL_SECONDS,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self._uow = uow
        self._ttl = ttl_seconds
        self._monotonic = monotonic
        self._snapshot: CatalogSnapshot | None = None
        self._loaded_at = 0.0
        self._generation = 0
        """Counts changes announced here; a snapshot read before the last one is stale."""
        self._loaded_generation = -1
        self._lock = asyncio.Lock()
        self.reads = 0
        """Database reads so far (the bench and the tests watch the cache work)."""

    def changed(self, kind: ReferenceKind) -> None:
        if kind in _WATCHED:
            self._generation += 1

    async def snapshot(self) -> CatalogSnapshot:
        if self._fresh():
            assert self._snapshot is not None
            return self._snapshot
        async with self._lock:  # one read for all the parses waiting on an expired snapshot
            if not self._fresh():
                await self._load()
        assert self._snapshot is not None
        return self._snapshot

    def _fresh(self) -> bool:
        return (
            self._snapshot is not None
            and self._loaded_generation == self._generation
            and self._monotonic() - self._loaded_at < self._ttl
        )

    async def _load(self) -> None:
        generation = self._generation  # a change announced during the read makes it stale
        async with self._uow() as uow:
            services = await uow.services.all()
            dealerships = await uow.dealerships.all(include_inactive=True)
        self.reads += 1
        new = CatalogSnapshot.of(services, dealerships)
        # The same data keeps the same snapshot, so the parsers keep their compiled tables.
        if self._snapshot is None or not _same(self._snapshot, new):
            self._snapshot = new
        self._loaded_at = self._monotonic()
        self._loaded_generation = generation


def _same(a: CatalogSnapshot, b: CatalogSnapshot) -> bool:
    return a.services == b.services and a.dealerships == b.dealerships
