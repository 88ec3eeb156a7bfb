"""The shape of a running SM2, whatever its adapters: what the drivers (web app, CLI) take.

``sm2_adapters.system.System`` (PostgreSQL, the task queue, the configured integrations) and
``sm2_adapters.memory.MemorySystem`` (recording fakes) both have it, so a command or a page
never asks which one it was given.
"""

from __future__ import annotations

from typing import Protocol

from sm2_core.ports import Clock, EventFeed, HealthProbe, QuickBooksConnection, RateLimiter
from sm2_core.services import Services


class Runtime(Protocol):
    @property
    def services(self) -> Services: ...

    @property
    def clock(self) -> Clock: ...

    @property
    def limiter(self) -> RateLimiter: ...

    @property
    def events(self) -> EventFeed: ...

    @property
    def health(self) -> HealthProbe: ...

    @property
    def quickbooks(self) -> QuickBooksConnection | None:
        """None when this runtime has no QuickBooks connection to manage (the fakes)."""
        ...

    async def open(self) -> None:
        """Open pools and clients in the running event loop; once, before use."""
        ...

    async def close(self) -> None: ...

    async def run_worker(self, *, concurrency: int = 4, listen: bool = True) -> None:
        """Process queued tasks as they come, ``concurrency`` at once, until cancelled.

        ``listen=False`` polls for new tasks instead of being told of each one (a worker
        inside a web process, where being told of every received text costs more)."""
        ...

    async def run_tasks(self) -> int:
        """Run the queued tasks, and those they queue, until none is waiting (tests, the demo,
        one-shot commands); how many ran, where the queue can tell."""
        ...
