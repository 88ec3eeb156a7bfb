"""The board's free-text search: the first jobs in board order among those a text finds.

A word many jobs have is served best by walking the board (``jobs_board``) and keeping the jobs
that have it; a rare word by the search index, then a sort. PostgreSQL picks between the two
from how common it expects the word to be, as if the word were spread evenly over the board.
A word tied to the board's order breaks that: ``urgent`` is in 10% of the jobs but all of them
HIGH, so the planner's walk passed every CRITICAL job first (100,000 rows, 0.2 s on the
benchmark's million jobs), and the other plan sorts the 100,000 jobs found.

So the search goes one urgency at a time (the board's first key; migration 0021 gives each its
own part of the search index), and in each it looks before it guesses:

1. it walks the urgency's first ``SAMPLE_ROWS`` jobs, keeping those the text finds; a word this
   common here fills the page at once;
2. if some of them matched, it walks on, up to ``WALK_ROWS`` jobs: a word in one job of forty
   fills a page within them;
3. else, or if that was not enough, it asks the urgency's search index for the rest of its
   matches, at most ``PROBE_ROWS`` of them, in any order (the planner is told to use the index,
   not to walk); when that is all of them, sorting them is cheap;
4. else so many jobs of this urgency match that walking on to them is short.

Each step reads only ids and sort keys, and a walk stops as soon as the page is full; the page's
rows are read once at the end.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, NamedTuple
from uuid import UUID

from psycopg import AsyncConnection, sql

SAMPLE_ROWS = 100
WALK_ROWS = 2000
PROBE_ROWS = 3000
LEVELS = (0, 1, 2, 3)  # sort_urgency: CRITICAL ... LOW

_KEY = "sort_score, created_at, id"
# The index is asked for the query's narrowest words (``narrow``: SearchQuery.narrowest) and the
# whole query is tested on the rows it finds: written as a function call, it is no index
# condition, so a pasted sentence's short words ("d", "la", "sur") cost no index reads.
_NARROWED = (
    "search_document @@ %(narrow)s::tsquery AND ts_match_vq(search_document, %(search)s::tsquery)"
)
_WHOLE = "search_document @@ %(search)s::tsquery"
# For the probe only, and only in its transaction: the partial search index of one urgency is
# the one way left to the planner (a sequential scan would stop early only in its estimate).
_INDEX_ONLY = (
    "SELECT set_config('enable_indexscan', 'off', true), set_config('enable_seqscan', 'off', true)"
)
_RESTORE = (
    "SELECT set_config(name, reset_val, true) FROM pg_settings"
    " WHERE name IN ('enable_indexscan', 'enable_seqscan')"
)


class Found(NamedTuple):
    """A job the text finds, by its place on the board."""

    sort_urgency: int
    sort_score: int
    created_at: datetime
    id: UUID


class _Walk(NamedTuple):
    hits: list[tuple[Any, ...]]
    edge: tuple[Any, ...] | None
    """The last job walked when the walk stopped at its length; None: the urgency ended."""


class LevelSearch:
    """The matching jobs of one search, urgency by urgency, in board order."""

    def __init__(
        self,
        conn: AsyncConnection[Any],
        where: list[sql.Composable],
        params: dict[str, Any],
    ) -> None:
        self._conn = conn
        self._where = where
        self._params = params
        narrowed = params.get("narrow", params["search"]) != params["search"]
        self._matches = _NARROWED if narrowed else _WHOLE

    async def first(
        self, levels: tuple[int, ...], after: tuple[int, Any, Any, Any] | None, count: int
    ) -> list[Found]:
        """The first ``count`` matches from ``levels``, after the board key ``after``."""
        found: list[Found] = []
        for level in levels:
            if after is not None and level < after[0]:
                continue
            start = after[1:] if after is not None and level == after[0] else None
            found += await self._level(level, start, count - len(found))
            if len(found) >= count:
                break
        return found[:count]

    async def _level(self, level: int, start: tuple[Any, ...] | None, count: int) -> list[Found]:
        walk = await self._walk(level, start, SAMPLE_ROWS, count)
        hits = walk.hits
        if walk.hits and walk.edge is not None and len(hits) < count:
            walk = await self._walk(level, walk.edge, WALK_ROWS, count - len(hits))
            hits += walk.hits
        if len(hits) < count and walk.edge is not None:
            rest = await self._probe(level, walk.edge)
            if len(rest) <= PROBE_ROWS:
                rest.sort()
            else:
                rest = await self._walk_matches(level, walk.edge, count - len(hits))
            hits += rest[: count - len(hits)]
        return [Found(level, *key) for key in hits[:count]]

    def _clauses(
        self, level: int, start: tuple[Any, ...] | None
    ) -> tuple[sql.Composed, dict[str, Any]]:
        clauses = [*self._where, sql.SQL("sort_urgency = {}").format(sql.Literal(level))]
        params = dict(self._params)
        if start is not None:
            clauses.append(sql.SQL(f"({_KEY}) > (%(ks)s, %(kc)s, %(ki)s)"))
            params.update(ks=start[0], kc=start[1], ki=start[2])
        return sql.SQL(" AND ").join(clauses), params

    async def _walk(
        self, level: int, start: tuple[Any, ...] | None, rows: int, count: int
    ) -> _Walk:
        where, params = self._clauses(level, start)
        # No search in the inner WHERE clause: the planner has nothing to misjudge and walks the
        # board; the outer LIMIT stops the walk at the page's last match.
        query = sql.SQL(
            "SELECT " + _KEY + ", hit, n FROM ("
            "SELECT " + _KEY + ", search_document @@ %(search)s::tsquery AS hit,"
            " row_number() OVER () AS n FROM (SELECT " + _KEY + ", search_document FROM jobs"
            " WHERE {} ORDER BY "
            + _KEY
            + " LIMIT %(rows)s) board) walked WHERE hit OR n = %(rows)s LIMIT %(count)s"
        ).format(where)
        async with self._conn.cursor() as cur:
            await cur.execute(query, {**params, "rows": rows, "count": count}, prepare=False)
            found = await cur.fetchall()
        hits = [tuple(row[:3]) for row in found if row[3]]
        edge = tuple(found[-1][:3]) if found and found[-1][4] == rows else None
        return _Walk(hits, edge)

    async def _probe(self, level: int, start: tuple[Any, ...]) -> list[tuple[Any, ...]]:
        where, params = self._clauses(level, start)
        query = sql.SQL(
            "SELECT " + _KEY + " FROM jobs WHERE {} AND " + self._matches + " LIMIT %(probe)s"
        ).format(where)
        async with self._conn.pipeline(), self._conn.cursor() as cur:
            await cur.execute(_INDEX_ONLY)
            await cur.execute(query, {**params, "probe": PROBE_ROWS + 1}, prepare=False)
            rows = await cur.fetchall()
            await cur.execute(_RESTORE)
        return [tuple(row) for row in rows]

    async def _walk_matches(
        self, level: int, start: tuple[Any, ...], count: int
    ) -> list[tuple[Any, ...]]:
        where, params = self._clauses(level, start)
        query = sql.SQL(
            "SELECT "
            + _KEY
            + " FROM jobs WHERE {} AND "
            + self._matches
            + " ORDER BY "
            + _KEY
            + " LIMIT %(count)s"
        ).format(where)
        async with self._conn.cursor() as cur:
            await cur.execute(query, {**params, "count": count}, prepare=False)
            return [tuple(row) for row in await cur.fetchall()]
