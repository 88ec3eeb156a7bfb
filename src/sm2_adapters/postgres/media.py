"""Where each MMS item of a text stands: the ``message_media`` table."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any
from uuid import UUID

from psycopg import AsyncConnection

from sm2_adapters.postgres.errors import translated
from sm2_adapters.postgres.mapping import to_entity
from sm2_adapters.postgres.records import fetch_dicts
from sm2_core.domain.media import MediaItem
from sm2_core.errors import NotFound

_COLUMNS = (
    "id",
    "message_id",
    "position",
    "state",
    "declared_type",
    "content_type",
    "size",
    "blob_key",
    "error",
    "attempts",
    "updated_at",
)
_UPSERT = (
    f"INSERT INTO message_media ({', '.join(_COLUMNS)})"
    f" VALUES ({', '.join(['%s'] * len(_COLUMNS))})"
    " ON CONFLICT (id) DO UPDATE SET "
    + ", ".join(f"{c} = excluded.{c}" for c in _COLUMNS if c not in ("id", "message_id"))
)


def _params(item: MediaItem) -> tuple[Any, ...]:
    return (
        item.id,
        item.message_id,
        item.position,
        item.state.value,
        item.declared_type,
        item.content_type,
        item.size,
        item.blob_key,
        item.error,
        item.attempts,
        item.updated_at,
    )


class PostgresMediaRepository:
    def __init__(self, conn: AsyncConnection[Any]) -> None:
        self._conn = conn

    async def get(self, media_id: UUID, *, for_update: bool = False) -> MediaItem:
        lock = " FOR UPDATE" if for_update else ""
        rows = await fetch_dicts(
            self._conn, f"SELECT * FROM message_media WHERE id = %s{lock}", (media_id,)
        )
        if not rows:
            raise NotFound("media", media_id)
        return to_entity(rows[0], MediaItem)

    async def save(self, item: MediaItem) -> None:
        async with translated("media"):
            await self._conn.execute(_UPSERT, _params(item))

    async def for_messages(self, message_ids: Sequence[UUID]) -> list[MediaItem]:
        if not message_ids:
            return []
        rows = await fetch_dicts(
            self._conn,
            "SELECT * FROM message_media WHERE message_id = ANY(%s)"
            " ORDER BY message_id::text, position",
            (list(message_ids),),
        )
        return [to_entity(row, MediaItem) for row in rows]
