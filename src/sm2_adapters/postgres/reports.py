"""The reports' figures counted by PostgreSQL (``sm2_core.reports`` defines them; the memory fake
counts the same in Python, and the contract suite holds the two to the same answers).

A period's jobs are read by creation time from ``jobs_reports`` (migration 0018), which carries
every column the reports read: an index-only scan, never the wide job rows. The dealerships' and
the technicians' and the parser's figures (and the jobs per day) of past days are folded once
and summed
(``report_days``); only the other days are counted from the jobs.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from decimal import Decimal
from typing import Any
from uuid import UUID

from psycopg import AsyncConnection

from sm2_adapters.postgres.records import fetch_dicts
from sm2_adapters.postgres.report_days import (
    FOLDED,
    MICROSECONDS,
    created_days,
    dealer_days,
    parser_days,
    split,
    tech_days,
)
from sm2_core.domain.corrections import ParsedField
from sm2_core.ports import ReportSource
from sm2_core.reports import (
    DealershipFigures,
    Durations,
    ExportedJob,
    Milestone,
    ParserFigures,
    Period,
    TechnicianFigures,
    TurnaroundFigures,
)

_IN_PERIOD = "j.created_at >= %(start)s AND j.created_at < %(end)s"
# Sorts of a year's durations fit in memory rather than spilling to disk.
_WORK_MEM = "64MB"


def _dealerships(runs: int) -> str:
    """The folded days' figures and the other days' counted from the jobs (report_days.py)."""
    return f"""
WITH {dealer_days(runs)}
SELECT dealership_id, sum(texts)::bigint AS texts, sum(jobs_created)::bigint AS jobs_created,
       sum(completed)::bigint AS completed, sum(cancelled)::bigint AS cancelled,
       sum(invoiced) AS invoiced, sum(paid) AS paid, sum(overdue) AS overdue
FROM (
    SELECT dealership_id, texts, jobs_created, completed, cancelled, invoiced, paid, overdue
    FROM report_dealer_days WHERE day = ANY(%(folded)s::date[])
    UNION ALL
    SELECT dealership_id, texts, jobs_created, completed, cancelled, invoiced, paid, overdue
    FROM dealer_days
) d
GROUP BY dealership_id
"""


# Per job, how long it took to reach each milestone (null: not reached), in microseconds; per
# group, each milestone's durations sorted into an array, of which the nearest-rank p50 and p90
# are picked (sm2_core.reports.rank, in integers). One row per job rather than per milestone,
# and the service code compared byte for byte: the grouping sorts a quarter of the rows, cheaply.
_SPANS = ", ".join(
    f"{MICROSECONDS.format(f'{reached} - j.received_at')} AS {name}"
    for name, reached in (
        ("created", "j.created_at"),
        ("assigned", "j.assigned_at"),
        ("started", "j.started_at"),
        ("completed", "CASE WHEN j.status = 'COMPLETED' THEN j.completed_at END"),
    )
)
_SORTED = ", ".join(
    f"array_agg({m} ORDER BY {m}) FILTER (WHERE {m} IS NOT NULL) AS {m}" for m in Milestone
)
_PICKED = ", ".join(
    f"cardinality({m}) AS {m}_n, {m}[(50 * cardinality({m}) + 99) / 100] AS {m}_p50, "
    f"{m}[(90 * cardinality({m}) + 99) / 100] AS {m}_p90"
    for m in Milestone
)
_TURNAROUND = f"""
SELECT grouped, service_code, dealership_id, {_PICKED}
FROM (
    SELECT GROUPING(service_code, dealership_id) AS grouped, service_code, dealership_id,
           {_SORTED}
    FROM (SELECT j.dealership_id, j.service_code COLLATE "C" AS service_code, {_SPANS}
          FROM jobs j WHERE {_IN_PERIOD}) spans
    GROUP BY GROUPING SETS ((), (service_code), (dealership_id))
) g
"""
_OVERALL, _BY_SERVICE, _BY_DEALERSHIP = 3, 1, 2
"""GROUPING(service_code, dealership_id): neither grouped, the service only, the dealership."""


def _technicians(runs: int) -> str:
    """A row per working day, folded or counted (report_days.py)."""
    return f"""
WITH {tech_days(runs)}
SELECT tech_id, sum(completed)::bigint AS completed,
       sum(labour_minutes)::bigint AS labour_minutes, sum(busy_us)::bigint AS busy_us,
       count(*) AS working_days, sum(km) AS km
FROM (
    SELECT tech_id, completed, labour_minutes, busy_us, km
    FROM report_tech_days WHERE day = ANY(%(folded)s::date[])
    UNION ALL
    SELECT tech_id, completed, labour_minutes, busy_us, km FROM tech_days
) t
GROUP BY tech_id
"""


def _parser(runs: int) -> str:
    """Per measure ('parsed', 'corrected', a field's name), folded days and counted ones."""
    return f"""
WITH {parser_days(runs)}
SELECT measure, sum(n)::bigint AS n
FROM (
    SELECT measure, n FROM report_parser_days WHERE day = ANY(%(folded)s::date[])
    UNION ALL
    SELECT measure, n FROM parser_days
) p
GROUP BY measure
"""


def _per_day(runs: int) -> str:
    return f"""
WITH {created_days(runs)}
SELECT day, sum(n)::bigint AS n
FROM (
    SELECT day, jobs_created AS n
    FROM report_dealer_days WHERE day = ANY(%(folded)s::date[]) AND jobs_created > 0
    UNION ALL
    SELECT day, n FROM created_days
) d
GROUP BY day
"""


_EXPORT = f"""
SELECT j.id, j.job_code, j.created_at, j.dealership_id, j.service_code, j.vehicle_data,
       j.status, j.invoice_state, j.qb_invoice_id, j.completed_at,
       i.subtotal, i.total, i.balance, i.due_date, coalesce(i.voided, false) AS voided
FROM jobs j LEFT JOIN invoices i ON i.job_id = j.id
WHERE {_IN_PERIOD} AND (j.created_at, j.id) > (%(after_at)s, %(after_id)s)
ORDER BY j.created_at, j.id
LIMIT %(limit)s
"""


_SETTINGS = """
SELECT set_config('work_mem', %s, true),
       set_config('jit', CASE WHEN %s THEN (SELECT reset_val FROM pg_settings WHERE name = 'jit')
                              ELSE 'off' END, true)
"""


class PostgresReportSource:
    def __init__(self, conn: AsyncConnection[Any]) -> None:
        self._conn = conn

    async def _rows(
        self, query: str, period: Period, *, jit: bool = True, **extra: Any
    ) -> list[dict[str, Any]]:
        """``jit``: as the server has it, or off."""
        params = {"start": period.start, "end": period.end, "tz": period.timezone, **extra}
        # For this transaction only: the pool's other users keep the server's settings.
        await self._conn.execute(_SETTINGS, (_WORK_MEM, jit))
        return await fetch_dicts(self._conn, query, params)

    async def _folded_rows(
        self, query: Callable[[int], str], period: Period
    ) -> list[dict[str, Any]]:
        """A report that sums the folded days' figures and counts the others' from the jobs
        (``query(runs)``: its statement for so many runs of days not folded). Without JIT:
        PostgreSQL would spend longer compiling its few rows' reads (0.5 to 1 s) than reading
        them."""
        found = await fetch_dicts(
            self._conn,
            FOLDED,
            {"first": period.first, "last": period.last, "tz": period.timezone},
        )
        days = split(period.each_day(), (r["day"] for r in found), period.zone)
        return await self._rows(query(len(days.runs)), period, jit=False, **days.params())

    async def dealerships(self, period: Period) -> list[DealershipFigures]:
        return [
            DealershipFigures(
                dealership_id=r["dealership_id"],
                texts=r["texts"],
                jobs_created=r["jobs_created"],
                completed=r["completed"],
                cancelled=r["cancelled"],
                invoiced=_money(r["invoiced"]),
                paid=_money(r["paid"]),
                overdue=_money(r["overdue"]),
            )
            for r in await self._folded_rows(_dealerships, period)
        ]

    async def turnaround(self, period: Period) -> TurnaroundFigures:
        overall: dict[Milestone, Durations] = {}
        services: dict[str | None, dict[Milestone, Durations]] = {}
        dealers: dict[UUID, dict[Milestone, Durations]] = {}
        for r in await self._rows(_TURNAROUND, period):
            found = {
                m: Durations(r[f"{m}_n"], r[f"{m}_p50"], r[f"{m}_p90"])
                for m in Milestone
                if r[f"{m}_n"]
            }
            if r["grouped"] == _OVERALL:
                overall = found
            elif r["grouped"] == _BY_SERVICE:
                services[r["service_code"]] = found
            else:
                dealers[r["dealership_id"]] = found
        return TurnaroundFigures(overall=overall, by_service=services, by_dealership=dealers)

    async def technicians(self, period: Period) -> list[TechnicianFigures]:
        return [
            TechnicianFigures(
                technician_id=r["tech_id"],
                completed=r["completed"],
                labour_minutes=r["labour_minutes"],
                busy_us=r["busy_us"],
                working_days=r["working_days"],
                km=float(r["km"]),
            )
            for r in await self._folded_rows(_technicians, period)
        ]

    async def parser(self, period: Period) -> ParserFigures:
        found = {r["measure"]: r["n"] for r in await self._folded_rows(_parser, period)}
        parsed, corrected = found.pop("parsed", 0), found.pop("corrected", 0)
        return ParserFigures(
            parsed_jobs=parsed,
            corrected_jobs=corrected,
            by_field={ParsedField(field): n for field, n in found.items()},
        )

    async def created_per_day(self, period: Period) -> dict[date, int]:
        return {r["day"]: r["n"] for r in await self._folded_rows(_per_day, period)}

    async def jobs(
        self, period: Period, *, after: tuple[datetime, UUID] | None = None, limit: int
    ) -> list[ExportedJob]:
        after_at, after_id = after or (period.start, UUID(int=0))
        rows = await self._rows(_EXPORT, period, after_at=after_at, after_id=after_id, limit=limit)
        return [_exported(r) for r in rows]


def _money(value: Decimal) -> Decimal:
    return Decimal(value).quantize(Decimal("0.01"))


def _exported(r: dict[str, Any]) -> ExportedJob:
    vehicle = r["vehicle_data"]
    return ExportedJob(
        job_id=r["id"],
        job_code=r["job_code"],
        created_at=r["created_at"],
        dealership_id=r["dealership_id"],
        service_code=r["service_code"],
        year=vehicle.get("year"),
        make=vehicle.get("make"),
        model=vehicle.get("model"),
        vin=vehicle.get("vin"),
        stock_no=vehicle.get("stock_no"),
        status=r["status"],
        invoice_state=r["invoice_state"],
        qb_invoice_id=r["qb_invoice_id"],
        completed_at=r["completed_at"],
        subtotal=r["subtotal"],
        total=r["total"],
        balance=r["balance"],
        due_date=r["due_date"],
        voided=r["voided"],
    )


def _conforms(source: PostgresReportSource) -> ReportSource:
    """Checked by mypy: the adapter has the shape of the port."""
    return source
