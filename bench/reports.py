"""The reports on a year of a busy company: 1,000,000 jobs (nine in ten from a text, their audit
entries and milestones, invoices for the completed ones, parse corrections) across 50
dealerships and 250 technicians, on the machine's PostgreSQL server.

    python bench/reports.py [--jobs 1000000] [--runs 30] [--url URL] [--reseed] [--explain]

Each report is asked through the real service (``ReportService`` on PostgreSQL units of work,
as the API asks it) for the last full month and for the whole year (366 days), ``--runs``
times after two warm-up runs; the page's four reports together (``all``) and the month's jobs
export are timed too. The database (``--url``, default ``sm2_bench_reports`` on
127.0.0.1:5432) is created, migrated and seeded once (``reports_seed.py``) and reused.
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


async def measure(url: str, runs: int) -> None:
    count, newest = seeded_jobs(url)
    pool = make_pool(url, min_size=1, max_size=2)
    await pool.open(wait=True)
    service = ReportService(uow=PostgresUnitOfWorkFactory(pool), clock=ManualClock(), timezone=TZ)
    print(f"{count:,} jobs; {server_load()}")
    try:
        for name, span in periods(newest).items():
            print(f"\n{name}: {span.first} to {span.last} ({span.days} days)")
            reports: dict[str, Callable[[], Awaitable[Any]]] = {
                "dealerships": lambda s=span: service.dealerships(s),
                "turnaround": lambda s=span: service.turnaround(s),
                "technicians": lambda s=span: service.technicians(s),
                "parser": lambda s=span: service.parser(s),
                "all four (the page)": lambda s=span: service.all(s),
            }
            for report, call in reports.items():
                samples = await timed(runs, call, warmup=2)
                print(f"  {report:<20} {summary(samples)}")
        await export(service, periods(newest)["month"])
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
    """The plans of the year's queries, as PostgreSQL runs them."""
    from sm2_adapters.postgres import reports

    span = periods(newest)["year"]
    params = {"start": span.start, "end": span.end, "tz": TZ}
    queries = {
        "dealerships": reports._DEALERSHIPS,
        "turnaround": reports._TURNAROUND,
        "technicians": reports._TECHNICIANS,
        "parser": reports._PARSER,
    }
    with psycopg.connect(url) as conn:
        conn.execute("SET TIME ZONE 'UTC'")
        # As the adapter runs them (PostgresReportSource._rows).
        conn.execute("SELECT set_config('work_mem', %s, false)", (reports._WORK_MEM,))
        for name, query in queries.items():
            plan = conn.execute(
                "EXPLAIN (ANALYZE, TIMING OFF, COSTS OFF) " + query, params
            ).fetchall()
            print(f"\nEXPLAIN {name} (year):")
            for (line,) in plan:
                print("   ", line)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--jobs", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--url", default=os.environ.get("SM2_BENCH_REPORTS_URL", DEFAULT_URL))
    parser.add_argument("--reseed", action="store_true", help="seed again even if seeded")
    parser.add_argument("--explain", action="store_true", help="print the year's plans")
    args = parser.parse_args()
    ensure_database(args.url)
    count, newest = seeded_jobs(args.url)
    if args.reseed or count != args.jobs:
        seed(args.url, args.jobs)
        count, newest = seeded_jobs(args.url)
    else:
        print(f"reusing {count:,} jobs")
    asyncio.run(measure(args.url, args.runs))
    if args.explain:
        explain(args.url, newest)


if __name__ == "__main__":
    main()
