"""Riding out a database outage: wait for PostgreSQL to come back, with backoff, or give up.

A restart of PostgreSQL breaks every open connection. The task worker must not die of it
silently (texts would wait for ever) nor hang: it waits for the database, logging the outage
once and the recovery once, and resumes; after ``give_up_after`` seconds without a database it
raises ``DatabaseUnavailable`` so the process exits non-zero and its supervisor restarts it.
"""

from __future__ import annotations

import asyncio
import logging
import random
import time
from collections.abc import Awaitable, Callable
from typing import Any

import psycopg
from procrastinate.exceptions import ConnectorException
from psycopg import AsyncConnection
from psycopg_pool import AsyncConnectionPool, PoolTimeout

from sm2_core.errors import Sm2Error

log = logging.getLogger("sm2.worker")

#: What a lost or unreachable database raises, through procrastinate, psycopg or the pool.
DATABASE_DOWN: tuple[type[BaseException], ...] = (
    ConnectorException,
    psycopg.OperationalError,
    PoolTimeout,
    OSError,
)
FIRST_WAIT_SECONDS = 0.5
MAX_WAIT_SECONDS = 15.0


class DatabaseUnavailable(Sm2Error):
    """The database stayed out of reach longer than a worker waits for it."""


async def keep_working(
    work: Callable[[], Awaitable[None]],
    pool: AsyncConnectionPool[AsyncConnection[Any]],
    *,
    give_up_after: float,
) -> None:
    """Run ``work`` until it returns; each time the database is lost, wait for it and run
    ``work`` again. Raises DatabaseUnavailable after ``give_up_after`` seconds of outage."""
    while True:
        try:
            await work()
            return
        except DATABASE_DOWN as exc:
            log.warning("task worker lost the database (%s); waiting for it", _name(exc))
        await wait_for_database(pool, give_up_after=give_up_after)
        log.warning("database is back; task worker resumes")


async def wait_for_database(
    pool: AsyncConnectionPool[AsyncConnection[Any]], *, give_up_after: float
) -> None:
    """Return once a pool connection answers; exponential backoff with jitter between tries."""
    deadline = time.monotonic() + give_up_after
    wait = FIRST_WAIT_SECONDS
    while True:
        try:
            async with pool.connection(timeout=min(5.0, give_up_after)) as conn:
                await conn.execute("SELECT 1")
            return
        except DATABASE_DOWN as exc:
            if time.monotonic() + wait > deadline:
                raise DatabaseUnavailable(
                    f"the database stayed unreachable for {give_up_after:g} s ({_name(exc)})"
                ) from exc
        await asyncio.sleep(wait * random.uniform(0.5, 1.0))
        wait = min(wait * 2, MAX_WAIT_SECONDS)


def _name(exc: BaseException) -> str:
    cause = exc.__cause__ or exc
    return f"{type(cause).__name__}: {str(cause).strip().splitlines()[0] if str(cause) else ''}"
