"""Job creation through the repository, beside pgbench's single-row INSERT rate on the same server.

    python bench/job_create.py [--writers 2] [--seconds 10]

Each creation is what intake does per job: one transaction with the yearly job code, the job row,
its audit entry and its event (NOTIFY included). pgbench inserts one row per transaction with the
same number of clients, measured in the same run: the ratio says what our work costs over the
floor a single INSERT sets.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from uuid import uuid4

import psycopg
from psycopg.types.json import Jsonb

sys.path.insert(0, str(Path(__file__).parent))
from common import database_url, pgbench_insert_rate, summary

from sm2_adapters.postgres.database import make_pool
from sm2_adapters.postgres.records import PendingEvents
from sm2_adapters.postgres.uow import PostgresUnitOfWorkFactory
from sm2_core.domain.job import Job, Vehicle
from sm2_core.domain.records import Actor
from sm2_core.lifecycle import created
from sm2_core.services.common import add_new_job

ACTOR = Actor.system("bench")


def a_dealership(url: str) -> object:
    with psycopg.connect(url, autocommit=True) as conn:
        row = conn.execute("SELECT id FROM dealerships LIMIT 1").fetchone()
        if row:
            return row[0]
        dealer_id = uuid4()
        conn.execute(
            "INSERT INTO dealerships (id, name, phone, email) VALUES "
            "(%s, 'Bench dealer', '+14185559999', 'b@example.com')",
            (dealer_id,),
        )
        return dealer_id


async def writer(
    uow: PostgresUnitOfWorkFactory, dealer: object, stop_at: float, latencies: list[float]
) -> int:
    count = 0
    while time.perf_counter() < stop_at:
        started = time.perf_counter()
        async with uow() as unit:
            now = datetime.now(UTC)
            job = Job(
                id=uuid4(),
                job_code=await unit.jobs.next_code(now.year),
                dealership_id=dealer,
                vehicle=Vehicle(make="Audi", model="Q5", year=2023),  # type: ignore[arg-type]
                created_at=now,
                updated_at=now,
                request_text="bench",
            )
            await add_new_job(unit, created(job, actor=ACTOR))
        latencies.append((time.perf_counter() - started) * 1000)
        count += 1
    return count


async def create_rate(url: str, writers: int, seconds: int) -> tuple[float, list[float]]:
    dealer = a_dealership(url)
    pool = make_pool(url, min_size=writers, max_size=writers)
    await pool.open(wait=True)
    latencies: list[float] = []
    try:
        stop_at = time.perf_counter() + seconds
        started = time.perf_counter()
        counts = await asyncio.gather(
            *(
                writer(PostgresUnitOfWorkFactory(pool), dealer, stop_at, latencies)
                for _ in range(writers)
            )
        )
        elapsed = time.perf_counter() - started
    finally:
        await pool.close()
    return sum(counts) / elapsed, latencies


async def rate_without_notify(url: str, writers: int, seconds: int) -> float:
    """The same creations with the events written but no NOTIFY: what the wake-up costs."""
    original = PendingEvents.flush

    async def flush_without_notify(self: PendingEvents, conn: Any) -> None:
        if self.items:
            async with conn.cursor() as cur:
                await cur.executemany(
                    "INSERT INTO events (name, subject_id, occurred_at, data) VALUES (%s, %s, %s, %s)",
                    [(e.name, e.subject_id, e.occurred_at, Jsonb(e.data)) for e in self.items],
                )
            self.items.clear()

    PendingEvents.flush = flush_without_notify  # type: ignore[method-assign]
    try:
        rate, _ = await create_rate(url, writers, seconds)
    finally:
        PendingEvents.flush = original  # type: ignore[method-assign]
    return rate


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--writers", type=int, default=2)
    parser.add_argument("--seconds", type=int, default=10)
    args = parser.parse_args()
    url = database_url()
    baseline = pgbench_insert_rate(url, clients=args.writers, seconds=args.seconds)
    rate, latencies = asyncio.run(create_rate(url, args.writers, args.seconds))
    quiet = asyncio.run(rate_without_notify(url, args.writers, args.seconds))
    print(f"pgbench single-row INSERT ({args.writers} clients): {baseline:8.0f} tx/s")
    print(
        f"job creation via repository ({args.writers} writers): {rate:8.0f} jobs/s   "
        f"ratio {rate / baseline:.2f} of pgbench"
    )
    print(f"job creation latency: {summary(latencies)}   mean {statistics.mean(latencies):.2f} ms")
    print(f"the same without NOTIFY: {quiet:8.0f} jobs/s   (NOTIFY costs {1 - rate / quiet:.0%})")


if __name__ == "__main__":
    main()
