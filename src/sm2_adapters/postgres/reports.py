"""The reports' figures counted by PostgreSQL (``sm2_core.reports`` defines them; the memory fake
counts the same in Python, and the contract suite holds the two to the same answers).

A period's jobs are read by creation time from ``jobs_reports`` (migration 0018), which carries
every column the reports read: an index-only scan, never the wide job rows.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any
from uuid import UUID

from psycopg import AsyncConnection

from sm2_adapters.postgres.records import fetch_dicts
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
# An interval in whole microseconds. Through double precision, which PostgreSQL computes far
# faster than the numeric extract() returns; exact: an interval of years is 1e14 µs, read to
# within 0.02 µs before the rounding.
_MICROSECONDS = "round(date_part('epoch', {}) * 1000000)::bigint"
# Sorts of a year's durations fit in memory rather than spilling to disk.
_WORK_MEM = "64MB"

_DEALERSHIPS = f"""
WITH texts AS (
    SELECT dealership_id, count(*) AS texts FROM inbound_messages
    WHERE received_at >= %(start)s AND received_at < %(end)s AND dealership_id IS NOT NULL
    GROUP BY dealership_id
), made AS (
    -- One pass over the period's jobs, each with its invoice if it has one. Invoice.paid:
    -- total - balance once QuickBooks said both; a voided invoice is no income.
    SELECT j.dealership_id, count(*) AS jobs_created,
           count(*) FILTER (WHERE j.status = 'COMPLETED') AS completed,
           count(*) FILTER (WHERE j.status = 'CANCELLED') AS cancelled,
           coalesce(sum(coalesce(i.total, i.subtotal)) FILTER (WHERE NOT i.voided), 0)
               AS invoiced,
           coalesce(sum(coalesce(i.total - i.balance, 0)) FILTER (WHERE NOT i.voided), 0)
               AS paid,
           coalesce(sum(coalesce(i.balance, i.total, i.subtotal))
                    FILTER (WHERE NOT i.voided AND j.invoice_state = 'OVERDUE'), 0) AS overdue
    FROM jobs j LEFT JOIN invoices i ON i.job_id = j.id
    WHERE {_IN_PERIOD}
    GROUP BY j.dealership_id
)
SELECT coalesce(t.dealership_id, m.dealership_id) AS dealership_id,
       coalesce(t.texts, 0) AS texts, coalesce(m.jobs_created, 0) AS jobs_created,
       coalesce(m.completed, 0) AS completed, coalesce(m.cancelled, 0) AS cancelled,
       coalesce(m.invoiced, 0) AS invoiced, coalesce(m.paid, 0) AS paid,
       coalesce(m.overdue, 0) AS overdue
FROM texts t FULL JOIN made m ON m.dealership_id = t.dealership_id
"""

# Per job, how long it took to reach each milestone (null: not reached), in microseconds; per
# group, each milestone's durations sorted into an array, of which the nearest-rank p50 and p90
# are picked (sm2_core.reports.rank, in integers). One row per job rather than per milestone,
# and the service code compared byte for byte: the grouping sorts a quarter of the rows, cheaply.
_SPANS = ", ".join(
    f"{_MICROSECONDS.format(f'{reached} - j.received_at')} AS {name}"
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

# sm2_core.policies.haversine_km, term for term (the same floating-point operations).
_KM = """2 * 6371.0088 * asin(sqrt(least(1.0,
    sin((radians(latitude) - radians(lat0)) / 2) ^ 2
    + cos(radians(lat0)) * cos(radians(latitude))
      * sin((radians(longitude) - radians(lon0)) / 2) ^ 2)))"""

_TECHNICIANS = f"""
WITH mine AS (
    SELECT j.id, j.tech_id, j.status, j.started_at, j.completed_at, j.labour_minutes,
           z.latitude, z.longitude, (j.started_at AT TIME ZONE %(tz)s)::date AS day
    FROM jobs j LEFT JOIN zones z ON z.id = j.zone_id
    WHERE {_IN_PERIOD} AND j.tech_id IS NOT NULL
), legs AS (
    SELECT tech_id, day, latitude, longitude,
           lag(latitude) OVER day AS lat0, lag(longitude) OVER day AS lon0
    FROM mine WHERE started_at IS NOT NULL
    WINDOW day AS (PARTITION BY tech_id, day ORDER BY started_at, id)
), travel AS (
    SELECT tech_id, count(DISTINCT day) AS working_days,
           coalesce(sum({_KM}) FILTER (WHERE lat0 IS NOT NULL AND latitude IS NOT NULL), 0)
               AS km
    FROM legs GROUP BY tech_id
), work AS (
    SELECT tech_id, count(*) FILTER (WHERE status = 'COMPLETED') AS completed,
           coalesce(sum(labour_minutes) FILTER (WHERE status = 'COMPLETED'), 0)::bigint
               AS labour_minutes,
           coalesce(sum({_MICROSECONDS.format("completed_at - started_at")})
                    FILTER (WHERE status = 'COMPLETED'), 0)::bigint AS busy_us
    FROM mine GROUP BY tech_id
)
SELECT w.tech_id, w.completed, w.labour_minutes, w.busy_us,
       coalesce(t.working_days, 0) AS working_days, coalesce(t.km, 0) AS km
FROM work w LEFT JOIN travel t ON t.tech_id = w.tech_id
"""

# sm2_core.domain.corrections.is_parsed, in SQL.
_PARSED = f"{_IN_PERIOD} AND j.source_message_id IS NOT NULL AND j.parsing_confidence IS NOT NULL"
_PARSER = f"SELECT count(*) AS parsed_jobs FROM jobs j WHERE {_PARSED}"
# Per field, and (the empty grouping set, field null) any field: distinct jobs each time.
_PARSER_FIELDS = f"""
SELECT c.field, count(DISTINCT c.job_id) AS n
FROM parse_corrections c JOIN jobs j ON j.id = c.job_id
WHERE {_PARSED} GROUP BY GROUPING SETS ((c.field), ())
"""

_PER_DAY = f"""
SELECT (j.created_at AT TIME ZONE %(tz)s)::date AS day, count(*) AS n
FROM jobs j WHERE {_IN_PERIOD} GROUP BY 1
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


class PostgresReportSource:
    def __init__(self, conn: AsyncConnection[Any]) -> None:
        self._conn = conn

    async def _rows(self, query: str, period: Period, **extra: Any) -> list[dict[str, Any]]:
        params = {"start": period.start, "end": period.end, "tz": period.timezone, **extra}
        # For this transaction only: the pool's other users keep the server's setting.
        await self._conn.execute("SELECT set_config('work_mem', %s, true)", (_WORK_MEM,))
        return await fetch_dicts(self._conn, query, params)

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
            for r in await self._rows(_DEALERSHIPS, period)
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
            for r in await self._rows(_TECHNICIANS, period)
        ]

    async def parser(self, period: Period) -> ParserFigures:
        parsed = (await self._rows(_PARSER, period))[0]["parsed_jobs"]
        fields = await self._rows(_PARSER_FIELDS, period)
        return ParserFigures(
            parsed_jobs=parsed,
            corrected_jobs=next((r["n"] for r in fields if r["field"] is None), 0),
            by_field={ParsedField(r["field"]): r["n"] for r in fields if r["field"] is not None},
        )

    async def created_per_day(self, period: Period) -> dict[date, int]:
        return {r["day"]: r["n"] for r in await self._rows(_PER_DAY, period)}

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
