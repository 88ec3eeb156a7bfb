"""Where the QuickBooks change poll stands (``qbo_change_polls``, migration 0017)."""

from __future__ import annotations

from typing import Any

from psycopg import AsyncConnection

from sm2_adapters.postgres.errors import translated
from sm2_adapters.postgres.records import fetch_dicts
from sm2_core.domain.payments import ChangePoll
from sm2_core.ports import ChangePollRepository

_SAVE = """
INSERT INTO qbo_change_polls
    (realm_id, changed_since, last_attempt_at, last_success_at, last_error, last_changed)
VALUES (%s, %s, %s, %s, %s, %s)
ON CONFLICT (realm_id) DO UPDATE SET
    changed_since = EXCLUDED.changed_since,
    last_attempt_at = EXCLUDED.last_attempt_at,
    last_success_at = EXCLUDED.last_success_at,
    last_error = EXCLUDED.last_error,
    last_changed = EXCLUDED.last_changed
"""


def poll_from_row(row: dict[str, Any]) -> ChangePoll:
    return ChangePoll(
        realm_id=row["realm_id"],
        last_attempt_at=row["last_attempt_at"],
        changed_since=row["changed_since"],
        last_success_at=row["last_success_at"],
        last_error=row["last_error"],
        last_changed=row["last_changed"],
    )


class PostgresChangePollRepository:
    def __init__(self, conn: AsyncConnection[Any]) -> None:
        self._conn = conn

    async def get(self, realm_id: str, *, for_update: bool = False) -> ChangePoll | None:
        lock = " FOR UPDATE" if for_update else ""
        rows = await fetch_dicts(
            self._conn, f"SELECT * FROM qbo_change_polls WHERE realm_id = %s{lock}", (realm_id,)
        )
        return poll_from_row(rows[0]) if rows else None

    async def save(self, poll: ChangePoll) -> None:
        async with translated("QuickBooks change poll"):
            await self._conn.execute(
                _SAVE,
                (
                    poll.realm_id,
                    poll.changed_since,
                    poll.last_attempt_at,
                    poll.last_success_at,
                    poll.last_error,
                    poll.last_changed,
                ),
            )

    async def latest(self) -> ChangePoll | None:
        rows = await fetch_dicts(
            self._conn,
            "SELECT * FROM qbo_change_polls ORDER BY last_attempt_at DESC LIMIT 1",
            (),
        )
        return poll_from_row(rows[0]) if rows else None


def _conforms(repo: PostgresChangePollRepository) -> ChangePollRepository:
    """Checked by mypy: the adapter has the shape of the port."""
    return repo
