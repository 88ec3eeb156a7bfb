"""The admin job list on 1,000,000 jobs across 50 dealerships: first pages and deep cursor pages.

    python bench/job_list.py [--jobs 1000000] [--runs 200]

Runs on the embedded PostgreSQL in $SM2_BENCH_DATA_DIR (default /tmp/sm2-bench) unless
SM2_DATABASE_URL is set. The data is generated once and reused by later runs. Each query goes
through the real repository (PostgresJobRepository.search) in a unit of work, as the API does.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import time
from pathlib import Path
from typing import Any

import psycopg

sys.path.insert(0, str(Path(__file__).parent))
from common import database_url, summary, timed

from sm2_adapters.postgres.database import make_pool
from sm2_adapters.postgres.uow import PostgresUnitOfWorkFactory
from sm2_core.domain.enums import JobStatus, Urgency
from sm2_core.ports import JobFilter

GENERATE = """
WITH z AS (
    INSERT INTO zones (id, name, latitude, longitude)
    SELECT gen_random_uuid(), 'Zone ' || g, 46.5 + g / 100.0, -71.5 + g / 100.0
    FROM generate_series(1, 8) g RETURNING id
), s AS (
    INSERT INTO services (id, code, name, name_fr, base_price)
    SELECT gen_random_uuid(), 'SERVICE_' || g, 'Service ' || g, 'Service ' || g, 100
    FROM generate_series(1, 14) g RETURNING id, code
), d AS (
    INSERT INTO dealerships (id, name, phone, email, zone_id)
    SELECT gen_random_uuid(), 'Dealer ' || g, '+1418556' || lpad(g::text, 4, '0'),
           'd' || g || '@example.com', (SELECT id FROM z ORDER BY random() LIMIT 1)
    FROM generate_series(1, 50) g RETURNING id
), t AS (
    INSERT INTO technicians (id, name, phone, skills)
    SELECT gen_random_uuid(), 'Tech ' || g, '+1418557' || lpad(g::text, 4, '0'), '{}'
    FROM generate_series(1, 40) g RETURNING id
)
SELECT (SELECT array_agg(id) FROM d), (SELECT array_agg(id) FROM t),
       (SELECT array_agg(id) FROM s), (SELECT array_agg(code) FROM s)
"""

INSERT_JOBS = """
INSERT INTO jobs (id, job_code, dealership_id, service_id, service_code, vehicle_data, urgency,
                  ranking_score, status, invoice_state, tech_id, approved_at, created_at,
                  updated_at)
SELECT gen_random_uuid(),
       'SM2-' || (2024 + g %% 3) || '-' || lpad(g::text, 7, '0'),
       (%(dealers)s::uuid[])[1 + g %% 50],
       (%(services)s::uuid[])[1 + g %% 14],
       (%(codes)s::text[])[1 + g %% 14],
       jsonb_build_object('year', 2015 + g %% 11, 'make', 'Toyota', 'model', 'RAV4',
                          'vin', NULL, 'stock_no', 'S' || g),
       (ARRAY['LOW','MEDIUM','MEDIUM','HIGH','MEDIUM','LOW','HIGH','MEDIUM','CRITICAL',
              'MEDIUM'])[1 + (g * 7) %% 10],
       (g * 13) %% 31,
       st,
       CASE WHEN st = 'COMPLETED' THEN 'SYNCED' ELSE 'NOT_STARTED' END,
       CASE WHEN st IN ('PENDING', 'CANCELLED') THEN NULL
            ELSE (%(techs)s::uuid[])[1 + g %% 40] END,
       CASE WHEN st = 'COMPLETED' THEN now() END,
       now() - make_interval(mins => g),
       now()
FROM (SELECT g, (ARRAY['COMPLETED','COMPLETED','COMPLETED','COMPLETED','COMPLETED','COMPLETED',
                       'COMPLETED','COMPLETED','PENDING','SCHEDULED','IN_PROGRESS','CANCELLED',
                       'COMPLETED','COMPLETED','PENDING','COMPLETED','COMPLETED','COMPLETED',
                       'SCHEDULED','CANCELLED'])[1 + (g * 11) %% 20] AS st
      FROM generate_series(%(start)s, %(stop)s) g) gen
"""


def ensure_jobs(url: str, count: int) -> None:
    with psycopg.connect(url, autocommit=True) as conn:
        have = conn.execute("SELECT count(*) FROM jobs").fetchone()
        if have and have[0] >= count:
            print(f"reusing {have[0]:,} jobs")
            return
        conn.execute("TRUNCATE jobs, audit_logs, technicians, dealerships, services, zones CASCADE")
        dealers, techs, services, codes = conn.execute(GENERATE).fetchone() or ((), (), (), ())
        started = time.perf_counter()
        for start in range(1, count + 1, 100_000):
            conn.execute(
                INSERT_JOBS,
                {
                    "dealers": dealers,
                    "techs": techs,
                    "services": services,
                    "codes": codes,
                    "start": start,
                    "stop": min(count, start + 99_999),
                },
            )
        conn.execute("VACUUM ANALYZE jobs")
        print(f"generated {count:,} jobs in {time.perf_counter() - started:.0f} s")


def pick(url: str) -> dict[str, Any]:
    with psycopg.connect(url) as conn:
        dealer = conn.execute("SELECT dealership_id FROM jobs LIMIT 1").fetchone()
        tech = conn.execute("SELECT tech_id FROM jobs WHERE tech_id IS NOT NULL LIMIT 1").fetchone()
    assert dealer is not None
    assert tech is not None
    return {"dealer": dealer[0], "tech": tech[0]}


async def measure(url: str, runs: int) -> None:
    ids = pick(url)
    filters = {
        "board (no filter)": JobFilter(),
        "status=PENDING": JobFilter(status=JobStatus.PENDING),
        "dealership": JobFilter(dealership_id=ids["dealer"]),
        "urgency=HIGH": JobFilter(urgency=Urgency.HIGH),
        "technician": JobFilter(tech_id=ids["tech"]),
        "status=COMPLETED + dealership": JobFilter(
            status=JobStatus.COMPLETED, dealership_id=ids["dealer"]
        ),
    }
    pool = make_pool(url, min_size=1, max_size=2)
    await pool.open(wait=True)
    uow = PostgresUnitOfWorkFactory(pool)

    async def page(query: JobFilter, cursor: str | None = None) -> Any:
        async with uow() as unit:
            return await unit.jobs.search(query, limit=50, cursor=cursor)

    try:
        for name, query in filters.items():
            first = await timed(runs, lambda q=query: page(q))
            print(f"first page  {name:<32} {summary(first)}")
            cursor = None
            for _ in range(199):
                cursor = (await page(query, cursor)).next_cursor
                if cursor is None:
                    break
            if cursor is not None:
                deep = await timed(runs, lambda q=query, c=cursor: page(q, c))
                print(f"page 200    {name:<32} {summary(deep)}")
    finally:
        await pool.close()


def explain(url: str) -> None:
    with psycopg.connect(url) as conn:
        for title, sql in (
            (
                "first page, status=PENDING",
                "SELECT * FROM jobs WHERE status = 'PENDING' "
                "ORDER BY sort_urgency, sort_score, created_at, id LIMIT 51",
            ),
            (
                "deep page (cursor), no filter",
                "SELECT * FROM jobs WHERE (sort_urgency, sort_score, created_at, id) > "
                "(2, -15, now() - interval '300 days', '00000000-0000-0000-0000-000000000000') "
                "ORDER BY sort_urgency, sort_score, created_at, id LIMIT 51",
            ),
        ):
            plan = conn.execute("EXPLAIN (ANALYZE, BUFFERS, COSTS OFF) " + sql).fetchall()
            print(f"\nEXPLAIN {title}:")
            for (line,) in plan:
                print("   ", line)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--jobs", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=200)
    args = parser.parse_args()
    url = database_url()
    ensure_jobs(url, args.jobs)
    asyncio.run(measure(url, args.runs))
    explain(url)


if __name__ == "__main__":
    main()
