"""The admin job list on 1,000,000 jobs across 50 dealerships: first pages and deep cursor pages,
then the free-text search ``q`` beside the ILIKE scan it replaced.

    python bench/job_list.py [--jobs 1000000] [--runs 200] [--baseline-runs 10] [--search-only]

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
from common import database_url, drop_search_indexes, summary, timed

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
                  updated_at, request_text)
SELECT gen_random_uuid(),
       'SM2-' || (2024 + g %% 3) || '-' || lpad(g::text, 7, '0'),
       (%(dealers)s::uuid[])[1 + g %% 50],
       (%(services)s::uuid[])[1 + g %% 14],
       (%(codes)s::text[])[1 + g %% 14],
       jsonb_build_object('year', year, 'make', make, 'model', model, 'vin', vin,
                          'stock_no', stock),
       (ARRAY['LOW','MEDIUM','MEDIUM','HIGH','MEDIUM','LOW','HIGH','MEDIUM','CRITICAL',
              'MEDIUM'])[1 + (g * 7) %% 10],
       (g * 13) %% 31,
       st,
       CASE WHEN st = 'COMPLETED' THEN 'SYNCED' ELSE 'NOT_STARTED' END,
       CASE WHEN st IN ('PENDING', 'CANCELLED') THEN NULL
            ELSE (%(techs)s::uuid[])[1 + g %% 40] END,
       CASE WHEN st = 'COMPLETED' THEN now() END,
       now() - make_interval(mins => g),
       now(),
       -- What dealerships text: French or English, with the model, often the stock number or
       -- the VIN; a few words are rare (turbocompresseur: 1 job in 10,000).
       CASE (g * 17 + g / 13) %% 16
           WHEN 0 THEN 'Changement d''huile sur ' || make || ' ' || model || ' stock '
                       || coalesce(stock, '?') || ', client attend sur place'
           WHEN 1 THEN 'Oil change and tire rotation, ' || year || ' ' || make || ' ' || model
           WHEN 2 THEN 'Pneus d''hiver à poser sur le ' || model || ' #' || coalesce(stock, '')
                       || ' svp'
           WHEN 3 THEN 'PDI needed on new ' || model || ' VIN ' || coalesce(vin, 'à venir')
                       || ' before delivery'
           WHEN 4 THEN 'Programmation d''une clé supplémentaire, ' || make || ' ' || model
           WHEN 5 THEN 'Brake pads worn on ' || make || ' ' || model || ', customer waiting'
           WHEN 6 THEN 'Vérifier le bruit de freinage, ' || model || ' stock '
                       || coalesce(stock, 'inconnu')
           WHEN 7 THEN 'Remplacer la batterie du ' || model || ', démarreur lent le matin'
           WHEN 8 THEN 'Key fob lost, need 2 keys programmed for ' || make || ' ' || model
           WHEN 9 THEN 'Esthétique complète avant livraison : ' || model || ' '
                       || coalesce(vin, '')
           WHEN 10 THEN 'Check engine light on, ' || year || ' ' || model || ' stk '
                        || coalesce(stock, 'n/a')
           WHEN 11 THEN 'Climatisation ne refroidit plus, ' || make || ' ' || model
           WHEN 12 THEN 'Windshield chip repair ' || model || ' ' || coalesce(stock, '')
           WHEN 13 THEN 'Alignement et balancement des roues, ' || model || ' ' || year
           WHEN 14 THEN 'Recall campaign on ' || make || ' ' || model || ' VIN '
                        || coalesce(vin, 'unknown')
           ELSE 'Vidange + remplacement des essuie-glaces, ' || model || ', huile synthétique'
       END
       || CASE WHEN g %% 9973 = 17 THEN '. Turbocompresseur à vérifier aussi'
               WHEN g %% 1009 = 3 THEN '. Rétroviseur cassé côté passager'
               WHEN g %% 10 = 9 THEN '. URGENT, le client part ce soir'
               ELSE '' END
FROM (SELECT g, st, year, make, model,
             -- Seven jobs in ten have a VIN (its last six digits are unique), six a stock number.
             CASE WHEN g %% 10 < 7 THEN
                 (ARRAY['2T3','2HG','1FT','KM8','5XY','JM3','1GC','5N1','4S4','3VW','2T1','1HG',
                        '1FM','KMH','JN1','3GN'])[1 + m]
                 || upper(substr(md5(g::text), 1, 6))
                 || substr('ABCDEFGHJKLMNPRSTVWXY', 1 + g %% 21, 1)
                 || substr('ABCDEFGHJKLMNPRSTVWXY', 1 + (g / 21) %% 21, 1)
                 || lpad(((g::bigint * 7919) %% 1000000)::text, 6, '0')
             END AS vin,
             CASE WHEN g %% 5 < 3 THEN
                 (ARRAY['U', 'N', 'P', 'T', 'D'])[1 + (g / 5) %% 5]
                 || lpad(((g * 31) %% 100000)::text, 5, '0')
             END AS stock
      FROM (SELECT g, (g * 7 + g / 1000) %% 16 AS m, 2012 + g %% 15 AS year,
                   (ARRAY['Toyota','Honda','Ford','Hyundai','Kia','Mazda','Chevrolet','Nissan',
                          'Subaru','Volkswagen','Toyota','Honda','Ford','Hyundai','Nissan',
                          'Chevrolet'])[1 + (g * 7 + g / 1000) %% 16] AS make,
                   (ARRAY['RAV4','CR-V','F-150','Tucson','Sorento','CX-5','Silverado','Rogue',
                          'Outback','Jetta','Corolla','Civic','Escape','Elantra','Kicks',
                          'Equinox'])[1 + (g * 7 + g / 1000) %% 16] AS model,
                   (ARRAY['COMPLETED','COMPLETED','COMPLETED','COMPLETED','COMPLETED',
                          'COMPLETED','COMPLETED','COMPLETED','PENDING','SCHEDULED',
                          'IN_PROGRESS','CANCELLED','COMPLETED','COMPLETED','PENDING',
                          'COMPLETED','COMPLETED','COMPLETED','SCHEDULED',
                          'CANCELLED'])[1 + (g * 11) %% 20] AS st
            FROM generate_series(%(start)s, %(stop)s) g) base) gen
"""


def ensure_jobs(url: str, count: int) -> None:
    with psycopg.connect(url, autocommit=True) as conn:
        # Jobs generated before the texts and vehicles were (all request texts empty) are redone.
        have = conn.execute("SELECT count(*), bool_or(request_text <> '') FROM jobs").fetchone()
        if have and have[0] >= count and have[1]:
            print(f"reusing {have[0]:,} jobs")
            return
        started = time.perf_counter()
        # One transaction: an interrupted run leaves the jobs (and the search index) as they were.
        with conn.transaction():
            conn.execute(
                "TRUNCATE jobs, audit_logs, technicians, dealerships, services, zones CASCADE"
            )
            dealers, techs, services, codes = conn.execute(GENERATE).fetchone() or ((), (), (), ())
            # The search index is built once after the load (as a restore does), not job by job.
            search_indexes = drop_search_indexes(conn)
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
            conn.execute("SET LOCAL maintenance_work_mem = '512MB'")
            for definition in search_indexes:
                conn.execute(definition)
        conn.execute("VACUUM ANALYZE jobs")
        print(f"generated {count:,} jobs in {time.perf_counter() - started:.0f} s")


def pick(url: str) -> dict[str, Any]:
    with psycopg.connect(url) as conn:
        dealer = conn.execute("SELECT dealership_id FROM jobs LIMIT 1").fetchone()
        tech = conn.execute("SELECT tech_id FROM jobs WHERE tech_id IS NOT NULL LIMIT 1").fetchone()
        # A job generated 42% of the way (g a multiple of ten: it has a VIN).
        count = conn.execute("SELECT count(*) FROM jobs").fetchone()
        g = (count[0] if count else 0) * 42 // 1000 * 10
        job = conn.execute(
            "SELECT job_code, vin FROM jobs WHERE job_code = %s", (f"SM2-{2024 + g % 3}-{g:07d}",)
        ).fetchone()
    assert dealer is not None
    assert tech is not None
    assert job is not None
    return {"dealer": dealer[0], "tech": tech[0], "code": job[0], "vin": job[1]}


def search_cases(ids: dict[str, Any]) -> dict[str, str]:
    """What a dispatcher types in the search box, by kind (share of the jobs it finds)."""
    return {
        "job code": ids["code"],  # 1 job
        "job number": ids["code"].rsplit("-", 1)[1].lstrip("0"),  # 1 job, and longer numbers
        "VIN last 6": ids["vin"][-6:],  # 1 job (and codes whose number begins so)
        "VIN last 8": ids["vin"][-8:],
        "model word": "Tucson",  # 6%
        "model with hyphen": "cr-v",  # 6%
        "French word (accent)": "démarreur",  # 6%
        "word prefix": "frein",  # 6%
        "rare word": "turbocompresseur",  # 0.01%
        "rare French word": "retroviseur",  # 0.1%
        "common word": "huile",  # 12.5%
        "word tied to urgency": "urgent",  # 10%, all of them HIGH: after the CRITICAL jobs
        # Model years fall on urgencies here (both follow the job's number): all of 2012's jobs
        # are LOW, the board's last 200,000; all of 2013's are MEDIUM, after 300,000 others.
        "year, all LOW": "2012",  # 6.7%
        "year, all MEDIUM": "2013",  # 6.7%
        "two words": "civic huile",  # 0.8%
        "no match": "zzzz",
        "one letter": "s",  # a prefix most jobs have
    }


#: Beyond what a dispatcher types: a dealer's whole text pasted into the box, and a run of single
#: letters (each a prefix that nearly every job has). Measured, not held to the target.
PASTED = {
    "pasted sentence (21 words)": "Changement d'huile sur Honda Civic stock U12345, client "
    "attend sur place, vérifier aussi les freins et la batterie svp merci",
    "twenty single letters": "a e i o u s t r n l c d p m b v f g h j",
}


# The free-text clause as it was before migration 0013 (a scan of every job's words).
ILIKE_SEARCH = (
    "SELECT * FROM jobs WHERE (job_code || ' ' || coalesce(vin, '') || ' ' "
    "|| coalesce(vehicle_data->>'stock_no', '') || ' ' || coalesce(vehicle_data->>'make', '') "
    "|| ' ' || coalesce(vehicle_data->>'model', '') || ' ' || request_text) ILIKE %s "
    "ORDER BY sort_urgency, sort_score, created_at, id LIMIT 51"
)


def _like(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


async def measure(url: str, runs: int, baseline_runs: int, search_only: bool) -> None:
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

    async def ilike(text: str) -> None:
        async with pool.connection() as conn:
            await (await conn.execute(ILIKE_SEARCH, (_like(text),))).fetchall()

    try:
        for name, query in {} if search_only else filters.items():
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
        for name, text in (search_cases(ids) | PASTED).items():
            query = JobFilter(text=text)
            found = len((await page(query)).items)
            print(f"q={text!r} ({name}): {found} jobs on the first page")
            first = await timed(runs, lambda q=query: page(q))
            print(f"  first page      {summary(first)}")
            cursor = (await page(query)).next_cursor
            for _ in range(198):
                if cursor is None:
                    break
                cursor = (await page(query, cursor)).next_cursor
            if cursor is not None:
                deep = await timed(runs, lambda q=query, c=cursor: page(q, c))
                print(f"  page 200        {summary(deep)}")
            if baseline_runs:
                old = await timed(baseline_runs, lambda t=text: ilike(t), warmup=1)
                print(f"  ILIKE (before)  {summary(old)}")
    finally:
        await pool.close()


BOARD_PLANS = (
    (
        "first page, status=PENDING",
        "SELECT * FROM jobs WHERE status = 'PENDING' "
        "ORDER BY sort_urgency, sort_score, created_at, id LIMIT 51",
        (),
    ),
    (
        "deep page (cursor), no filter",
        "SELECT * FROM jobs WHERE (sort_urgency, sort_score, created_at, id) > "
        "(2, -15, now() - interval '300 days', '00000000-0000-0000-0000-000000000000') "
        "ORDER BY sort_urgency, sort_score, created_at, id LIMIT 51",
        (),
    ),
)


def explain(url: str, search_only: bool) -> None:
    """The board's plans (a search is several statements: see sm2_adapters.postgres.text_search)."""
    if search_only:
        return
    with psycopg.connect(url) as conn:
        for title, sql, params in BOARD_PLANS:
            plan = conn.execute("EXPLAIN (ANALYZE, BUFFERS, COSTS OFF) " + sql, params).fetchall()
            print(f"\nEXPLAIN {title}:")
            for (line,) in plan:
                print("   ", line)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--jobs", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=200)
    parser.add_argument(
        "--baseline-runs", type=int, default=10, help="runs of the old ILIKE scan (0: skip it)"
    )
    parser.add_argument("--search-only", action="store_true", help="only the search cases")
    args = parser.parse_args()
    url = database_url()
    ensure_jobs(url, args.jobs)
    asyncio.run(measure(url, args.runs, args.baseline_runs, args.search_only))
    explain(url, args.search_only)


if __name__ == "__main__":
    main()
