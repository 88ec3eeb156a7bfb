"""The QuickBooks connection in PostgreSQL's ``integration_tokens``, tokens Fernet-encrypted.

The connection is the row ``provider = 'quickbooks'``. One-time OAuth states live in the same
table as rows ``quickbooks:state:<sha256>`` with an expiry, so every web process sees them.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from datetime import datetime
from typing import Any

import attrs
from psycopg import AsyncConnection
from psycopg.rows import dict_row
from psycopg_pool import AsyncConnectionPool

from sm2_adapters.quickbooks.crypto import TokenCipher
from sm2_adapters.quickbooks.tokens import (
    Connection,
    ConnectionStatus,
    LockedConnection,
    state_key,
)
from sm2_core.errors import IntegrationError

_SELECT = (
    "SELECT realm_id, access_token, refresh_token, expires_at, status, last_error, updated_at"
    " FROM integration_tokens WHERE provider = %s"
)
_UPSERT = (
    "INSERT INTO integration_tokens"
    " (provider, realm_id, access_token, refresh_token, expires_at, status, last_error)"
    " VALUES (%(provider)s, %(realm_id)s, %(access_token)s, %(refresh_token)s, %(expires_at)s,"
    " %(status)s, %(last_error)s)"
    " ON CONFLICT (provider) DO UPDATE SET realm_id = EXCLUDED.realm_id,"
    " access_token = EXCLUDED.access_token, refresh_token = EXCLUDED.refresh_token,"
    " expires_at = EXCLUDED.expires_at, status = EXCLUDED.status,"
    " last_error = EXCLUDED.last_error"
)
_STATE_STATUS = "OAUTH_STATE"

Pool = AsyncConnectionPool[AsyncConnection[Any]]


@attrs.define
class _PgLocked:
    store: PostgresTokenStore
    conn: AsyncConnection[Any]
    connection: Connection | None

    async def save(self, connection: Connection) -> None:
        await self.store.write(self.conn, connection)
        self.connection = connection


class PostgresTokenStore:
    def __init__(self, pool: Pool, cipher: TokenCipher, *, provider: str = "quickbooks") -> None:
        self._pool = pool
        self._cipher = cipher
        self._provider = provider
        self._state_prefix = f"{provider}:state:"

    async def load(self) -> Connection | None:
        async with self._pool.connection() as conn:
            return await self._read(conn, lock=False)

    def locked(self) -> AbstractAsyncContextManager[LockedConnection]:
        return self._locked()

    @asynccontextmanager
    async def _locked(self) -> AsyncIterator[LockedConnection]:
        async with self._pool.connection() as conn, conn.transaction():
            # FOR UPDATE: a second worker waits here until the first has saved what Intuit
            # answered, then reads the fresh tokens instead of spending a dead refresh token.
            yield _PgLocked(self, conn, await self._read(conn, lock=True))

    async def replace(self, connection: Connection) -> None:
        async with self._pool.connection() as conn, conn.transaction():
            await self.write(conn, connection)

    async def forget(self) -> None:
        async with self._pool.connection() as conn:
            await conn.execute(
                "DELETE FROM integration_tokens WHERE provider = %s", (self._provider,)
            )

    async def expire_access(self, access_token: str) -> None:
        async with self.locked() as row:
            current = row.connection
            if current is not None and current.access_token == access_token:
                await row.save(attrs.evolve(current, expires_at=None))

    async def put_state(self, state: str, *, expires_at: datetime, now: datetime) -> None:
        async with self._pool.connection() as conn, conn.transaction():
            # Abandoned authorisations would otherwise pile up.
            await conn.execute(
                "DELETE FROM integration_tokens WHERE provider LIKE %s AND status = %s"
                " AND expires_at <= %s",
                (f"{self._state_prefix}%", _STATE_STATUS, now),
            )
            await conn.execute(
                "INSERT INTO integration_tokens (provider, status, expires_at) VALUES (%s, %s, %s)",
                (self._state_prefix + state_key(state), _STATE_STATUS, expires_at),
            )

    async def take_state(self, state: str, now: datetime) -> bool:
        async with self._pool.connection() as conn:
            cur = await conn.execute(
                "DELETE FROM integration_tokens WHERE provider = %s AND status = %s"
                " RETURNING expires_at",
                (self._state_prefix + state_key(state), _STATE_STATUS),
            )
            row = await cur.fetchone()
        return row is not None and row[0] > now

    async def write(self, conn: AsyncConnection[Any], connection: Connection) -> None:
        await conn.execute(
            _UPSERT,
            {
                "provider": self._provider,
                "realm_id": connection.realm_id,
                "access_token": self._seal(connection.access_token),
                "refresh_token": self._seal(connection.refresh_token),
                "expires_at": connection.expires_at,
                "status": connection.status.value,
                "last_error": connection.last_error,
            },
        )

    async def _read(self, conn: AsyncConnection[Any], *, lock: bool) -> Connection | None:
        async with conn.cursor(row_factory=dict_row) as cur:
            await cur.execute(_SELECT + (" FOR UPDATE" if lock else ""), (self._provider,))
            row = await cur.fetchone()
        return None if row is None else self._connection(row)

    def _connection(self, row: dict[str, Any]) -> Connection:
        connection = Connection(
            realm_id=row["realm_id"] or "",
            status=ConnectionStatus(row["status"]),
            expires_at=row["expires_at"],
            last_error=row["last_error"],
            updated_at=row["updated_at"],
        )
        try:
            return attrs.evolve(
                connection,
                access_token=self._open(row["access_token"]),
                refresh_token=self._open(row["refresh_token"]),
            )
        except IntegrationError as exc:
            return connection.broken(exc.message)

    def _seal(self, token: str | None) -> str | None:
        return None if token is None else self._cipher.encrypt(token)

    def _open(self, token: str | None) -> str | None:
        return None if token is None else self._cipher.decrypt(token)
