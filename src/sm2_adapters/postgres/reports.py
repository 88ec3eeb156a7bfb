"""The reports' figures counted by PostgreSQL (``sm2_core.reports`` defines them; the memory fake
counts the same in Python, and the contract suite holds the two to the same answers).

A period's jobs are read by creation time from ``jobs_reports`` (migration 0018), which carries
every column the reports read: an index-only scan, never the wide job rows. The dealerships',
the technicians' and the parser's figures (and the jobs per day) of past days are folded once
and summed, and the turnaround's durations of past days packed once and ranked
(``report_days``, ``turnaround``); only the other days are counted from the jobs.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import date, datetime
from decimal import Decimal
from typing import Any
from uuid import UUID

from psycopg import AsyncConnection

from sm2_adapters.postgres import turnaround
from sm2_adapters.postgres.records import fetch_dicts
from sm2_adapters.postgres.report_days import (
    FOLDED,
    TURNAROUND_FOLDED,
    created_days,
    dealer_days,
    parser_days,
    split,
    tech_days,
    turnaround_days,
)
from sm2_adapters.postgres.turnaround import PackedDay
from sm2_core.domain.corrections import ParsedField
from sm2_core.ports import ReportSource
from sm2_core.reports import (
    DealershipFigures,
    ExportedJob,
    ParserFigures,
    Period,
    TechnicianFigures,
    TurnaroundFigures,
)

_IN_PERIOD = "j.created_at >= %(start)s AND j.created_at < %(end)s"
# A year counted from the jobs (nothing folded yet) sorts in memory rather than on disk.
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


def _turnaround(runs: int) -> str:
    """The folded days' packed spans and the other days' packed from the jobs (turnaround.py)."""
    return f"""
WITH {turnaround_days(runs)}
SELECT dealers, services, spans
FROM report_turnaround_days WHERE day = ANY(%(folded)s::date[]) AND jobs > 0
UNION ALL
SELECT dealers, services, spans FROM turnaround_days
"""


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
        self, query: str, period: Period, *, jit: bool = True, binary: bool = False, **extra: Any
    ) -> list[dict[str, Any]]:
        """``jit``: as the server has it, or off."""
        params = {"start": period.start, "end": period.end, "tz": period.timezone, **extra}
        # For this transaction only: the pool's other users keep the server's settings.
        await self._conn.execute(_SETTINGS, (_WORK_MEM, jit))
        return await fetch_dicts(self._conn, query, params, binary=binary)

    async def _folded_rows(
        self,
        query: Callable[[int], str],
        period: Period,
        folded: str = FOLDED,
        *,
        binary: bool = False,
    ) -> list[dict[str, Any]]:
        """A report that sums the folded days' figures and counts the others' from the jobs
        (``query(runs)``: its statement for so many runs of days not folded; ``folded``: the
        statement that says which days are). Without JIT: PostgreSQL would spend longer
        compiling its few rows' reads (0.5 to 1 s) than reading them."""
        found = await fetch_dicts(
            self._conn,
            folded,
            {"first": period.first, "last": period.last, "tz": period.timezone},
        )
        days = split(period.each_day(), (r["day"] for r in found), period.zone)
        return await self._rows(
            query(len(days.runs)), period, jit=False, binary=binary, **days.params()
        )

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
        # Binary: a year's 24 MB of spans as they are, rather than twice as much hex to decode.
        rows = await self._folded_rows(_turnaround, period, TURNAROUND_FOLDED, binary=True)
        days = [PackedDay.of(r) for r in rows]
        # A year's selection takes 170 ms of CPU, in numpy, which lets go of the GIL meanwhile:
        # the event loop serves other requests.
        return await asyncio.to_thread(turnaround.figures, days)

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
