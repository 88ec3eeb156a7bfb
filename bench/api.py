"""The HTTP API under load: the job list and a job's detail, and live events to 200 admins.

    python bench/api.py [--requests 2000] [--connections 16] [--admins 200] [--events 50]

Runs ``sm2 serve`` on the benchmark database (make the million jobs first with
``bench/job_list.py``) and drives it from this second process over loopback. Prints requests/s
and p50/p99 per endpoint, and the delay from a job's creation to its ``job.created`` event at
each connected admin. The schedule case is a day with 50 technicians and 400 windows (added
once, with a window on every scheduled job of the million).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import subprocess
import sys
import time
from datetime import datetime
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).parent))
from common import BENCH_DATA_DIR, database_url

PORT = 8766
BASE = f"http://127.0.0.1:{PORT}"
PASSWORD = "bench-password-123"


def start_server() -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        "SM2_DATA_DIR": str(BENCH_DATA_DIR),
        "SM2_TWILIO_VERIFY": "off",
        "SM2_PUBLIC_URL": BASE,
    }
    sm2 = Path(sys.executable).with_name("sm2")
    subprocess.run([sm2, "seed", "--demo"], env=env, check=True, capture_output=True)
    subprocess.run(
        [sm2, "users", "add", "benchadmin", "--role", "admin", "--password-stdin"],
        env=env,
        input=f"{PASSWORD}\n".encode(),
        capture_output=True,
    )
    server = subprocess.Popen(
        [sm2, "serve", "--port", str(PORT)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"{BASE}/api/system/health", timeout=1).status_code == 200:
                return server
        except httpx.HTTPError:
            time.sleep(0.3)
    server.kill()
    raise SystemExit("sm2 serve did not start")


#: The Day view's benchmark day: 50 active technicians with 8 one-hour windows each.
SCHEDULE_DAY = "2027-03-15"
SCHEDULE_TECHS, SCHEDULE_SLOTS = 50, 8
# Every job that has been scheduled gets a window the day after it was created, so the day's
# query runs among windows on every day of the table's three years, not on an empty index.
BACKFILL_WINDOWS = """
UPDATE jobs SET window_start = created_at + interval '1 day',
                window_end = created_at + interval '1 day 1 hour'
WHERE window_start IS NULL AND status IN ('SCHEDULED', 'IN_PROGRESS', 'COMPLETED')
"""
TECHNICIANS = """
INSERT INTO technicians (id, name, phone, skills)
SELECT gen_random_uuid(), 'Day tech ' || g, '+1418558' || lpad(g::text, 4, '0'), '{}'
FROM generate_series(1, %(missing)s) g
"""
DAY_JOBS = """
INSERT INTO jobs (id, job_code, dealership_id, vehicle_data, urgency, status, tech_id,
                  window_start, window_end, created_at, updated_at)
SELECT gen_random_uuid(), 'SM2-2099-' || lpad((t.n * 100 + s)::text, 6, '0'),
       (SELECT id FROM dealerships ORDER BY name LIMIT 1),
       jsonb_build_object('year', 2024, 'make', 'Toyota', 'model', 'Corolla'),
       'MEDIUM', 'SCHEDULED', t.id,
       (%(day)s::date + time '07:00' + make_interval(mins => 75 * s)) AT TIME ZONE
           'America/Toronto',
       (%(day)s::date + time '08:00' + make_interval(mins => 75 * s)) AT TIME ZONE
           'America/Toronto',
       now(), now()
FROM (SELECT id, row_number() OVER (ORDER BY name) AS n FROM technicians
      WHERE is_active ORDER BY name LIMIT %(techs)s) t,
     generate_series(0, %(slots)s - 1) s
"""


def ensure_schedule_day(url: str) -> None:
    """The benchmark day's 400 windows for 50 technicians, and windows on the other jobs."""
    import psycopg

    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(BACKFILL_WINDOWS)
        row = conn.execute("SELECT count(*) FROM technicians WHERE is_active").fetchone()
        active = row[0] if row else 0
        if active < SCHEDULE_TECHS:
            conn.execute(TECHNICIANS, {"missing": SCHEDULE_TECHS - active})
        row = conn.execute("SELECT count(*) FROM jobs WHERE job_code LIKE 'SM2-2099-%'").fetchone()
        if not row or row[0] == 0:
            conn.execute(
                DAY_JOBS,
                {"day": SCHEDULE_DAY, "techs": SCHEDULE_TECHS, "slots": SCHEDULE_SLOTS},
            )
        # As autovacuum would have by now (this machine's server runs without it): the
        # backfill leaves the partial indexes full of dead entries otherwise.
        conn.execute("VACUUM ANALYZE jobs")


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


async def load(
    client: httpx.AsyncClient, paths: list[str], connections: int
) -> tuple[float, list[float]]:
    latencies: list[float] = []
    queue: asyncio.Queue[str] = asyncio.Queue()
    for path in paths:
        queue.put_nowait(path)

    async def loop() -> None:
        while not queue.empty():
            path = queue.get_nowait()
            started = time.perf_counter()
            response = await client.get(path)
            response.raise_for_status()
            latencies.append((time.perf_counter() - started) * 1000)

    started = time.perf_counter()
    await asyncio.gather(*(loop() for _ in range(connections)))
    return len(paths) / (time.perf_counter() - started), latencies


async def deep_cursor(client: httpx.AsyncClient, query: str, pages: int) -> str:
    cursor = ""
    for _ in range(pages):
        body = (await client.get(f"/api/jobs?limit=50{query}{cursor}")).json()
        if not body["next_cursor"]:
            break
        cursor = f"&cursor={body['next_cursor']}"
    return cursor


async def endpoints(token: str, requests: int, connections: int, warmup: int) -> None:
    headers = {"Authorization": f"Bearer {token}"}
    limits = httpx.Limits(max_connections=connections)
    async with httpx.AsyncClient(
        base_url=BASE, headers=headers, limits=limits, timeout=30
    ) as client:
        first = (await client.get("/api/jobs?limit=50")).json()["items"]
        cases = {
            "GET /api/jobs first page": "/api/jobs?limit=50",
            "GET /api/jobs status=PENDING": "/api/jobs?limit=50&status=PENDING",
            "GET /api/jobs page 200 (cursor)": "/api/jobs?limit=50"
            + await deep_cursor(client, "", 199),
            "GET /api/jobs urgency=HIGH page 200": "/api/jobs?limit=50&urgency=HIGH"
            + await deep_cursor(client, "&urgency=HIGH", 199),
            "GET /api/jobs/{id}": f"/api/jobs/{first[0]['id']}",
            "GET /api/schedule (50 techs, 400 jobs)": f"/api/schedule?date={SCHEDULE_DAY}",
        }
        for name, path in cases.items():
            # Unmeasured first: a case's first answers fill caches (PostgreSQL's buffers, the
            # prepared statements, templates) that every later one finds full.
            await load(client, [path] * warmup, connections)
            rate, latencies = await load(client, [path] * requests, connections)
            print(
                f"{name:<38} {rate:7.0f} req/s   p50 {statistics.median(latencies):6.1f} ms"
                f"   p99 {pct(latencies, 0.99):6.1f} ms"
            )


async def admin_stream(
    token: str,
    ready: asyncio.Event,
    arrivals: dict[str, list[float]],
    counter: list[int],
    admins: int,
) -> None:
    headers = {"Authorization": f"Bearer {token}"}
    async with (
        httpx.AsyncClient(base_url=BASE, headers=headers, timeout=None) as client,
        client.stream("GET", "/api/events") as response,
    ):
        counter[0] += 1
        if counter[0] == admins:
            ready.set()
        event = ""
        async for line in response.aiter_lines():
            if line.startswith("event:"):
                event = line.split(":", 1)[1].strip()
            elif line.startswith("data:") and event == "job.created":
                data = json.loads(line.split(":", 1)[1])
                arrivals.setdefault(data["job_id"], []).append(time.time())


async def events(token: str, admins: int, count: int) -> None:
    ready = asyncio.Event()
    arrivals: dict[str, list[float]] = {}
    counter = [0]
    streams = [
        asyncio.create_task(admin_stream(token, ready, arrivals, counter, admins))
        for _ in range(admins)
    ]
    await asyncio.wait_for(ready.wait(), 60)
    async with httpx.AsyncClient(base_url=BASE, timeout=30) as client:
        for n in range(count):
            await client.post(
                "/webhooks/twilio/sms",
                data={
                    "From": "+14185550103",
                    "To": "+14185550000",
                    "MessageSid": f"SMev{time.time_ns()}{n}",
                    "Body": f"changement d'huile RAV4 2022 stock E{n}",
                },
            )
            await asyncio.sleep(0.1)
    await asyncio.sleep(3)
    for task in streams:
        task.cancel()
    headers = {"Authorization": f"Bearer {token}"}
    delays: list[float] = []
    async with httpx.AsyncClient(base_url=BASE, headers=headers, timeout=30) as client:
        for job_id, times in arrivals.items():
            job = (await client.get(f"/api/jobs/{job_id}")).json()
            created = datetime.fromisoformat(job["created_at"]).timestamp()
            delays.extend((t - created) * 1000 for t in times)
    complete = sum(1 for times in arrivals.values() if len(times) == admins)
    print(
        f"events: {len(arrivals)} jobs, delivered to all {admins} admins for {complete}; "
        f"job created → event at an admin: p50 {statistics.median(delays):.0f} ms, "
        f"p99 {pct(delays, 0.99):.0f} ms (n={len(delays)})"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--warmup", type=int, default=20, help="unmeasured requests per case")
    parser.add_argument("--admins", type=int, default=200)
    parser.add_argument("--events", type=int, default=50)
    args = parser.parse_args()
    ensure_schedule_day(database_url())
    server = start_server()
    try:
        token = httpx.post(
            f"{BASE}/api/auth/login", json={"username": "benchadmin", "password": PASSWORD}
        ).json()["access_token"]
        asyncio.run(endpoints(token, args.requests, args.connections, args.warmup))
        asyncio.run(events(token, args.admins, args.events))
    finally:
        server.terminate()
        server.wait(timeout=30)


if __name__ == "__main__":
    main()
