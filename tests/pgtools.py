"""Helpers for tests on PostgreSQL (importable from any test folder)."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import psycopg
from psycopg import AsyncConnection, sql
from psycopg_pool import AsyncConnectionPool

from sm2_adapters.postgres.database import make_pool
from sm2_adapters.seed import seed_demo
from sm2_adapters.settings import Settings
from sm2_adapters.system import System, build_system
from sm2_adapters.tasks import install_schema

DEFAULT_TEST_DATABASE_URL = "postgresql://postgres@127.0.0.1:5432/test"

_TABLES = (
    "events",
    "audit_logs",
    "outbound_sms",
    "message_media",
    "jobs",
    "inbound_messages",
    "users",
    "ranking_rules",
    "technicians",
    "dealerships",
    "services",
    "zones",
    "integration_tokens",
    "rate_limit_hits",
    "conversation_reads",
    "opt_outs",
    "notices",
    "notice_windows",
    "push_subscriptions",
    "daily_summaries",
    "qbo_change_polls",
    "parts",
    "prices",
    "report_days",
    "report_changes",
    "report_dealer_days",
    "report_tech_days",
)


def admin_database_url() -> str:
    return os.environ.get("SM2_TEST_DATABASE_URL") or DEFAULT_TEST_DATABASE_URL


def reset_database(url: str) -> None:
    """Empty every table and restart the job-code sequences: each test starts from nothing."""
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(
            sql.SQL("TRUNCATE {} RESTART IDENTITY CASCADE").format(
                sql.SQL(", ").join(map(sql.Identifier, _TABLES))
            )
        )
        rows = conn.execute(
            "SELECT sequence_name FROM information_schema.sequences"
            " WHERE sequence_name LIKE 'job_code_seq_%'"
        ).fetchall()
        for (seq,) in rows:
            conn.execute(sql.SQL("DROP SEQUENCE {}").format(sql.Identifier(seq)))


def summary_out_of_reach(timezone: str = "America/Toronto") -> time:
    """A morning-summary time twelve hours away: a test's worker runs the every-minute summary
    task, and a suite run between 6:30 and 8:30 in Québec City would otherwise text every
    technician with a job their day, beside the texts the test counts."""
    later = datetime.now(ZoneInfo(timezone)) + timedelta(hours=12)
    return later.time().replace(second=0, microsecond=0)


@asynccontextmanager
async def seeded_system(
    settings: Settings, *, pool_size: int, empty_queue: bool = False, **build: Any
) -> AsyncIterator[System]:
    """The real system on the emptied database of ``settings``, open and seeded with the demo
    data, closed after. ``empty_queue``: procrastinate's table emptied too, so the tasks a test
    runs are only its own; ``build``: more of ``build_system``'s arguments (``accounting``...)."""
    assert settings.database_url is not None
    reset_database(settings.database_url)
    built = build_system(settings, pool_size=pool_size, **build)
    if empty_queue:
        with psycopg.connect(settings.database_url, autocommit=True) as conn:
            conn.execute("DELETE FROM procrastinate_jobs")
    await built.open()
    try:
        await seed_demo(built.services)
        yield built
    finally:
        await built.close()


@asynccontextmanager
async def emptied_pool(
    url: str, *, with_queue: bool = False
) -> AsyncIterator[AsyncConnectionPool[AsyncConnection[Any]]]:
    """A pool on the emptied test database; ``with_queue``: procrastinate's tables, empty."""
    reset_database(url)
    if with_queue:
        install_schema(url)
        with psycopg.connect(url, autocommit=True) as conn:
            conn.execute("DELETE FROM procrastinate_jobs")
    pool = make_pool(url, min_size=1, max_size=8)
    await pool.open(wait=True)
    try:
        yield pool
    finally:
        await pool.close()
