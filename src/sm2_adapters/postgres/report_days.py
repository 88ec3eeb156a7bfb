"""The dealerships', technicians' and parser's figures of each past day, folded once (migration
0020), so that a report over a year sums 366 days of figures instead of reading a million jobs;
and the turnaround's durations of each past day's jobs, packed (migration 0023).

These reports' figures are sums over days: a dealership's texts and jobs by the day they were
received or created, a technician's work by the day it was started, the parsed jobs and their
corrections by the day the job was created. So a period's figures are the folded days' sums
plus the other days counted from the jobs by the same SQL (``dealer_days`` and the others, over
runs of consecutive days), and the two agree to the cent and the metre.

A folded day is used while no change to it waits in ``report_changes``. The tables' triggers
record every change to the day before yesterday (local) or an earlier day; the last three days
are never folded, so intake, which writes today's jobs, records nothing. ``fold`` takes the
newest waiting days three days old or more, in one REPEATABLE READ transaction: the changes it
saw are folded and their entries deleted; an entry whose transaction it did not see stays, and
that day is counted from the jobs until the next fold.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

import attrs
from psycopg import AsyncConnection, IsolationLevel

from sm2_core.domain.window import local_day

log = logging.getLogger(__name__)

FOLD_DAYS = 31
"""Days one fold takes at most (about 85,000 jobs at a million a year): a first fold of a long
history is spread over several runs, newest days first."""
FOLD_LOCK = 0x534D325F52455054  # "SM2_REPT": one fold at a time
_SETTLED_DAYS = 3
"""A fold takes days at least this old (local): one more than the triggers record, so that a
change whose transaction began before midnight and did not record its day (then yesterday's)
cannot be missed by a fold after it."""

# An interval in whole microseconds. Through double precision, which PostgreSQL computes far
# faster than the numeric extract() returns; exact: an interval of years is 1e14 µs, read to
# within 0.02 µs before the rounding.
MICROSECONDS = "round(date_part('epoch', {}) * 1000000)::bigint"

# sm2_core.policies.haversine_km, term for term (the same floating-point operations).
KM = """2 * 6371.0088 * asin(sqrt(least(1.0,
    sin((radians(latitude) - radians(lat0)) / 2) ^ 2
    + cos(radians(lat0)) * cos(radians(latitude))
      * sin((radians(longitude) - radians(lon0)) / 2) ^ 2)))"""


def _within(columns: str, source: str, column: str, runs: int, also: str = "") -> str:
    """The rows of ``source`` whose ``column`` falls in one of ``runs`` ranges (parameters
    ``lo0``/``hi0``...): a branch per range, each bound a value the planner sees, so that it
    knows how many rows each holds (an index scan for a few days, a hash for a year) where one
    join to a list of ranges would have it guess."""
    if runs == 0:
        return f"SELECT {columns} FROM {source} WHERE false"
    return "\nUNION ALL\n".join(
        f"SELECT {columns} FROM {source} WHERE {column} >= %(lo{n})s AND {column} < %(hi{n})s{also}"
        for n in range(runs)
    )


def dealer_days(runs: int) -> str:
    """CTEs up to ``dealer_days``: per local day and dealership of the ``runs`` ranges, texts
    received, jobs created, and the invoices of those jobs (Invoice.paid: total - balance once
    QuickBooks said both; a voided invoice is no income)."""
    texts = _within(
        "received_at, dealership_id",
        "inbound_messages",
        "received_at",
        runs,
        " AND dealership_id IS NOT NULL",
    )
    jobs = _within(
        "id, created_at, dealership_id, status, invoice_state", "jobs", "created_at", runs
    )
    return f"""
dealer_texts AS (
    SELECT (m.received_at AT TIME ZONE %(tz)s)::date AS day, m.dealership_id,
           count(*) AS texts
    FROM ({texts}) m
    GROUP BY 1, 2
), dealer_jobs AS (
    SELECT (j.created_at AT TIME ZONE %(tz)s)::date AS day, j.dealership_id,
           count(*) AS jobs_created,
           count(*) FILTER (WHERE j.status = 'COMPLETED') AS completed,
           count(*) FILTER (WHERE j.status = 'CANCELLED') AS cancelled,
           coalesce(sum(coalesce(i.total, i.subtotal)) FILTER (WHERE NOT i.voided), 0)
               AS invoiced,
           coalesce(sum(coalesce(i.total - i.balance, 0)) FILTER (WHERE NOT i.voided), 0)
               AS paid,
           coalesce(sum(coalesce(i.balance, i.total, i.subtotal))
                    FILTER (WHERE NOT i.voided AND j.invoice_state = 'OVERDUE'), 0) AS overdue
    FROM ({jobs}) j LEFT JOIN invoices i ON i.job_id = j.id
    GROUP BY 1, 2
), dealer_days AS (
    SELECT coalesce(t.day, m.day) AS day,
           coalesce(t.dealership_id, m.dealership_id) AS dealership_id,
           coalesce(t.texts, 0) AS texts, coalesce(m.jobs_created, 0) AS jobs_created,
           coalesce(m.completed, 0) AS completed, coalesce(m.cancelled, 0) AS cancelled,
           coalesce(m.invoiced, 0) AS invoiced, coalesce(m.paid, 0) AS paid,
           coalesce(m.overdue, 0) AS overdue
    FROM dealer_texts t
    FULL JOIN dealer_jobs m ON m.day = t.day AND m.dealership_id = t.dealership_id
)"""


def tech_days(runs: int) -> str:
    """CTEs up to ``tech_days``: per local day and technician of the ``runs`` ranges, the jobs
    the technician started that day; the distance between consecutive ones in the order
    started (a job of unknown zone skipped with both its legs)."""
    started = _within(
        "id, tech_id, status, started_at, completed_at, labour_minutes, zone_id",
        "jobs",
        "started_at",
        runs,
        " AND tech_id IS NOT NULL",
    )
    return f"""
tech_started AS (
    SELECT j.id, j.tech_id, j.status, j.started_at, j.completed_at, j.labour_minutes,
           z.latitude, z.longitude, (j.started_at AT TIME ZONE %(tz)s)::date AS day
    FROM ({started}) j LEFT JOIN zones z ON z.id = j.zone_id
), tech_legs AS (
    SELECT *, lag(latitude) OVER day AS lat0, lag(longitude) OVER day AS lon0
    FROM tech_started
    WINDOW day AS (PARTITION BY tech_id, day ORDER BY started_at, id)
), tech_days AS (
    SELECT day, tech_id,
           count(*) FILTER (WHERE status = 'COMPLETED') AS completed,
           coalesce(sum(labour_minutes) FILTER (WHERE status = 'COMPLETED'), 0)::bigint
               AS labour_minutes,
           coalesce(sum({MICROSECONDS.format("completed_at - started_at")})
                    FILTER (WHERE status = 'COMPLETED'), 0)::bigint AS busy_us,
           coalesce(sum({KM}) FILTER (WHERE lat0 IS NOT NULL AND latitude IS NOT NULL), 0)
               AS km
    FROM tech_legs GROUP BY day, tech_id
)"""


def parser_days(runs: int) -> str:
    """CTEs up to ``parser_days``: per local day of the ``runs`` ranges, the jobs the parser
    made from a text (sm2_core.domain.corrections.is_parsed) as 'parsed', those of them a
    dispatcher corrected as 'corrected', and per field corrected, under its name."""
    parsed = _within(
        "id, created_at",
        "jobs",
        "created_at",
        runs,
        " AND source_message_id IS NOT NULL AND parsing_confidence IS NOT NULL",
    )
    return f"""
parser_jobs AS (
    SELECT id, (created_at AT TIME ZONE %(tz)s)::date AS day FROM ({parsed}) j
), parser_fixes AS (
    SELECT j.day, c.field, c.job_id FROM parser_jobs j JOIN parse_corrections c ON c.job_id = j.id
), parser_days AS (
    SELECT day, 'parsed' AS measure, count(*) AS n FROM parser_jobs GROUP BY day
    UNION ALL
    SELECT day, coalesce(field, 'corrected'), count(DISTINCT job_id)
    FROM parser_fixes GROUP BY GROUPING SETS ((day, field), (day))
)"""


NOT_REACHED = -(2**31)
"""A milestone not reached, among a folded day's spans (``report_turnaround_days.spans``)."""


def _whole_seconds(us: str) -> str:
    """Microseconds as whole seconds, halves away from zero (sm2_core.reports.whole_seconds),
    within int4 (a duration past 68 years is one of 68); ``NOT_REACHED`` for null."""
    seconds = (
        f"CASE WHEN {us} >= 0 THEN ({us} + 500000) / 1000000 ELSE -((500000 - {us}) / 1000000) END"
    )
    # Not least(greatest(...)) alone: they skip nulls.
    return (
        f"CASE WHEN {us} IS NULL THEN {NOT_REACHED}"
        f" ELSE least(greatest({seconds}, {NOT_REACHED + 1}), {-(NOT_REACHED + 1)}) END::int"
    )


def turnaround_days(runs: int) -> str:
    """CTEs up to ``turnaround_days``: per local day of the ``runs`` ranges, the jobs created
    that day, packed as ``report_turnaround_days`` keeps them (migration 0023): the day's
    dealerships and services, and per job (in no order) its numbers among them and its durations
    to each milestone in whole seconds. Rounded before they are ranked: the same percentiles,
    since rounding keeps their order."""
    jobs = _within(
        "id, created_at, received_at, assigned_at, started_at, completed_at, status,"
        " dealership_id, service_code",
        "jobs",
        "created_at",
        runs,
    )
    spans = ", ".join(
        f"{MICROSECONDS.format(f'{reached} - j.received_at')} AS {name}"
        for name, reached in (
            ("created", "j.created_at"),
            ("assigned", "j.assigned_at"),
            ("started", "j.started_at"),
            ("completed", "CASE WHEN j.status = 'COMPLETED' THEN j.completed_at END"),
        )
    )
    packed = " || ".join(
        f"int4send({_whole_seconds(m)})" for m in ("created", "assigned", "started", "completed")
    )
    return f"""
turnaround_jobs AS (
    SELECT (j.created_at AT TIME ZONE %(tz)s)::date AS day, j.id, j.dealership_id,
           j.service_code COLLATE "C" AS service_code, {spans}
    -- OFFSET 0: a subquery PostgreSQL keeps apart, so that each duration is computed once
    -- rather than at each of its uses below.
    FROM ({jobs}) j OFFSET 0
), turnaround_numbered AS (
    SELECT day, id, dealership_id, service_code,
           int4send((dense_rank() OVER (PARTITION BY day ORDER BY dealership_id) - 1)::int)
           || int4send((dense_rank() OVER (PARTITION BY day ORDER BY service_code) - 1)::int)
           || {packed} AS packed
    FROM turnaround_jobs
), turnaround_days AS (
    SELECT day, count(*)::int AS jobs,
           array_agg(DISTINCT dealership_id ORDER BY dealership_id) AS dealers,
           array_agg(DISTINCT service_code ORDER BY service_code) AS services,
           string_agg(packed, ''::bytea) AS spans
    FROM turnaround_numbered GROUP BY day
)"""


def created_days(runs: int) -> str:
    """A CTE ``created_days``: jobs created per local day of the ``runs`` ranges."""
    jobs = _within("created_at", "jobs", "created_at", runs)
    return f"""
created_days AS (
    SELECT (j.created_at AT TIME ZONE %(tz)s)::date AS day, count(*) AS n
    FROM ({jobs}) j GROUP BY 1
)"""


# The days of a period (%(first)s to %(last)s) whose folds a report may use: folded in the
# report's zone, no change waiting.
# A change recorded in another zone (its writer read the zone before SM2_TIMEZONE changed)
# may be on any day of this zone within two of its own: zones' offsets differ by at most 26 h.
FOLDED = """
SELECT f.day FROM report_days f
WHERE f.day BETWEEN %(first)s AND %(last)s
  AND (SELECT timezone FROM report_rollup) = %(tz)s
  AND NOT EXISTS (SELECT 1 FROM report_changes c
                  WHERE c.day BETWEEN f.day - 2 AND f.day + 2
                    AND (c.day = f.day OR c.timezone <> %(tz)s))
"""
# The turnaround's: those days that have their spans too (days folded before migration 0023
# wait for their next fold).
TURNAROUND_FOLDED = (
    FOLDED + "  AND EXISTS (SELECT 1 FROM report_turnaround_days t WHERE t.day = f.day)\n"
)
# What a fold does first with the changes recorded in another zone that its snapshot sees:
# each becomes this zone's five days around it.
_FOREIGN_CHANGES = (
    "INSERT INTO report_changes (day, timezone) SELECT DISTINCT c.day + k, %(tz)s"
    " FROM report_changes c, generate_series(-2, 2) k WHERE c.timezone <> %(tz)s",
    "DELETE FROM report_changes WHERE timezone <> %(tz)s",
)


@attrs.frozen
class Split:
    """A period's days: those read from their folds, and the runs of consecutive others,
    counted from the jobs (each run from its first day's local midnight to its last's next)."""

    folded: list[date]
    runs: list[tuple[datetime, datetime]]

    def params(self) -> dict[str, Any]:
        bounds = {f"lo{n}": lo for n, (lo, _) in enumerate(self.runs)}
        bounds |= {f"hi{n}": hi for n, (_, hi) in enumerate(self.runs)}
        return {"folded": self.folded, **bounds}


def split(days: Iterable[date], folded: Iterable[date], zone: ZoneInfo) -> Split:
    """``days`` (ascending) split into those ``folded`` and runs of the others."""
    wanted = list(days)
    usable = set(folded).intersection(wanted)
    runs: list[list[date]] = []
    for day in wanted:
        if day in usable:
            continue
        if runs and (day - runs[-1][-1]).days == 1:
            runs[-1].append(day)
        else:
            runs.append([day])
    return Split(
        folded=sorted(usable),
        runs=[(local_day(run[0], zone).start, local_day(run[-1], zone).end) for run in runs],
    )


_FOLD_DAYS = """
WITH settled AS (
    SELECT (now() AT TIME ZONE %(tz)s)::date - %(settled)s AS until
), first_seen AS (
    SELECT least((SELECT min(created_at) FROM jobs),
                 (SELECT min(started_at) FROM jobs
                  WHERE started_at IS NOT NULL AND tech_id IS NOT NULL),
                 (SELECT min(received_at) FROM inbound_messages
                  WHERE dealership_id IS NOT NULL)) AS at
), waiting AS (
    SELECT c.day FROM report_changes c, settled s WHERE c.day <= s.until
    UNION
    SELECT d::date FROM first_seen f, settled s,
        generate_series((f.at AT TIME ZONE %(tz)s)::date, s.until, interval '1 day') d
    WHERE NOT EXISTS (SELECT 1 FROM report_days r WHERE r.day = d::date)
    UNION
    SELECT r.day FROM report_days r
    WHERE NOT EXISTS (SELECT 1 FROM report_turnaround_days t WHERE t.day = r.day)
)
SELECT day FROM waiting ORDER BY day DESC LIMIT %(limit)s
"""


def _fold_statements(runs: int) -> tuple[str, ...]:
    return (
        "DELETE FROM report_dealer_days WHERE day = ANY(%(days)s)",
        "DELETE FROM report_tech_days WHERE day = ANY(%(days)s)",
        "DELETE FROM report_parser_days WHERE day = ANY(%(days)s)",
        "DELETE FROM report_turnaround_days WHERE day = ANY(%(days)s)",
        f"WITH {dealer_days(runs)} INSERT INTO report_dealer_days SELECT * FROM dealer_days",
        f"WITH {tech_days(runs)} INSERT INTO report_tech_days SELECT * FROM tech_days",
        f"WITH {parser_days(runs)} INSERT INTO report_parser_days SELECT * FROM parser_days",
        # Every day taken gets its row, a day without jobs an empty one: a folded day without
        # one is a day folded before the turnaround was (see _FOLD_DAYS).
        f"WITH {turnaround_days(runs)} INSERT INTO report_turnaround_days"
        " SELECT d, coalesce(t.jobs, 0), coalesce(t.dealers, '{}'), coalesce(t.services, '{}'),"
        " coalesce(t.spans, ''::bytea)"
        " FROM unnest(%(days)s::date[]) d LEFT JOIN turnaround_days t ON t.day = d",
        "INSERT INTO report_days (day, folded_at) SELECT unnest(%(days)s::date[]), now()"
        " ON CONFLICT (day) DO UPDATE SET folded_at = excluded.folded_at",
        # The changes this snapshot saw are folded; those of transactions it did not see stay.
        "DELETE FROM report_changes WHERE day = ANY(%(days)s)",
    )


async def fold(url: str, timezone: str, *, limit: int = FOLD_DAYS) -> int:
    """Fold up to ``limit`` days waiting for it (changed since their fold, or never folded):
    the number folded, 0 when another fold is running. Its own connection: the transaction is
    REPEATABLE READ, and the lock is held around it."""
    async with await AsyncConnection.connect(url, autocommit=True) as conn:
        cur = await conn.execute("SELECT pg_try_advisory_lock(%s)", (FOLD_LOCK,))
        row = await cur.fetchone()
        if not (row and row[0]):
            return 0
        try:
            return await _fold(conn, timezone, limit)
        finally:
            await conn.execute("SELECT pg_advisory_unlock(%s)", (FOLD_LOCK,))


async def _fold(conn: AsyncConnection[Any], timezone: str, limit: int) -> int:
    await conn.set_isolation_level(IsolationLevel.REPEATABLE_READ)
    async with conn.transaction():
        cur = await conn.execute("SELECT timezone, generation FROM report_rollup")
        row = await cur.fetchone()
        assert row is not None  # migration 0020 inserts it
        if row[0] != timezone:
            # The days were another zone's: none is this one's day. Unfolded, and the triggers
            # record this zone's days from now on.
            await conn.execute(
                "UPDATE report_rollup SET timezone = %s, generation = generation + 1",
                (timezone,),
            )
            await conn.execute("DELETE FROM report_days")
            await conn.execute("DELETE FROM report_turnaround_days")
            await conn.execute("DELETE FROM report_changes")
            log.info("reports: days now folded in %s; folded days dropped", timezone)
            return 0
        # A month of jobs is read faster than PostgreSQL would compile the reads (JIT).
        await conn.execute("SELECT set_config('jit', 'off', true)")
        for statement in _FOREIGN_CHANGES:
            await conn.execute(statement, {"tz": timezone})
        params = {"tz": timezone, "settled": _SETTLED_DAYS, "limit": limit}
        cur = await conn.execute(_FOLD_DAYS, params)
        days = [r[0] for r in await cur.fetchall()]
        if not days:
            return 0
        # Each day taken is counted from the jobs, a branch per run of consecutive days.
        runs = split(sorted(days), (), ZoneInfo(timezone))
        folding = {"tz": timezone, **runs.params(), "days": days}
        for statement in _fold_statements(len(runs.runs)):
            await conn.execute(statement, folding)
        # A zone moved or a table emptied since this snapshot: what was just folded may be of
        # before it. Updating the row it updated makes this transaction fail (REPEATABLE READ)
        # rather than keep those days.
        await conn.execute("UPDATE report_rollup SET generation = generation")
    return len(days)
