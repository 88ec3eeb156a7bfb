"""The QuickBooks connection (realm and OAuth tokens), the store port, and its memory version.

There is one connection per installation. The store's ``locked()`` block is the only place a
refresh may happen: it holds the connection's lock (a row lock on PostgreSQL) so that two
workers never spend the same refresh token, and its ``save`` lands before the lock is let go.
"""

from __future__ import annotations

import asyncio
import hashlib
from collections.abc import AsyncIterator
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Protocol

import attrs


class ConnectionStatus(StrEnum):
    CONNECTED = "CONNECTED"
    BROKEN = "BROKEN"
    """Intuit refused the refresh token (or it cannot be read): an admin must reconnect."""


@attrs.frozen
class TokenSet:
    """What Intuit's token endpoint answers."""

    access_token: str = attrs.field(repr=False)
    refresh_token: str = attrs.field(repr=False)
    expires_at: datetime
    """When the access token stops working (an hour after it was issued)."""


@attrs.frozen
class Connection:
    realm_id: str
    """The QuickBooks company id (``realmId``)."""
    status: ConnectionStatus = ConnectionStatus.CONNECTED
    access_token: str | None = attrs.field(default=None, repr=False)
    refresh_token: str | None = attrs.field(default=None, repr=False)
    expires_at: datetime | None = None
    last_error: str | None = None
    updated_at: datetime | None = None

    @classmethod
    def connected(cls, realm_id: str, tokens: TokenSet) -> Connection:
        return cls(realm_id=realm_id).with_tokens(tokens)

    def with_tokens(self, tokens: TokenSet) -> Connection:
        return attrs.evolve(
            self,
            status=ConnectionStatus.CONNECTED,
            access_token=tokens.access_token,
            refresh_token=tokens.refresh_token,
            expires_at=tokens.expires_at,
            last_error=None,
        )

    def broken(self, reason: str) -> Connection:
        """Dead tokens are dropped: nothing is left worth stealing or retrying."""
        return attrs.evolve(
            self,
            status=ConnectionStatus.BROKEN,
            access_token=None,
            refresh_token=None,
            expires_at=None,
            last_error=reason,
        )

    def access_valid(self, now: datetime, margin: timedelta) -> bool:
        """True when the access token will outlive ``margin`` (the time one sync may take)."""
        return (
            self.status is ConnectionStatus.CONNECTED
            and self.access_token is not None
            and self.expires_at is not None
            and self.expires_at - margin > now
        )


class LockedConnection(Protocol):
    """The connection read under its lock; ``save`` writes before the lock is released."""

    @property
    def connection(self) -> Connection | None: ...

    async def save(self, connection: Connection) -> None: ...


class TokenStore(Protocol):
    async def load(self) -> Connection | None:
        """The connection, or None when QuickBooks was never connected (or was disconnected)."""
        ...

    def locked(self) -> AbstractAsyncContextManager[LockedConnection]:
        """Hold the connection's lock for the block; writes commit when it ends cleanly."""
        ...

    async def replace(self, connection: Connection) -> None:
        """Store a new connection (after connect or set-tokens), whatever was there."""
        ...

    async def forget(self) -> None: ...

    async def expire_access(self, access_token: str) -> None:
        """Intuit refused ``access_token`` early: the next use refreshes (unless already done)."""
        ...

    async def put_state(self, state: str, *, expires_at: datetime, now: datetime) -> None:
        """Remember a one-time OAuth ``state`` until ``expires_at`` (forgetting expired ones)."""
        ...

    async def take_state(self, state: str, now: datetime) -> bool:
        """Consume ``state``: True once if it was issued and has not expired, False after."""
        ...


def state_key(state: str) -> str:
    """States are kept hashed: a leaked table row cannot be replayed as a callback."""
    return hashlib.sha256(state.encode("utf-8")).hexdigest()


@attrs.define
class _MemoryLocked:
    store: MemoryTokenStore
    connection: Connection | None

    async def save(self, connection: Connection) -> None:
        self.connection = connection
        self.store.current = connection


class MemoryTokenStore:
    """The store for tests and the demo: one process, an asyncio lock instead of a row lock."""

    def __init__(self, connection: Connection | None = None) -> None:
        self.current = connection
        self.states: dict[str, datetime] = {}
        self._lock: asyncio.Lock | None = None

    async def load(self) -> Connection | None:
        return self.current

    @asynccontextmanager
    async def _locked(self) -> AsyncIterator[LockedConnection]:
        if self._lock is None:
            self._lock = asyncio.Lock()
        async with self._lock:
            yield _MemoryLocked(self, self.current)

    def locked(self) -> AbstractAsyncContextManager[LockedConnection]:
        return self._locked()

    async def replace(self, connection: Connection) -> None:
        self.current = connection

    async def forget(self) -> None:
        self.current = None

    async def expire_access(self, access_token: str) -> None:
        if self.current is not None and self.current.access_token == access_token:
            self.current = attrs.evolve(self.current, expires_at=None)

    async def put_state(self, state: str, *, expires_at: datetime, now: datetime) -> None:
        self.states = {k: v for k, v in self.states.items() if v > now}
        self.states[state_key(state)] = expires_at

    async def take_state(self, state: str, now: datetime) -> bool:
        expires_at = self.states.pop(state_key(state), None)
        return expires_at is not None and expires_at > now
