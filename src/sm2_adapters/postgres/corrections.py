"""Dispatchers' corrections of parsed jobs (``parse_corrections``, migration 0008)."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

from psycopg import AsyncConnection

from sm2_adapters.cursor import decode_time_cursor, encode_time_cursor
from sm2_adapters.postgres.errors import translated
from sm2_adapters.postgres.mapping import to_entity
from sm2_adapters.postgres.records import fetch_dicts
from sm2_core.domain.corrections import ParseCorrection, ParsedField, ServiceTally
from sm2_core.errors import InvalidInput
from sm2_core.ports import CorrectionRepository, Page

_COLUMNS = (
    "id",
    "job_id",
    "message_id",
    "field",
    "parsed",
    "corrected",
    "corrected_by",
    "corrected_at",
    "sender",
    "body",
    "language",
)
#: Corpus order, as ``ParsedField`` lists them.
_FIELD_ORDER = "array_position(ARRAY[{}]::text[], field)".format(
    ", ".join(f"'{f.value}'" for f in ParsedField)
)
#: ``sm2_core.domain.corrections.is_parsed``, in SQL.
_PARSED_JOB = "j.source_message_id IS NOT NULL AND j.parsing_confidence IS NOT NULL"

_UPSERT = f"""
INSERT INTO parse_corrections ({", ".join(_COLUMNS)})
VALUES ({", ".join(["%s"] * len(_COLUMNS))})
ON CONFLICT (job_id, field) DO UPDATE SET
    {", ".join(f"{c} = EXCLUDED.{c}" for c in _COLUMNS if c not in ("id", "job_id", "field"))}
"""


def _params(c: ParseCorrection) -> tuple[Any, ...]:
    return (
        c.id,
        c.job_id,
        c.message_id,
        c.field.value,
        c.parsed,
        c.corrected,
        c.corrected_by,
        c.corrected_at,
        c.sender,
        c.body,
        c.language.value,
    )


class PostgresCorrectionRepository:
    def __init__(self, conn: AsyncConnection[Any]) -> None:
        self._conn = conn

    async def for_job(self, job_id: UUID) -> list[ParseCorrection]:
        rows = await fetch_dicts(
            self._conn,
            f"SELECT * FROM parse_corrections WHERE job_id = %s ORDER BY {_FIELD_ORDER}",
            (job_id,),
        )
        return [to_entity(r, ParseCorrection) for r in rows]

    async def save(self, correction: ParseCorrection) -> None:
        async with translated("parse correction"):
            await self._conn.execute(_UPSERT, _params(correction))

    async def remove(self, job_id: UUID, field: ParsedField) -> None:
        await self._conn.execute(
            "DELETE FROM parse_corrections WHERE job_id = %s AND field = %s",
            (job_id, field.value),
        )

    async def page(
        self, *, since: datetime | None = None, limit: int, cursor: str | None = None
    ) -> Page[ParseCorrection]:
        if limit < 1:
            raise InvalidInput("limit must be at least 1", fields={"limit": "< 1"})
        where: list[str] = ["TRUE"]
        params: list[object] = []
        if since is not None:
            where.append("corrected_at >= %s")
            params.append(since)
        if cursor:
            where.append("(corrected_at, id) > (%s, %s)")
            params.extend(decode_time_cursor(cursor))
        rows = await fetch_dicts(
            self._conn,
            f"SELECT * FROM parse_corrections WHERE {' AND '.join(where)}"
            " ORDER BY corrected_at, id LIMIT %s",
            (*params, limit + 1),
        )
        found = [to_entity(r, ParseCorrection) for r in rows[:limit]]
        last = found[-1] if found else None
        more = len(rows) > limit and last is not None
        return Page(
            items=tuple(found),
            next_cursor=encode_time_cursor(last.corrected_at, last.id) if more and last else None,
        )

    async def tally(self, *, since: datetime) -> list[ServiceTally]:
        parsed = await fetch_dicts(
            self._conn,
            "SELECT j.service_code, count(*) AS n FROM jobs j"
            f" WHERE {_PARSED_JOB} AND j.created_at >= %s GROUP BY j.service_code",
            (since,),
        )
        corrected = await fetch_dicts(
            self._conn,
            "SELECT j.service_code, c.field, count(*) AS n"
            " FROM parse_corrections c JOIN jobs j ON j.id = c.job_id"
            f" WHERE {_PARSED_JOB} AND j.created_at >= %s GROUP BY j.service_code, c.field",
            (since,),
        )
        counts: dict[str | None, dict[ParsedField, int]] = {}
        for row in corrected:
            counts.setdefault(row["service_code"], {})[ParsedField(row["field"])] = row["n"]
        return [
            ServiceTally(
                service_code=row["service_code"],
                parsed_jobs=row["n"],
                corrected=counts.get(row["service_code"], {}),
            )
            for row in sorted(parsed, key=lambda r: r["service_code"] or "")
        ]


def _conforms(repo: PostgresCorrectionRepository) -> CorrectionRepository:
    """Checked by mypy: the adapter has the shape of the port."""
    return repo
