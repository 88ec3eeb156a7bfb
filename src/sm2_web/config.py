"""What the web driver needs besides the application services."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any, Protocol

import attrs

from sm2_adapters.memory.events import StoredEvent
from sm2_core.ports import Clock, RateLimiter
from sm2_core.services import Services


class EventFeed(Protocol):
    """The event log as dashboards read it (memory bus or PostgreSQL)."""

    async def read_after(self, last_id: int, *, limit: int = 500) -> list[StoredEvent]: ...

    async def last_id(self) -> int: ...

    def wakeups(self) -> AsyncIterator[None]: ...


class HealthProbe(Protocol):
    async def check(self) -> dict[str, Any]:
        """Component → status document; ``database.ok`` False means the app cannot serve."""
        ...


@attrs.frozen
class WebConfig:
    jwt_secret: str = attrs.field(repr=False)
    public_url: str = "http://127.0.0.1:8000"
    token_ttl: timedelta = timedelta(hours=12)
    cors_origins: tuple[str, ...] = ()
    twilio_auth_token: str | None = attrs.field(default=None, repr=False)
    twilio_verify: bool = True
    """False only when explicitly switched off for development (SM2_TWILIO_VERIFY=off)."""
    login_attempts: int = 5
    """Failed logins for one username within ``login_window`` before it is throttled."""
    login_window: timedelta = timedelta(minutes=15)
    heartbeat_seconds: float = 15.0
    max_body_bytes: int = 1_000_000
    secure_cookies: bool = True
    """Session cookies only over HTTPS; off for a local http:// set-up."""


@attrs.define(kw_only=True)
class WebDeps:
    services: Services
    config: WebConfig
    clock: Clock
    limiter: RateLimiter
    events: EventFeed
    health: HealthProbe
