"""Shared fixtures: the migrated PostgreSQL test database, and a UnitOfWorkFactory per adapter.

PostgreSQL is the machine's server (``SM2_TEST_DATABASE_URL``, by default the one every session
and CI start). A database that cannot be reached fails the tests; it never skips them.
"""

from __future__ import annotations

import secrets
from collections.abc import AsyncIterator, Iterator
from typing import Any

import psycopg
import pytest
from psycopg import sql
from psycopg.conninfo import make_conninfo

from pgtools import admin_database_url, reset_database
from sm2_adapters.memory import MemoryStore
from sm2_adapters.postgres.database import make_pool, migrate
from sm2_adapters.postgres.uow import PostgresUnitOfWorkFactory
from sm2_core.ports import UnitOfWorkFactory


@pytest.fixture(scope="session")
def pg_url() -> Iterator[str]:
    """A new database with every migration applied, dropped when the test session ends."""
    admin = admin_database_url()
    name = f"sm2_test_{secrets.token_hex(6)}"
    try:
        with psycopg.connect(admin, autocommit=True, connect_timeout=10) as conn:
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    except psycopg.Error as exc:
        pytest.fail(f"PostgreSQL is required at {admin} (set SM2_TEST_DATABASE_URL): {exc}")
    url = make_conninfo(admin, dbname=name)
    try:
        migrate(url)
        yield url
    finally:
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(
                sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
            )


@pytest.fixture
async def pg_uow(pg_url: str) -> AsyncIterator[PostgresUnitOfWorkFactory]:
    """A UnitOfWorkFactory on the emptied test database."""
    reset_database(pg_url)
    pool = make_pool(pg_url, min_size=1, max_size=8)
    await pool.open(wait=True)
    try:
        yield PostgresUnitOfWorkFactory(pool)
    finally:
        await pool.close()


@pytest.fixture(params=["memory", "postgres"])
async def uow_factory(request: pytest.FixtureRequest, pg_url: str) -> AsyncIterator[Any]:
    """Each contract test runs once on the memory fake and once on PostgreSQL."""
    if request.param == "memory":
        factory: UnitOfWorkFactory = MemoryStore().unit_of_work
        yield factory
        return
    reset_database(pg_url)
    pool = make_pool(pg_url, min_size=1, max_size=8)
    await pool.open(wait=True)
    try:
        yield PostgresUnitOfWorkFactory(pool)
    finally:
        await pool.close()
