"""Rolling-window limits kept in PostgreSQL, so they hold across workers and restarts."""

from __future__ import annotations

from typing import Any

from psycopg import AsyncConnection
from psycopg_pool import AsyncConnectionPool


class PostgresRateLimiter:
    def __init__(self, pool: AsyncConnectionPool[AsyncConnection[Any]]) -> None:
        self._pool = pool

    async def allow(self, key: str, *, limit: int, window_seconds: int) -> bool:
        async with self._pool.connection() as conn, conn.transaction():
            # One key at a time: two workers cannot both take the last slot.
            await conn.execute("SELECT pg_advisory_xact_lock(hashtextextended(%s, 0))", (key,))
            await conn.execute(
                "DELETE FROM rate_limit_hits WHERE key = %s"
                " AND at < now() - make_interval(secs => %s)",
                (key, window_seconds),
            )
            cur = await conn.execute("SELECT count(*) FROM rate_limit_hits WHERE key = %s", (key,))
            row = await cur.fetchone()
            if row is not None and row[0] >= limit:
                return False
            await conn.execute("INSERT INTO rate_limit_hits (key) VALUES (%s)", (key,))
            return True

    async def used(self, key: str, *, window_seconds: int) -> int:
        async with self._pool.connection() as conn:
            cur = await conn.execute(
                "SELECT count(*) FROM rate_limit_hits WHERE key = %s"
                " AND at >= now() - make_interval(secs => %s)",
                (key, window_seconds),
            )
            row = await cur.fetchone()
        return int(row[0]) if row else 0
