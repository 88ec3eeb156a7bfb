"""A valid access token before each use: refreshed under the connection's lock, never twice.

Intuit's access tokens last an hour and the refresh token may rotate on every refresh (the old
one dies), so the refresh and the save of what it returned happen under one lock. A refresh
token Intuit rejects marks the connection BROKEN once; later calls fail fast without asking.
"""

from __future__ import annotations

from datetime import timedelta

import attrs

from sm2_adapters.quickbooks.oauth import SYSTEM, IntuitOAuth, TokenRejected
from sm2_adapters.quickbooks.tokens import (
    Connection,
    ConnectionStatus,
    LockedConnection,
    TokenStore,
)
from sm2_core.errors import IntegrationError, NotConfigured
from sm2_core.ports import Clock

NOT_CONNECTED = "QuickBooks not connected"
REJECTED = "Intuit rejected the refresh token (invalid_grant); an admin must reconnect QuickBooks"
#: Refresh this long before expiry, so a token does not die in the middle of one invoice.
REFRESH_MARGIN = timedelta(minutes=5)


@attrs.frozen
class Grant:
    realm_id: str
    access_token: str = attrs.field(repr=False)


def usable(connection: Connection | None) -> Connection:
    """The connection if invoices may use it; otherwise the reason they may not."""
    if connection is None:
        raise NotConfigured(NOT_CONNECTED)
    if connection.status is ConnectionStatus.BROKEN or connection.refresh_token is None:
        raise IntegrationError(
            SYSTEM,
            f"the connection is broken: {connection.last_error or REJECTED}",
            transient=False,
            code="connection_broken",
        )
    return connection


def _grant(connection: Connection) -> Grant:
    assert connection.access_token is not None
    return Grant(realm_id=connection.realm_id, access_token=connection.access_token)


class TokenManager:
    def __init__(
        self,
        store: TokenStore,
        oauth: IntuitOAuth,
        *,
        clock: Clock,
        margin: timedelta = REFRESH_MARGIN,
    ) -> None:
        self._store = store
        self._oauth = oauth
        self._clock = clock
        self._margin = margin

    async def access(self) -> Grant:
        """The realm and a current access token; raises NotConfigured or IntegrationError."""
        connection = usable(await self._store.load())
        if connection.access_valid(self._clock.now(), self._margin):
            return _grant(connection)
        async with self._store.locked() as row:
            current = usable(row.connection)
            # Another worker may have refreshed while this one waited for the lock.
            if current.access_valid(self._clock.now(), self._margin):
                return _grant(current)
            outcome = await self._spend(row, current)
        if isinstance(outcome, IntegrationError):
            raise outcome  # after the block, so the BROKEN mark is committed first
        return outcome

    async def expire(self, grant: Grant) -> None:
        """Intuit refused this access token before its time: the next ``access`` refreshes."""
        await self._store.expire_access(grant.access_token)

    async def _spend(self, row: LockedConnection, current: Connection) -> Grant | IntegrationError:
        assert current.refresh_token is not None
        try:
            tokens = await self._oauth.refresh(current.refresh_token)
        except TokenRejected:
            await row.save(current.broken(REJECTED))
            return IntegrationError(
                SYSTEM,
                f"the connection is broken: {REJECTED}",
                transient=False,
                code="invalid_grant",
            )
        fresh = current.with_tokens(tokens)
        await row.save(fresh)
        return _grant(fresh)
