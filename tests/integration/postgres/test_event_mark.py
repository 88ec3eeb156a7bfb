"""A page marks the event log while another change is still being written: once that change
commits, its event is read after the mark, though a later change committed first."""

from __future__ import annotations

import asyncio
from uuid import uuid4

import psycopg
import pytest
from psycopg.types.json import Jsonb

from sm2_adapters.postgres.events import PostgresEventFeed
from sm2_adapters.postgres.uow import PostgresUnitOfWorkFactory

#: Seconds to wait for a delivery: the feed holds an event back while any older transaction on
#: the server runs, other test processes' included.
PATIENCE = 10
_INSERT = (
    "INSERT INTO events (name, subject_id, occurred_at, data) VALUES (%s, %s, now(), %s)"
    " RETURNING id"
)


@pytest.fixture
def feed(pg_uow: PostgresUnitOfWorkFactory, pg_url: str) -> PostgresEventFeed:
    """The feed on the emptied test database."""
    return PostgresEventFeed(pg_uow.pool, pg_url)


async def write(conn: psycopg.AsyncConnection[object], note: str) -> int:
    cur = await conn.execute(_INSERT, ("job.updated", uuid4(), Jsonb({"note": note})))
    row = await cur.fetchone()
    assert row is not None
    return int(row[0])


async def read_after(feed: PostgresEventFeed, mark: int, wanted: int) -> set[int]:
    """The ids read after ``mark`` once event ``wanted`` is among them (or PATIENCE ran out)."""
    async with asyncio.timeout(PATIENCE):
        while True:
            ids = {e.id for e in await feed.read_after(mark, limit=10_000)}
            if wanted in ids:
                return ids
            await asyncio.sleep(0.05)


async def test_a_change_still_open_at_the_mark_is_read_after_it(
    feed: PostgresEventFeed, pg_url: str
) -> None:
    async with (
        await psycopg.AsyncConnection.connect(pg_url, autocommit=True) as before,
        await psycopg.AsyncConnection.connect(pg_url) as slow,
        await psycopg.AsyncConnection.connect(pg_url, autocommit=True) as quick,
    ):
        await write(before, "before the page")
        # The slow change has begun writing (it holds a transaction id) ...
        await slow.execute("SELECT pg_current_xact_id()")
        # ... a quick one commits meanwhile, and the page is made now.
        quick_id = await write(quick, "committed before the page")
        mark = await feed.last_id()
        slow_id = await write(slow, "committed after the page")
        await slow.commit()
        read = await read_after(feed, mark, quick_id)
    assert slow_id in read


async def test_with_nothing_being_written_the_mark_is_the_newest_event(
    feed: PostgresEventFeed, pg_url: str
) -> None:
    async with await psycopg.AsyncConnection.connect(pg_url, autocommit=True) as conn:
        ids = [await write(conn, str(n)) for n in range(3)]
    async with asyncio.timeout(PATIENCE):
        while True:
            mark = await feed.last_id()
            if mark == ids[-1]:
                break
            await asyncio.sleep(0.05)  # another test process's transaction is older
    assert [] == await feed.read_after(mark)
