"""Intuit's limits per company (realm): 10 requests at once and 500 a minute.

Both hold per process; several worker processes share Intuit's budget, so keep their number
(times the task concurrency) in mind. Intuit answers 429 past the limit, which we retry anyway.
"""

from __future__ import annotations

import asyncio
import threading
import time
from collections import deque
from collections.abc import Callable

MAX_CONCURRENT = 10
MAX_PER_MINUTE = 500


class RequestBudget:
    """At most ``limit`` requests in any ``window`` seconds; ``acquire`` waits for a slot.

    Called from the worker threads the synchronous SDK runs in, hence a thread lock and a
    blocking sleep (never on the event loop).
    """

    def __init__(
        self,
        limit: int,
        window: float,
        *,
        monotonic: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self._limit = limit
        self._window = window
        self._monotonic = monotonic
        self._sleep = sleep
        self._stamps: deque[float] = deque()
        self._lock = threading.Lock()

    def acquire(self) -> None:
        while (wait := self._try()) > 0:
            self._sleep(wait)

    def _try(self) -> float:
        """0 when a slot was taken; otherwise how long until the oldest one frees up."""
        with self._lock:
            now = self._monotonic()
            while self._stamps and now - self._stamps[0] >= self._window:
                self._stamps.popleft()
            if len(self._stamps) < self._limit:
                self._stamps.append(now)
                return 0.0
            return max(self._window - (now - self._stamps[0]), 0.001)


class RealmLimits:
    def __init__(
        self, *, concurrent: int = MAX_CONCURRENT, per_minute: int = MAX_PER_MINUTE
    ) -> None:
        self._concurrent = concurrent
        self._per_minute = per_minute
        self._slots: dict[str, asyncio.Semaphore] = {}
        self._budgets: dict[str, RequestBudget] = {}
        self._lock = threading.Lock()

    def slots(self, realm_id: str) -> asyncio.Semaphore:
        """Held around each sync of one invoice, whose requests go one after another."""
        if realm_id not in self._slots:
            self._slots[realm_id] = asyncio.Semaphore(self._concurrent)
        return self._slots[realm_id]

    def budget(self, realm_id: str) -> RequestBudget:
        with self._lock:
            if realm_id not in self._budgets:
                self._budgets[realm_id] = RequestBudget(self._per_minute, 60.0)
            return self._budgets[realm_id]
