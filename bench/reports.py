"""The reports on a year of a busy company: 1,000,000 jobs (nine in ten from a text, their audit
entries and milestones, invoices for the completed ones, parse corrections) across 50
dealerships and 250 technicians, on the machine's PostgreSQL server.

    python bench/reports.py [--jobs 1000000] [--runs 30] [--url URL] [--reseed] [--explain]

Each report is asked through the real service (``ReportService`` on PostgreSQL units of work,
as the API asks it) for the last full month and for the whole year (366 days), ``--runs``
times after two warm-up runs; the page's four reports together (``all``) and the month's jobs
export are timed too. The database (``--url``, default ``sm2_bench_reports`` on
127.0.0.1:5432) is created, migrated and seeded once (``reports_seed.py``) and reused.

The past days' figures are folded (``postgres.report_days``) as the worker's periodic task folds
them, timed. In the same run, for comparison: the year with nothing folded (every day counted
from the jobs, ``--baseline-runs`` times), and the year after jobs of ``--changed-days`` days
spread over it changed since the fold (those days counted from the jobs until the next fold).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import time
from collections.abc import Awaitable, Callable
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import psycopg
from psycopg import sql
from psycopg.conninfo import conninfo_to_dict, make_conninfo

sys.path.insert(0, str(Path(__file__).parent))
from common import summary, timed
from reports_seed import seed

from sm2_adapters.memory import ManualClock
from sm2_adapters.postgres import report_days
from sm2_adapters.postgres.database import make_pool, migrate
from sm2_adapters.postgres.uow import PostgresUnitOfWorkFactory
from sm2_core.reports import Period
from sm2_core.services import ReportService

DEFAULT_URL = "postgresql://postgres@127.0.0.1:5432/sm2_bench_reports"
TZ = "America/Toronto"


def ensure_database(url: str) -> None:
    """Create the database if the server lacks it, then migrate it."""
    name = conninfo_to_dict(url).get("dbname")
    admin = make_conninfo(url, dbname="postgres")
    with psycopg.connect(admin, autocommit=True) as conn:
        found = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone()
        if not found:
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(str(name))))
    migrate(url)


def seeded_jobs(url: str) -> tuple[int, date]:
    """How many jobs there are, and the local day of the newest."""
    with psycopg.connect(url) as conn:
        row = conn.execute(
            "SELECT count(*), (max(created_at) AT TIME ZONE %s)::date FROM jobs", (TZ,)
        ).fetchone()
    assert row is not None
    return row[0], row[1] or date.today()


def periods(newest: date) -> dict[str, Period]:
    last_month_end = newest.replace(day=1) - timedelta(days=1)
    return {
        "month": Period(last_month_end.replace(day=1), last_month_end, TZ),
        "year": Period(newest - timedelta(days=365), newest, TZ),
    }


def server_load() -> str:
    one, five, _ = os.getloadavg()
    return f"load average {one:.2f} (1 min), {five:.2f} (5 min) on {os.cpu_count()} cores"


def execute(url: str, statement: str, *params: Any) -> None:
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(statement, params)


async def fold_everything(url: str) -> None:
    """Fold every day waiting, as the periodic task does (a run a minute), timed."""
    started, runs, days = time.perf_counter(), 0, 0
    while folded := await report_days.fold(url, TZ):
        runs, days = runs + 1, days + folded
    took = time.perf_counter() - started
    per_run = f"{took / runs:.2f} s per run of at most {report_days.FOLD_DAYS} days" if runs else ""
    print(f"folded {days} day(s) in {runs} run(s), {took:.1f} s; {per_run}")
    execute(url, "VACUUM ANALYZE report_days, report_dealer_days, report_tech_days, report_changes")


def change_days(url: str, days: int, newest: date) -> None:
    """A job of each of ``days`` days spread over the year, changed (as a payment or a
    correction would): those days wait for the next fold."""
    step = max(1, 360 // days)
    for n in range(days):
        day = newest - timedelta(days=5 + n * step)
        execute(
            url,
            "UPDATE jobs SET labour_minutes = labour_minutes WHERE id = ("
            " SELECT id FROM jobs WHERE created_at >= (%s::date)::timestamp AT TIME ZONE %s"
            " ORDER BY created_at LIMIT 1)",
            day,
            TZ,
        )


async def measure_reports(service: ReportService, span: Period, runs: int, *, page: bool) -> None:
    reports: dict[str, Callable[[], Awaitable[Any]]] = {
        "dealerships": lambda: service.dealerships(span),
        "turnaround": lambda: service.turnaround(span),
        "technicians": lambda: service.technicians(span),
        "parser": lambda: service.parser(span),
    }
    if page:
        reports["all four (the page)"] = lambda: service.all(span)
    for report, call in reports.items():
        samples = await timed(runs, call, warmup=2)
        print(f"  {report:<20} {summary(samples)}")


async def measure(url: str, runs: int, baseline_runs: int, changed_days: int) -> None:
    count, newest = seeded_jobs(url)
    pool = make_pool(url, min_size=1, max_size=2)
    await pool.open(wait=True)
    service = ReportService(uow=PostgresUnitOfWorkFactory(pool), clock=ManualClock(), timezone=TZ)
    spans = periods(newest)
    print(f"{count:,} jobs; {server_load()}")
    try:
        if baseline_runs:
            execute(url, "DELETE FROM report_days")
            print(f"\nyear, nothing folded: {spans['year'].first} to {spans['year'].last}")
            await measure_reports(service, spans["year"], baseline_runs, page=False)
        print()
        await fold_everything(url)
        for name, span in spans.items():
            print(f"\n{name}, folded: {span.first} to {span.last} ({span.days} days)")
            await measure_reports(service, span, runs, page=True)
        if changed_days:
            change_days(url, changed_days, newest)
            print(f"\nyear, {changed_days} days changed since the fold:")
            await measure_reports(service, spans["year"], runs, page=False)
            await fold_everything(url)
        await export(service, spans["month"])
    finally:
        await pool.close()
    print(f"\n{server_load()}")


async def export(service: ReportService, span: Period) -> None:
    """The month's jobs as ``sm2 export jobs`` reads them, page by page."""
    started, rows = time.perf_counter(), 0
    async for page in service.export_jobs(span):
        rows += len(page.jobs)
    took = time.perf_counter() - started
    print(f"\nexport of the month: {rows:,} jobs in {took:.1f} s ({rows / took:,.0f} jobs/s)")


def explain(url: str, newest: date) -> None:
    """The plans of the year's queries, as PostgreSQL runs them (the days folded)."""
    from sm2_adapters.postgres import reports

    span = periods(newest)["year"]
    params: dict[str, Any] = {"start": span.start, "end": span.end, "tz": TZ}
    with psycopg.connect(url) as conn:
        found = conn.execute(report_days.FOLDED, {**params, "first": span.first, "last": span.last})
        days = report_days.split(span.each_day(), (d for (d,) in found.fetchall()), span.zone)
    params |= days.params()
    runs = len(days.runs)
    queries = {
        "dealerships": (reports._dealerships(runs), False),
        "turnaround": (reports._turnaround(runs), False),
        "technicians": (reports._technicians(runs), False),
        "parser": (reports._parser(runs), False),
    }
    with psycopg.connect(url) as conn:
        conn.execute("SET TIME ZONE 'UTC'")
        for name, (query, jit) in queries.items():
            # As the adapter runs them (PostgresReportSource._rows).
            conn.execute(reports._SETTINGS, (reports._WORK_MEM, jit))
            plan = conn.execute("EXPLAIN (ANALYZE, TIMING OFF, COSTS OFF) " + query, params)
            print(f"\nEXPLAIN {name} (year):")
            for (line,) in plan.fetchall():
                print("   ", line)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--jobs", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--url", default=os.environ.get("SM2_BENCH_REPORTS_URL", DEFAULT_URL))
    parser.add_argument("--reseed", action="store_true", help="seed again even if seeded")
    parser.add_argument("--explain", action="store_true", help="print the year's plans")
    parser.add_argument(
        "--baseline-runs", type=int, default=5, help="the year unfolded, this many times (0: not)"
    )
    parser.add_argument(
        "--changed-days", type=int, default=30, help="days changed after the fold (0: none)"
    )
    args = parser.parse_args()
    ensure_database(args.url)
    count, newest = seeded_jobs(args.url)
    if args.reseed or count != args.jobs:
        seed(args.url, args.jobs)
        count, newest = seeded_jobs(args.url)
    else:
        print(f"reusing {count:,} jobs")
    asyncio.run(measure(args.url, args.runs, args.baseline_runs, args.changed_days))
    if args.explain:
        explain(args.url, newest)


if __name__ == "__main__":
    main()
