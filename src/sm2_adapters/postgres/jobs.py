"""The jobs table: version-checked updates, the board's keyset pages, yearly job codes."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any
from uuid import UUID

from psycopg import AsyncConnection, sql
from psycopg.rows import dict_row, tuple_row
from psycopg.types.json import Jsonb

from sm2_adapters import job_search
from sm2_adapters.cursor import decode_cursor, encode_cursor
from sm2_adapters.postgres.errors import translated
from sm2_adapters.postgres.mapping import (
    SCHEDULED_COLUMNS,
    job_from_row,
    job_params,
    scheduled_from_row,
)
from sm2_adapters.postgres.rows import insert_many
from sm2_adapters.postgres.text_search import LEVELS, LevelSearch
from sm2_core.domain.enums import JobStatus, Urgency
from sm2_core.domain.job import Job
from sm2_core.domain.scheduled import ScheduledJob
from sm2_core.errors import InvalidInput, NotFound, StaleVersion
from sm2_core.ports import JobFilter, Page

_COLUMNS = (
    "id",
    "job_code",
    "dealership_id",
    "service_id",
    "service_code",
    "vehicle_data",
    "urgency",
    "ranking_score",
    "applied_rules",
    "status",
    "invoice_state",
    "parsing_confidence",
    "base_urgency",
    "urgency_override",
    "parse_warnings",
    "review_reasons",
    "verified_by",
    "verified_at",
    "tech_id",
    "assigned_at",
    "started_at",
    "completed_at",
    "labour_minutes",
    "zone_id",
    "source_message_id",
    "request_text",
    "cancel_reason",
    "completion",
    "approved_by",
    "approved_at",
    "qb_invoice_id",
    "invoice_error",
    "window_start",
    "window_end",
    "proposed_start",
    "proposed_end",
    "notes",
    "invoice_adjustments",
    "invoice_lines",
    "version",
    "created_at",
    "updated_at",
)
_JSON = frozenset({"vehicle_data", "completion", "invoice_adjustments", "invoice_lines"})
# What reads fetch: the entity's columns and the board's sort keys (for cursors). Never ``*``:
# the generated search document is the widest column and no reader wants it (on the day's
# schedule it was most of the bytes psycopg parsed).
_READ = ", ".join((*_COLUMNS, "sort_urgency", "sort_score"))
_SCHEDULED = "SELECT " + ", ".join(SCHEDULED_COLUMNS) + " FROM jobs WHERE "
_SORT = "sort_urgency, sort_score, created_at, id"
# sm2_core.attention in SQL: the first part is the partial index jobs_attention's predicate, the
# second the jobs held by a technician whom the last alert about them did not reach (a failed
# alert with no later one to the same number, about the job, that went out).
_UNREACHED = (
    "SELECT {} FROM outbound_sms o, unnest(o.job_ids) j WHERE o.kind = 'ALERT'"
    " AND o.status IN ('FAILED', 'UNDELIVERED', 'OPTED_OUT') AND NOT EXISTS ("
    "SELECT 1 FROM outbound_sms l WHERE l.kind = 'ALERT' AND l.to_number = o.to_number"
    " AND l.created_at > o.created_at AND l.status IN ('SENT', 'DELIVERED', 'PUSHED')"
    " AND j = ANY(l.job_ids))"
)
_ATTENTION = (
    "((status <> 'CANCELLED' AND ((cardinality(review_reasons) > 0 AND verified_at IS NULL)"
    " OR (service_id IS NULL AND status <> 'COMPLETED')"
    " OR (status = 'COMPLETED' AND approved_at IS NULL) OR invoice_state = 'FAILED'))"
    " OR (status IN ('SCHEDULED', 'IN_PROGRESS')"
    # The ids alone let the primary key find the rows; the pairs keep the current technician's.
    " AND id = ANY(ARRAY(" + _UNREACHED.format("j") + "))"
    " AND (tech_id::text || ':' || id::text) = ANY(ARRAY("
    + _UNREACHED.format("o.technician_id::text || ':' || j::text")
    + "))))"
)

_INSERT = sql.SQL("INSERT INTO jobs ({}) VALUES ({})").format(
    sql.SQL(", ").join(map(sql.Identifier, _COLUMNS)),
    sql.SQL(", ").join(map(sql.Placeholder, _COLUMNS)),
)
# The version check and the bump in one statement: two writers cannot both win.
_UPDATE = sql.SQL(
    "UPDATE jobs SET {}, version = version + 1 "
    "WHERE id = %(id)s AND version = %(version)s RETURNING " + _READ
).format(
    sql.SQL(", ").join(
        sql.SQL("{} = {}").format(sql.Identifier(c), sql.Placeholder(c))
        for c in _COLUMNS
        if c not in ("id", "version", "created_at", "job_code")
    )
)


def _params(job: Job) -> dict[str, Any]:
    params = job_params(job)
    for column in _JSON:
        if params[column] is not None:
            params[column] = Jsonb(params[column])
    return params


def sort_urgency(urgency: Urgency) -> int:
    """The generated ``sort_urgency`` column's value: CRITICAL 0 ... LOW 3."""
    return 3 - urgency.rank


def _row_cursor(row: dict[str, Any]) -> str:
    return encode_cursor((row["sort_urgency"], row["sort_score"], row["created_at"], row["id"]))


def _filters(query: JobFilter) -> tuple[list[sql.Composable], dict[str, Any]]:
    """The filter's clauses but its text, which `_where` and `LevelSearch` each apply."""
    clauses: list[sql.Composable] = []
    params: dict[str, Any] = {}

    def add(clause: str, **values: Any) -> None:
        clauses.append(sql.SQL(clause))
        params.update(values)

    if query.status is not None:
        add("status = %(status)s", status=query.status.value)
    if query.dealership_id is not None:
        add("dealership_id = %(dealership_id)s", dealership_id=query.dealership_id)
    if query.urgency is not None:
        # On the sort column, so the board index answers it with a seek.
        add("sort_urgency = %(urgency)s", urgency=sort_urgency(query.urgency))
    if query.tech_id is not None:
        add("tech_id = %(tech_id)s", tech_id=query.tech_id)
    if query.invoice_state is not None:
        add("invoice_state = %(invoice_state)s", invoice_state=query.invoice_state.value)
    if query.vin is not None:
        add("vin = upper(%(vin)s)", vin=query.vin)
    if query.created_after is not None:
        add("created_at >= %(after)s", after=query.created_after)
    if query.created_before is not None:
        add("created_at < %(before)s", before=query.created_before)
    if query.attention:
        add(_ATTENTION)
    return clauses, params


def _where(query: JobFilter, cursor: str | None) -> tuple[sql.Composable, dict[str, Any]]:
    """A search text with nothing to look for matches no job; other texts go to LevelSearch."""
    clauses, params = _filters(query)
    if query.text and job_search.parse(query.text) is None:
        clauses.append(sql.SQL("false"))
    if cursor:
        u, s, c, i = decode_cursor(cursor)
        clauses.append(sql.SQL(f"({_SORT}) > (%(cu)s, %(cs)s, %(cc)s, %(ci)s)"))
        params.update(cu=u, cs=s, cc=c, ci=i)
    where = sql.SQL(" WHERE ") + sql.SQL(" AND ").join(clauses) if clauses else sql.SQL("")
    return where, params


class PostgresJobRepository:
    def __init__(self, conn: AsyncConnection[Any]) -> None:
        self._conn = conn

    async def _rows(
        self, query: sql.Composed | sql.SQL, params: dict[str, Any], *, prepare: bool | None = None
    ) -> list[dict[str, Any]]:
        async with self._conn.cursor(row_factory=dict_row) as cur:
            await cur.execute(query, params, prepare=prepare)
            return await cur.fetchall()

    async def add(self, job: Job) -> None:
        async with translated("job"):
            await self._conn.execute(_INSERT, _params(job))

    async def add_many(self, jobs: Sequence[Job]) -> None:
        async with translated("job"):
            await insert_many(self._conn, "jobs", _COLUMNS, [_params(job) for job in jobs])

    async def get(self, job_id: UUID) -> Job:
        rows = await self._rows(
            sql.SQL("SELECT " + _READ + " FROM jobs WHERE id = %(id)s"), {"id": job_id}
        )
        if not rows:
            raise NotFound("job", job_id)
        return job_from_row(rows[0])

    async def update(self, job: Job) -> Job:
        async with translated("job"):
            rows = await self._rows(_UPDATE, _params(job))
        if rows:
            return job_from_row(rows[0])
        current = await self._rows(
            sql.SQL("SELECT version FROM jobs WHERE id = %(id)s"), {"id": job.id}
        )
        if not current:
            raise NotFound("job", job.id)
        raise StaleVersion("job", job.id, expected=job.version, actual=current[0]["version"])

    async def search(self, query: JobFilter, *, limit: int, cursor: str | None = None) -> Page[Job]:
        if limit < 1:
            raise InvalidInput("limit must be at least 1", fields={"limit": "< 1"})
        words = job_search.parse(query.text) if query.text else None
        async with translated("job search"):
            if words is not None:
                rows = await self._text_search(query, words, limit + 1, cursor)
            else:
                where, params = _where(query, cursor)
                statement = sql.SQL(
                    "SELECT " + _READ + " FROM jobs{} ORDER BY " + _SORT + " LIMIT %(limit)s"
                ).format(where)
                rows = await self._rows(statement, {**params, "limit": limit + 1})
        page = rows[:limit]
        next_cursor = _row_cursor(page[-1]) if len(rows) > limit else None
        return Page(items=tuple(job_from_row(r) for r in page), next_cursor=next_cursor)

    async def _text_search(
        self, query: JobFilter, words: job_search.SearchQuery, count: int, cursor: str | None
    ) -> list[dict[str, Any]]:
        clauses, params = _filters(query)
        params |= {"search": words.tsquery(), "narrow": words.narrowest().tsquery()}
        levels = LEVELS if query.urgency is None else (sort_urgency(query.urgency),)
        after = decode_cursor(cursor) if cursor else None
        found = await LevelSearch(self._conn, clauses, params).first(levels, after, count)
        if not found:
            return []
        rows = await self._rows(
            sql.SQL("SELECT " + _READ + " FROM jobs WHERE id = ANY(%(ids)s)"),
            {"ids": [f.id for f in found]},
        )
        place = {f.id: n for n, f in enumerate(found)}
        return sorted(rows, key=lambda r: place[r["id"]])

    async def for_technician(
        self, tech_id: UUID, statuses: Sequence[JobStatus] | None = None
    ) -> list[Job]:
        query = "SELECT " + _READ + " FROM jobs WHERE tech_id = %(tech)s"
        params: dict[str, Any] = {"tech": tech_id}
        if statuses is not None:
            query += " AND status = ANY(%(statuses)s)"
            params["statuses"] = [s.value for s in statuses]
        rows = await self._rows(sql.SQL(query + " ORDER BY " + _SORT), params)
        return [job_from_row(r) for r in rows]

    async def by_code(self, job_code: str) -> Job | None:
        rows = await self._rows(
            sql.SQL("SELECT " + _READ + " FROM jobs WHERE job_code = %(code)s"),
            {"code": job_code.strip().upper()},
        )
        return job_from_row(rows[0]) if rows else None

    async def by_qb_invoice_id(self, qb_invoice_id: str) -> Job | None:
        # On the partial index jobs_qb_invoice_id.
        rows = await self._rows(
            sql.SQL("SELECT " + _READ + " FROM jobs WHERE qb_invoice_id = %(qb)s LIMIT 1"),
            {"qb": qb_invoice_id},
        )
        return job_from_row(rows[0]) if rows else None

    async def windows_starting(self, start: datetime, end: datetime) -> list[ScheduledJob]:
        return await self._scheduled(
            "window_start >= %(start)s AND window_start < %(end)s AND status <> 'CANCELLED'"
            " ORDER BY window_start, id",
            {"start": start, "end": end},
        )

    async def held_without_window(self, *, limit: int = 500) -> list[ScheduledJob]:
        return await self._scheduled(
            "status IN ('SCHEDULED', 'IN_PROGRESS') AND window_start IS NULL"
            " ORDER BY " + _SORT + " LIMIT %(limit)s",
            {"limit": limit},
        )

    async def pending_ranked(self, *, limit: int) -> list[ScheduledJob]:
        return await self._scheduled(
            "status = 'PENDING' ORDER BY " + _SORT + " LIMIT %(limit)s", {"limit": limit}
        )

    async def _scheduled(self, where: str, params: dict[str, Any]) -> list[ScheduledJob]:
        # Tuples, not dicts: a day is hundreds of rows, each read in column order.
        async with self._conn.cursor(row_factory=tuple_row, binary=True) as cur:
            await cur.execute(sql.SQL(_SCHEDULED + where), params)
            return [scheduled_from_row(r) for r in await cur.fetchall()]

    async def next_codes(self, year: int, count: int) -> list[str]:
        if count < 1:
            return []
        cur = await self._conn.execute(
            "SELECT sm2_next_job_number(%s) FROM generate_series(1, %s)", (year, count)
        )
        return [f"SM2-{year}-{n:03d}" for (n,) in sorted(await cur.fetchall())]

    async def next_code(self, year: int) -> str:
        cur = await self._conn.execute("SELECT sm2_next_job_number(%s)", (year,))
        row = await cur.fetchone()
        assert row is not None
        return f"SM2-{year}-{row[0]:03d}"

    async def count_by_status(self) -> dict[JobStatus, int]:
        cur = await self._conn.execute("SELECT status, count(*) FROM jobs GROUP BY status")
        counts = dict.fromkeys(JobStatus, 0)
        for status, count in await cur.fetchall():
            counts[JobStatus(status)] = count
        return counts
