"""Technicians' photos of their jobs: the ``job_photos`` table."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any
from uuid import UUID

from psycopg import AsyncConnection

from sm2_adapters.postgres.errors import translated
from sm2_adapters.postgres.mapping import to_entity
from sm2_adapters.postgres.records import fetch_dicts
from sm2_core.domain.media import JobPhoto
from sm2_core.errors import NotFound

_COLUMNS = (
    "id",
    "job_id",
    "technician_id",
    "content_type",
    "size",
    "blob_key",
    "thumb_key",
    "thumb_type",
    "width",
    "height",
    "original_type",
    "created_at",
)
_INSERT = (
    f"INSERT INTO job_photos ({', '.join(_COLUMNS)}) VALUES ({', '.join(['%s'] * len(_COLUMNS))})"
)
_SELECT = f"SELECT {', '.join(_COLUMNS)} FROM job_photos"


class PostgresPhotoRepository:
    def __init__(self, conn: AsyncConnection[Any]) -> None:
        self._conn = conn

    async def add(self, photo: JobPhoto) -> None:
        async with translated("photo"):
            await self._conn.execute(_INSERT, tuple(getattr(photo, c) for c in _COLUMNS))

    async def get(self, photo_id: UUID) -> JobPhoto:
        rows = await fetch_dicts(self._conn, f"{_SELECT} WHERE id = %s", (photo_id,))
        if not rows:
            raise NotFound("photo", photo_id)
        return to_entity(rows[0], JobPhoto)

    async def for_jobs(self, job_ids: Sequence[UUID]) -> list[JobPhoto]:
        if not job_ids:
            return []
        rows = await fetch_dicts(
            self._conn,
            f"{_SELECT} WHERE job_id = ANY(%s) ORDER BY job_id::text, created_at, id::text",
            (list(job_ids),),
        )
        return [to_entity(row, JobPhoto) for row in rows]

    async def count(self, job_id: UUID) -> int:
        cur = await self._conn.execute(
            "SELECT count(*) FROM job_photos WHERE job_id = %s", (job_id,)
        )
        row = await cur.fetchone()
        return int(row[0]) if row else 0

    async def remove(self, photo_id: UUID) -> None:
        cur = await self._conn.execute("DELETE FROM job_photos WHERE id = %s", (photo_id,))
        if cur.rowcount == 0:
            raise NotFound("photo", photo_id)
