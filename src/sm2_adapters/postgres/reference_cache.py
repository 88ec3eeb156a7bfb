"""Intake's reference data, kept per process and read again only after it changed.

Every change to the dealerships, services or ranking rules moves ``reference_version`` when it
commits (migration 0019's triggers, whichever process or tool made it). A batch of texts asks
for the reference data once: the cache reads that one number and answers from memory unless it
moved, so a parse reads no reference table, and still never decides with data older than the
batch.
"""

from __future__ import annotations

import asyncio
from typing import Any

from psycopg import AsyncConnection
from psycopg_pool import AsyncConnectionPool

from sm2_adapters.postgres.reference import repositories
from sm2_core.domain.reference import IntakeReference

_VERSION = "SELECT version FROM reference_version"


class PostgresReferenceCache:
    """Implements ``ReferenceSource``."""

    def __init__(self, pool: AsyncConnectionPool[AsyncConnection[Any]]) -> None:
        self._pool = pool
        self._cached: tuple[int, IntakeReference] | None = None
        self._lock = asyncio.Lock()
        self.reads = 0
        """How many times the tables were read (the tests and the bench watch the cache)."""

    async def current(self) -> IntakeReference:
        async with self._pool.connection() as conn:
            version = await _version(conn)
            cached = self._cached
            if cached is not None and cached[0] == version:
                return cached[1]
            async with self._lock:  # one read for the batches that found it stale together
                cached = self._cached
                if cached is None or cached[0] != version:
                    self._cached = cached = await self._read(conn)
            return cached[1]

    async def _read(self, conn: AsyncConnection[Any]) -> tuple[int, IntakeReference]:
        # One snapshot of the three tables and of the number, so that a change committed while
        # they are read is not cached under a number that does not include it.
        async with conn.transaction():
            await conn.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
            version = await _version(conn)
            tables = repositories(conn)
            reference = IntakeReference.of(
                dealerships=await tables["dealerships"].all(include_inactive=True),
                services=await tables["services"].all(),
                rules=await tables["rules"].all(),
            )
        self.reads += 1
        return version, reference


async def _version(conn: AsyncConnection[Any]) -> int:
    cur = await conn.execute(_VERSION)
    row = await cur.fetchone()
    assert row is not None, "migration 0019 makes the row"
    return int(row[0])
