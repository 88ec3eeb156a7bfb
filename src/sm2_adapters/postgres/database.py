"""Opening the database: the configured server or the embedded one, migrated, behind a pool."""

from __future__ import annotations

from typing import Any

import msgspec
import psycopg
from psycopg import AsyncConnection
from psycopg.types.json import set_json_loads
from psycopg_pool import AsyncConnectionPool

from sm2_adapters.postgres.migrate import Migration, upgrade


def migrate(url: str) -> tuple[Migration, ...]:
    """Apply pending migrations (safe when several processes start at once)."""
    with psycopg.connect(url, autocommit=True) as conn:
        return upgrade(conn)


async def _configure(conn: AsyncConnection[Any]) -> None:
    # Set here, not in the pool's kwargs: procrastinate opens its LISTEN connection with the
    # pool's kwargs plus its own autocommit=True, and the two would collide.
    await conn.set_autocommit(True)
    # Times leave the database in UTC whatever the server's zone; the edges format them.
    await conn.execute("SET TIME ZONE 'UTC'")
    # Every job row carries JSONB documents (its vehicle, completion…): msgspec decodes them
    # into the same dicts and lists as json.loads, in a fraction of the time.
    set_json_loads(msgspec.json.decode, conn)


def make_pool(
    url: str, *, min_size: int = 1, max_size: int = 10
) -> AsyncConnectionPool[AsyncConnection[Any]]:
    """A closed pool: open it in the app's lifespan or the command's context.

    Autocommit: a lone statement is its own transaction (one round trip, where an implicit
    BEGIN and COMMIT would make three); units of work open theirs with ``conn.transaction()``.
    """
    return AsyncConnectionPool(
        url,
        min_size=min_size,
        max_size=max_size,
        open=False,
        configure=_configure,
        # Each connection is checked as it leaves the pool: after a database restart the dead
        # ones are replaced there, and no request pays for them with an error.
        check=AsyncConnectionPool.check_connection,
        name="sm2",
        timeout=10.0,
    )
