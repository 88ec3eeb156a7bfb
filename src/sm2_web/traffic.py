"""How busy this process's web side is, so the in-process task worker can yield to it.

Receipt has a deadline (Twilio gives up after 15 s and never retries); parsing has none. When
``sm2 serve`` runs the task worker in the web process, every task first waits for a lull in
requests, for at most ``patience``: under a burst the worker slows to a trickle and the webhook
keeps the CPU, and the backlog is parsed once the burst is over.

The lull is short (5 ms without a new request): steady traffic, even a hundred texts a second,
leaves such gaps between its requests, so a text becomes a job within a fraction of a second;
only a burst, whose requests leave none, holds the worker back (docs/performance.md).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable

#: Without a new request for this long, the web side is taken as idle.
QUIET_SECONDS = 0.005
#: A task waits for a lull at most this long.
PATIENCE_SECONDS = 1.0


class RecentTraffic:
    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._last_request = float("-inf")

    def seen(self) -> None:
        """A request started (called by the request-log middleware)."""
        self._last_request = self._clock()

    async def lull(
        self, *, quiet: float = QUIET_SECONDS, patience: float = PATIENCE_SECONDS
    ) -> None:
        """Return once no request has started for ``quiet`` seconds, or after ``patience``."""
        deadline = self._clock() + patience
        while True:
            now = self._clock()
            calm_at = self._last_request + quiet
            if now >= calm_at or now >= deadline:
                return
            await asyncio.sleep(min(calm_at, deadline) - now)
