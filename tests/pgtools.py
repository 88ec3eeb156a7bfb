"""Helpers for tests on PostgreSQL (importable from any test folder)."""

from __future__ import annotations

import os
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

import psycopg
from psycopg import sql

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
