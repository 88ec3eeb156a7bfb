"""What adding processes buys: a burst of texts end to end, per setup, on a PostgreSQL server.

    python bench/scale.py [--database sm2_scale] [--texts 3000] [--connections 32]
        [--setups serve:1,serve:2,split:1x1,split:1x2,split:1x4,split:2x1,split:2x2,split:2x4]
        [--steady RATE --seconds 60]

Runs on the PostgreSQL server of ``SM2_SCALE_SERVER`` (default
``postgresql://postgres@127.0.0.1:5432``, not the embedded one), in its own database (created
when missing, seeded with the demo data). For each setup:

- ``serve:W``: ``sm2 serve --workers W``, a task worker inside each web process;
- ``split:WxM``: ``sm2 serve --workers W --no-worker`` and M ``sm2 worker`` processes (niced,
  as docs/deploying.md advises on a shared host);

it measures the same run's pgbench single-row INSERT rate (2 clients, 10 s), then sends
``--texts`` signed webhooks over ``--connections`` connections as fast as the answers come
(closed loop, pre-built requests over raw sockets: the client costs little), and waits until
every text is parsed. It prints the texts per second end to end (from the first webhook sent to
the last job committed, its confirmation queued in the same transaction), its ratio to
pgbench's rate, the webhook's p50/p99, receipt → job p50/p99, when the last confirmation was
settled (Twilio is not configured: each ends NOT_CONFIGURED, after the same unit-of-work and
queue work as a sent one), and where the CPU went during the burst (``/proc/<pid>/stat``):
PostgreSQL's backends of this database, the web processes, the workers and this client, each
as a share of the machine's cores.

``--steady RATE`` sends RATE texts per second for ``--seconds`` instead, on a fixed schedule
(open loop, as Twilio does), and prints the same figures: the latency of the 200 counts from
when each text was due.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import Any

import attrs
import httpx
import psycopg
import uvloop
from psycopg import sql
from psycopg.conninfo import make_conninfo

sys.path.insert(0, str(Path(__file__).parent))
from common import BENCH_DATA_DIR, pgbench_insert_rate
from ingest import (
    PORT,
    PUBLIC,
    TOKEN,
    _read_response,
    fire_open,
    pct,
    raw_requests,
    signed_requests,
)

TICKS = os.sysconf("SC_CLK_TCK")
CORES = os.cpu_count() or 1
SM2 = Path(sys.executable).with_name("sm2")
DEFAULT_SETUPS = "serve:1,serve:2,split:1x1,split:1x2,split:1x4,split:2x1,split:2x2,split:2x4"


@attrs.frozen
class Setup:
    web: int
    workers: int
    """``sm2 worker`` processes; 0: a worker inside each web process."""

    @classmethod
    def parse(cls, text: str) -> Setup:
        kind, _, size = text.partition(":")
        if kind == "serve":
            return cls(web=int(size), workers=0)
        web, _, workers = size.partition("x")
        return cls(web=int(web), workers=int(workers))

    def __str__(self) -> str:
        if not self.workers:
            return f"sm2 serve --workers {self.web}"
        return f"sm2 serve --workers {self.web} --no-worker + {self.workers} sm2 worker"


# --- processes and their CPU --------------------------------------------------------------------


def cpu_seconds(pid: int) -> float:
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except FileNotFoundError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / TICKS


def machine_busy_seconds() -> float:
    """CPU seconds the whole machine spent busy (every process, others' included)."""
    fields = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    idle = fields[3] + fields[4]  # idle and iowait
    return (sum(fields[:8]) - idle) / TICKS


def descendants(pid: int) -> list[int]:
    """``pid`` and every process under it (uvicorn's web processes are children of sm2 serve)."""
    found, todo = [], [pid]
    while todo:
        current = todo.pop()
        found.append(current)
        for task in Path(f"/proc/{current}/task").glob("*"):
            children = task / "children"
            if children.exists():
                todo += [int(c) for c in children.read_text().split()]
    return found


#: Each kind of process connects under its own name, so that PostgreSQL's CPU can be told
#: apart: spent on receipt and the pages (web) or on the tasks (workers).
WEB_NAME, WORKER_NAME = "sm2 web", "sm2 worker"


def backends(url: str, name: str | None = None) -> list[int]:
    """The PostgreSQL server processes serving this database (this machine's server), those
    of the connections named ``name`` only when given."""
    with psycopg.connect(url, autocommit=True) as conn:
        rows = conn.execute(
            "SELECT pid FROM pg_stat_activity WHERE datname = current_database()"
            " AND pid <> pg_backend_pid() AND (%s::text IS NULL OR application_name = %s)",
            (name, name),
        ).fetchall()
    return [pid for (pid,) in rows]


@attrs.define
class CpuWatch:
    """CPU seconds of each group of processes between ``start`` and ``stop``."""

    url: str
    web: list[subprocess.Popen[bytes]]
    workers: list[subprocess.Popen[bytes]]
    _before: dict[str, dict[int, float]] = attrs.Factory(dict)
    _client: float = 0.0
    _machine: float = 0.0

    def _groups(self) -> dict[str, list[int]]:
        return {
            "postgres for web": backends(self.url, WEB_NAME),
            "postgres for workers": backends(self.url, WORKER_NAME),
            "web": [p for proc in self.web for p in descendants(proc.pid)],
            "workers": [p for proc in self.workers for p in descendants(proc.pid)],
        }

    def start(self) -> None:
        self._before = {k: {p: cpu_seconds(p) for p in v} for k, v in self._groups().items()}
        self._client = time.process_time()
        self._machine = machine_busy_seconds()

    def stop(self) -> dict[str, float]:
        used = {
            name: sum(cpu_seconds(p) - self._before[name].get(p, 0.0) for p in pids)
            for name, pids in self._groups().items()
        }
        used["client"] = time.process_time() - self._client
        # Whatever else ran on the machine (other programs, the server's own background
        # processes): what the figures above did not get.
        used["other"] = max(0.0, machine_busy_seconds() - self._machine - sum(used.values()))
        return used


@contextmanager
def running(setup: Setup, url: str) -> Iterator[CpuWatch]:
    env = {
        **os.environ,
        "SM2_DATA_DIR": str(BENCH_DATA_DIR / "scale"),
        "TWILIO_AUTH_TOKEN": TOKEN,
        "SM2_PUBLIC_URL": PUBLIC,
    }

    def started(command: list[Any], name: str) -> subprocess.Popen[bytes]:
        named = {**env, "SM2_DATABASE_URL": make_conninfo(url, application_name=name)}
        return subprocess.Popen(
            command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=named
        )

    serve = [SM2, "serve", "--port", str(PORT), "--workers", str(setup.web)]
    web = [started([*serve, *(["--no-worker"] if setup.workers else [])], WEB_NAME)]
    workers = [
        started(["nice", "-n", "10", SM2, "worker"], WORKER_NAME) for _ in range(setup.workers)
    ]
    try:
        wait_until_up()
        yield CpuWatch(url, web, workers)
    finally:
        for process in [*web, *workers]:
            process.terminate()
        for process in [*web, *workers]:
            process.wait(timeout=60)


def wait_until_up() -> None:
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"{PUBLIC}/api/system/health", timeout=1).status_code in (200, 503):
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.3)
    raise SystemExit("sm2 serve did not start")


# --- the client ---------------------------------------------------------------------------------


async def burst(requests: list[bytes], connections: int) -> tuple[list[float], int]:
    """Closed loop: each connection sends its next request as soon as its answer came."""
    latencies: list[float] = []
    failures = 0
    queue = iter(requests)

    async def connection() -> None:
        nonlocal failures
        reader, writer = await asyncio.open_connection("127.0.0.1", PORT)
        for request in queue:
            started = time.perf_counter()
            writer.write(request)
            status = await _read_response(reader)
            latencies.append((time.perf_counter() - started) * 1000)
            failures += status != 200
        writer.close()

    await asyncio.gather(*(connection() for _ in range(connections)))
    return latencies, failures


@attrs.frozen
class Outcome:
    texts: int
    statuses: dict[str, int]
    delays_ms: list[float]
    """Receipt → the text's first job, per text that made jobs."""
    last_job: datetime | None


def outcome(url: str, prefix: str, timeout: float = 900) -> Outcome:
    """Wait until no text of this run waits for its parse; then what became of them."""
    deadline = time.monotonic() + timeout
    with psycopg.connect(url, autocommit=True) as conn:
        while True:
            statuses: dict[str, int] = dict(
                conn.execute(
                    "SELECT status, count(*) FROM inbound_messages WHERE sid LIKE %s"
                    " GROUP BY status",
                    (prefix + "%",),
                ).fetchall()
            )
            if not statuses.get("RECEIVED") or time.monotonic() > deadline:
                break
            time.sleep(0.1)
        rows = conn.execute(
            "SELECT extract(epoch FROM min(j.created_at) - m.received_at) * 1000,"
            " max(j.created_at)"
            " FROM inbound_messages m JOIN jobs j ON j.source_message_id = m.id"
            " WHERE m.sid LIKE %s GROUP BY m.id, m.received_at",
            (prefix + "%",),
        ).fetchall()
    return Outcome(
        texts=sum(statuses.values()),
        statuses=statuses,
        delays_ms=[float(d) for d, _ in rows],
        last_job=max((last for _, last in rows), default=None),
    )


def confirmations_settled(url: str, since: float, timeout: float = 600) -> float | None:
    """Wait until every confirmation queued since ``since`` (epoch seconds) is settled (sent,
    or NOT_CONFIGURED here: Twilio is not configured); when that was, in epoch seconds. None
    when some were still waiting after ``timeout``."""
    deadline = time.monotonic() + timeout
    with psycopg.connect(url, autocommit=True) as conn:
        while time.monotonic() < deadline:
            row = conn.execute(
                "SELECT count(*) FROM outbound_sms WHERE kind = 'CONFIRMATION'"
                " AND created_at >= to_timestamp(%s) AND status IN ('QUEUED', 'SENDING')",
                (since,),
            ).fetchone()
            if row is not None and row[0] == 0:
                return time.time()
            time.sleep(0.05)
    return None


def run_prefix(requests: list[tuple[bytes, str]]) -> str:
    return requests[0][0].decode().split("MessageSid=")[1][:11]


# --- one setup ----------------------------------------------------------------------------------


def measure_burst(setup: Setup, url: str, texts: int, connections: int) -> str:
    baseline = pgbench_insert_rate(url, clients=2, seconds=10)
    prepare(url)
    with running(setup, url) as cpu:
        warm = signed_requests(300)
        uvloop.run(burst(raw_requests(warm), connections))
        outcome(url, run_prefix(warm))
        signed = signed_requests(texts)
        prefix = run_prefix(signed)
        requests = raw_requests(signed)
        cpu.start()
        started = time.time()
        latencies, failures = uvloop.run(burst(requests, connections))
        sent = time.time() - started
        done = outcome(url, prefix)
        used = cpu.stop()
        confirmed = confirmations_settled(url, started)
        connections_used = len(backends(url))
    assert done.last_job is not None, "no job was made"
    elapsed = done.last_job.timestamp() - started
    rate = texts / elapsed
    shares = ", ".join(f"{name} {seconds / elapsed / CORES:.0%}" for name, seconds in used.items())
    lost = "" if failures == 0 and done.texts == texts else f"  FAILED {failures}, {done.texts}"
    return (
        f"{setup}\n"
        f"  pgbench single-row INSERT (2 clients): {baseline:,.0f} tx/s\n"
        f"  webhooks: {texts / sent:,.0f}/s accepted, p50 {statistics.median(latencies):.1f} ms,"
        f" p99 {pct(latencies, 0.99):.1f} ms{lost}\n"
        f"  end to end: {texts} texts in {elapsed:.2f} s = {rate:,.0f} texts/s"
        f" ({rate / baseline:.2f} of pgbench); receipt → job p50"
        f" {statistics.median(done.delays_ms):,.0f} ms, p99 {pct(done.delays_ms, 0.99):,.0f} ms\n"
        f"  every confirmation settled (Twilio not configured): "
        f"{'not within 600 s' if confirmed is None else f'{confirmed - started:.2f} s'}"
        f" after the first webhook\n"
        f"  CPU of the machine's {CORES} cores during it: {shares}\n"
        f"  PostgreSQL connections of the setup: {connections_used};"
        f" texts by status: {done.statuses}"
    )


def measure_steady(setup: Setup, url: str, rate: float, seconds: int, connections: int) -> str:
    baseline = pgbench_insert_rate(url, clients=2, seconds=10)
    prepare(url)
    with running(setup, url) as cpu:
        warm = signed_requests(300)
        uvloop.run(burst(raw_requests(warm), connections))
        outcome(url, run_prefix(warm))
        signed = signed_requests(int(rate * seconds))
        prefix = run_prefix(signed)
        cpu.start()
        latencies, failures, elapsed = uvloop.run(
            fire_open(raw_requests(signed), rate, connections)
        )
        done = outcome(url, prefix)
        used = cpu.stop()
    shares = ", ".join(f"{name} {s / elapsed / CORES:.0%}" for name, s in used.items())
    return (
        f"{setup}, steady {rate:.0f} texts/s for {seconds} s (open loop)\n"
        f"  pgbench single-row INSERT (2 clients): {baseline:,.0f} tx/s\n"
        f"  webhook: p50 {statistics.median(latencies):.1f} ms, p99 {pct(latencies, 0.99):.1f}"
        f" ms, max {max(latencies):.1f} ms; {failures} failed\n"
        f"  receipt → job: p50 {statistics.median(done.delays_ms):,.0f} ms,"
        f" p99 {pct(done.delays_ms, 0.99):,.0f} ms, max {max(done.delays_ms):,.0f} ms\n"
        f"  CPU of the machine's {CORES} cores meanwhile: {shares}\n"
        f"  texts by status: {done.statuses}"
    )


#: The tables a run churns: vacuumed and analyzed before each run, as autovacuum would have
#: done since the last one (this machine's server runs with autovacuum off: without it, the
#: queue's dead rows and stale statistics make every fetch of a task scan thousands of rows).
CHURNED = (
    "procrastinate_jobs",
    "procrastinate_events",
    "procrastinate_periodic_defers",
    "procrastinate_workers",
    "inbound_messages",
    "jobs",
    "audit_logs",
    "events",
    "outbound_sms",
)


def prepare(url: str) -> None:
    with psycopg.connect(url, autocommit=True) as conn:
        # Left by an earlier run: its texts would be parsed first, its confirmations sent.
        conn.execute("DELETE FROM procrastinate_jobs WHERE status IN ('todo', 'doing')")
        conn.execute("UPDATE inbound_messages SET status = 'NO_WORK' WHERE status = 'RECEIVED'")
        # Their tasks deleted above, an earlier run's unsent texts would wait forever.
        conn.execute(
            "UPDATE outbound_sms SET status = 'NOT_CONFIGURED'"
            " WHERE status IN ('QUEUED', 'SENDING')"
        )
        conn.execute(f"VACUUM ANALYZE {', '.join(CHURNED)}")
        # pgbench's writes would otherwise be checkpointed during the run.
        conn.execute("CHECKPOINT")


def database(server: str, name: str) -> str:
    """The bench's own database on the server: created, migrated and seeded when missing."""
    with psycopg.connect(server, autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone()
        if not exists:
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    url = make_conninfo(server, dbname=name)
    env = {**os.environ, "SM2_DATABASE_URL": url, "SM2_DATA_DIR": str(BENCH_DATA_DIR / "scale")}
    subprocess.run([SM2, "db", "upgrade"], env=env, check=True, capture_output=True)
    subprocess.run([SM2, "seed", "--demo"], env=env, check=True, capture_output=True)
    return url


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("--database", default="sm2_scale")
    parser.add_argument("--texts", type=int, default=3000)
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--setups", default=DEFAULT_SETUPS)
    parser.add_argument("--steady", type=float, help="texts per second, open loop")
    parser.add_argument("--seconds", type=int, default=60, help="with --steady")
    args = parser.parse_args()
    server = os.environ.get("SM2_SCALE_SERVER", "postgresql://postgres@127.0.0.1:5432/postgres")
    url = database(server, args.database)
    print(f"load average before: {os.getloadavg()[0]:.2f}", flush=True)
    for text in args.setups.split(","):
        setup = Setup.parse(text.strip())
        if args.steady:
            report = measure_steady(setup, url, args.steady, args.seconds, args.connections)
        else:
            report = measure_burst(setup, url, args.texts, args.connections)
        print(report, f"\n  load average after: {os.getloadavg()[0]:.2f}", flush=True)


if __name__ == "__main__":
    main()
