"""Health on PostgreSQL: the database, its migrations, the task workers, the integrations."""

from __future__ import annotations

import asyncio
from datetime import datetime
from typing import Any

import psycopg
from procrastinate import App
from psycopg import AsyncConnection
from psycopg_pool import AsyncConnectionPool

from sm2_adapters.postgres.migrate import load_migrations
from sm2_adapters.postgres.spool import Spool
from sm2_adapters.quickbooks import QuickBooksIntegration
from sm2_adapters.settings import Settings
from sm2_adapters.tasks import queue_depth


def _iso(moment: datetime | None) -> str | None:
    return None if moment is None else moment.isoformat()


#: A worker that has not beaten for this long is presumed gone.
WORKER_STALE_SECONDS = 60


class PostgresHealth:
    """The ``HealthProbe`` of a system on PostgreSQL."""

    def __init__(
        self,
        pool: AsyncConnectionPool[AsyncConnection[Any]],
        app: App,
        settings: Settings,
        quickbooks: QuickBooksIntegration | None = None,
        *,
        spool: Spool | None = None,
    ) -> None:
        self._spool = spool
        self._quickbooks = quickbooks
        self._pool = pool
        self._app = app
        self._settings = settings

    async def check(self) -> dict[str, Any]:
        integrations = self._integrations()
        if self._quickbooks is not None:
            integrations["quickbooks_connection"] = await self._quickbooks.health()
        try:
            async with asyncio.timeout(3):
                database, migrations, worker = await self._database()
                if self._quickbooks is not None and self._quickbooks.configured:
                    integrations["quickbooks_changes"] = await self._change_poll()
        except (psycopg.Error, TimeoutError, OSError) as exc:
            return {
                "database": {"ok": False, "error": type(exc).__name__},
                "spool": await self._spooled(),
                "integrations": integrations,
            }
        return {
            "database": database,
            "migrations": migrations,
            "worker": worker,
            "spool": await self._spooled(),
            "integrations": integrations,
        }

    async def _spooled(self) -> dict[str, Any]:
        """Texts received while the database was away, not yet stored in it."""
        depth = await asyncio.to_thread(self._spool.depth) if self._spool else 0
        return {"ok": depth == 0, "depth": depth}

    async def _database(self) -> tuple[dict[str, Any], dict[str, Any], dict[str, Any]]:
        async with self._pool.connection() as conn:
            cur = await conn.execute("SELECT version FROM schema_migrations")
            applied = {row[0] for row in await cur.fetchall()}
            cur = await conn.execute(
                "SELECT count(*) FROM procrastinate_workers"
                " WHERE last_heartbeat > now() - make_interval(secs => %s)",
                (WORKER_STALE_SECONDS,),
            )
            row = await cur.fetchone()
            # The oldest text still waiting to be parsed: what a dealership would feel.
            cur = await conn.execute(
                "SELECT extract(epoch FROM now() - min(received_at))::float8"
                " FROM inbound_messages WHERE status = 'RECEIVED'"
            )
            oldest = await cur.fetchone()
        workers = int(row[0]) if row else 0
        waiting = oldest[0] if oldest and oldest[0] is not None else None
        alert = self._settings.waiting_alert_seconds
        pending = [m.filename for m in load_migrations() if m.version not in applied]
        depth = await queue_depth(self._app)
        return (
            {"ok": True},
            {"current": not pending, "pending": pending},
            {
                "ok": workers > 0 and (waiting is None or waiting <= alert),
                "alive": workers,
                "queue": depth,
                "oldest_waiting_seconds": None if waiting is None else round(waiting, 1),
            },
        )

    async def _change_poll(self) -> dict[str, Any]:
        """The QuickBooks change poll (payments' safety net): its last run, and its last
        success."""
        try:
            async with self._pool.connection() as conn:
                cur = await conn.execute(
                    "SELECT realm_id, changed_since, last_attempt_at, last_success_at, last_error"
                    " FROM qbo_change_polls ORDER BY last_attempt_at DESC LIMIT 1"
                )
                row = await cur.fetchone()
        except psycopg.errors.UndefinedTable:
            row = None  # migrations pending: reported above
        if row is None:
            return {"ok": True, "last_attempt_at": None, "last_success_at": None}
        realm, since, attempt, success, error = row
        return {
            "ok": error is None,
            "realm_id": realm,
            "changed_since": _iso(since),
            "last_attempt_at": _iso(attempt),
            "last_success_at": _iso(success),
            "last_error": error,
        }

    def _integrations(self) -> dict[str, Any]:
        s = self._settings
        return {
            "twilio": bool(s.twilio_account_sid and s.twilio_auth_token),
            "twilio_signature_check": s.twilio_verify,
            "openai": bool(s.openai_api_key),
            "quickbooks": bool(s.qbo_client_id and s.qbo_client_secret),
        }
