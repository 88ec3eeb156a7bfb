"""Signed Twilio webhooks from a second process against ``sm2 serve`` on the embedded database.

    python bench/ingest.py [--client open|wrk|httpx] [--rate 1000] [--seconds 15]
        [--connections 32] [--web-workers 1] [--separate-worker | --no-worker] [--no-wait]

``--client open`` (the default) sends ``--rate`` texts per second on a fixed schedule, as Twilio
does, from pre-built request bytes (a few percent of a core), and times each 200 from when its
text was due. ``--client wrk`` (``apt-get install wrk``) sends as fast as the server answers on
``--connections``: the ceiling. ``--client httpx`` is the earlier Python closed loop.

Prints: webhooks accepted per second, p50/p99 latency of the 200, the time from receipt until
the job exists (p50/p99), whether every accepted message ended as jobs or in the inbox, and the
same run's pgbench single-row INSERT rate.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import re
import secrets
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlencode

import httpx
import psycopg
import uvloop
from twilio.request_validator import RequestValidator

sys.path.insert(0, str(Path(__file__).parent))
from common import BENCH_DATA_DIR, database_url, pgbench_insert_rate

TOKEN = "bench-auth-token"
PORT = 8765
PUBLIC = f"http://127.0.0.1:{PORT}"
BODIES = (
    "Need a key for a 2023 Audi Q5 VIN WA1BNAFY4PP057830",
    "Bonjour, changement d'huile sur un RAV4 2022 stock T{n} svp",
    "F150 24 stk# T21-{n} pneus d'hiver à poser",
    "Tucson 2022 voyant moteur allumé, besoin d'un diag",
    "civic 2020 stock 20H{n} batterie à changer asap",
    "merci!",
)
SENDERS = [f"+1418555010{i}" for i in range(1, 10)]


def start_server(
    web_workers: int, separate_worker: bool, no_worker: bool = False, log: Path | None = None
) -> list[subprocess.Popen[bytes]]:
    env = {
        **os.environ,
        "SM2_DATA_DIR": str(BENCH_DATA_DIR),
        "TWILIO_AUTH_TOKEN": TOKEN,
        "SM2_PUBLIC_URL": PUBLIC,
    }
    sm2 = Path(sys.executable).with_name("sm2")
    subprocess.run([sm2, "seed", "--demo"], env=env, check=True, capture_output=True)
    serve = [sm2, "serve", "--port", str(PORT), "--workers", str(web_workers)]
    if separate_worker or no_worker:
        serve.append("--no-worker")
    # The server's log (one line per request) only when asked for: writing it costs CPU.
    stderr = log.open("w") if log else subprocess.DEVNULL
    quiet = {"stdout": subprocess.DEVNULL, "stderr": stderr}
    server = subprocess.Popen(serve, env=env, **quiet)
    processes = [server]
    if separate_worker:
        # Niced: on shared cores the web answers first and the backlog waits (Twilio does not).
        worker = ["nice", "-n", "10", sm2, "worker"]
        processes.append(subprocess.Popen(worker, env=env, **quiet))
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"{PUBLIC}/api/system/health", timeout=1).status_code in (200, 503):
                return processes
        except httpx.HTTPError:
            time.sleep(0.3)
    for process in processes:
        process.kill()
    raise SystemExit("sm2 serve did not start")


def signed_requests(count: int) -> list[tuple[bytes, str]]:
    validator = RequestValidator(TOKEN)
    run = secrets.token_hex(4)
    out = []
    for n in range(count):
        params = {
            "From": SENDERS[n % len(SENDERS)],
            "To": "+14185550000",
            "NumMedia": "0",
            "Body": BODIES[n % len(BODIES)].format(n=n),
            "MessageSid": f"SMb{run}{n:08d}",
        }
        signature = validator.compute_signature(f"{PUBLIC}/webhooks/twilio/sms", params)
        out.append((urlencode(params).encode(), signature))
    return out


async def fire(
    requests: list[tuple[bytes, str]], connections: int
) -> tuple[list[float], int, float]:
    latencies: list[float] = []
    failures = 0
    queue: asyncio.Queue[tuple[bytes, str]] = asyncio.Queue()
    for item in requests:
        queue.put_nowait(item)
    limits = httpx.Limits(max_connections=connections, max_keepalive_connections=connections)

    async def client_loop(client: httpx.AsyncClient) -> None:
        nonlocal failures
        while not queue.empty():
            body, signature = queue.get_nowait()
            started = time.perf_counter()
            response = await client.post(
                "/webhooks/twilio/sms",
                content=body,
                headers={
                    "Content-Type": "application/x-www-form-urlencoded",
                    "X-Twilio-Signature": signature,
                },
            )
            latencies.append((time.perf_counter() - started) * 1000)
            failures += response.status_code != 200

    async with httpx.AsyncClient(base_url=PUBLIC, limits=limits, timeout=30) as client:
        started = time.perf_counter()
        await asyncio.gather(*(client_loop(client) for _ in range(connections)))
        elapsed = time.perf_counter() - started
    return latencies, failures, elapsed


def fire_wrk(
    requests: list[tuple[bytes, str]], connections: int, seconds: int
) -> tuple[dict[str, float], float]:
    """wrk sends signed requests for ``seconds``, each at most once; its summary and the time.

    wrk runs for its whole duration: a thread that has sent all its messages stays idle, so
    the rate would read low. ``main`` says so when that happened (give more ``--requests``).
    """
    script = Path(__file__).with_name("ingest_wrk.lua")
    threads = 2
    with tempfile.NamedTemporaryFile("w", suffix=".tsv", delete=False) as lines:
        for body, signature in requests:
            lines.write(f"{signature}\t{body.decode()}\n")
    try:
        out = subprocess.run(
            [
                *("wrk", "-t", str(threads), "-c", str(connections), "-d", f"{seconds}s"),
                *("--timeout", "30s", "-s", str(script), PUBLIC, "--", str(threads)),
            ],
            env={**os.environ, "SM2_WRK_REQUESTS": lines.name},
            check=True,
            capture_output=True,
            text=True,
        ).stdout
    finally:
        os.unlink(lines.name)
    match = re.search(r"^SM2 (.*)$", out, re.MULTILINE)
    if not match:
        raise SystemExit(f"could not read wrk output:\n{out}")
    figures = {k: float(v) for k, v in (kv.split("=") for kv in match.group(1).split())}
    return figures, figures["seconds"]


TIMELINE: list[tuple[float, float]] = []


def raw_requests(requests: list[tuple[bytes, str]]) -> list[bytes]:
    """The exact bytes of each POST, so the open-loop client does no HTTP work of its own."""
    return [
        b"POST /webhooks/twilio/sms HTTP/1.1\r\nHost: 127.0.0.1\r\n"
        b"Content-Type: application/x-www-form-urlencoded\r\n"
        + f"X-Twilio-Signature: {signature}\r\nContent-Length: {len(body)}\r\n\r\n".encode()
        + body
        for body, signature in requests
    ]


async def _read_response(reader: asyncio.StreamReader) -> int:
    head = await reader.readuntil(b"\r\n\r\n")
    status = int(head.split(b" ", 2)[1])
    length = re.search(rb"(?i)content-length: *(\d+)", head)
    await reader.readexactly(int(length.group(1)) if length else 0)
    return status


async def fire_open(
    requests: list[bytes], rate: float, connections: int
) -> tuple[list[float], int, float]:
    """Open loop: request i is due at start + i/rate whatever the server is doing, as texts
    arrive from Twilio. Latency counts from when it was due, so time spent waiting for a free
    connection is in it (no coordinated omission)."""
    loop = asyncio.get_running_loop()
    due: asyncio.Queue[tuple[int, float] | None] = asyncio.Queue()
    latencies: list[float] = []
    failures = 0
    start = loop.time() + 0.2

    async def schedule() -> None:
        for i in range(len(requests)):
            wait = start + i / rate - loop.time()
            if wait > 0:
                await asyncio.sleep(wait)
            due.put_nowait((i, start + i / rate))
        for _ in range(connections):
            due.put_nowait(None)

    async def connection() -> None:
        nonlocal failures
        reader, writer = await asyncio.open_connection("127.0.0.1", PORT)
        while (item := await due.get()) is not None:
            i, due_at = item
            writer.write(requests[i])
            status = await _read_response(reader)
            latencies.append((loop.time() - due_at) * 1000)
            TIMELINE.append((due_at - start, latencies[-1]))
            failures += status != 200
        writer.close()

    cpu = time.process_time()
    await asyncio.gather(schedule(), *(connection() for _ in range(connections)))
    cpu = time.process_time() - cpu
    print(f"open-loop client: {cpu / len(requests) * 1e6:.0f} µs of CPU per request")
    by_second: dict[int, list[float]] = {}
    for at, ms in TIMELINE:
        by_second.setdefault(int(at), []).append(ms)
    print("p99 of each second (ms):", [round(pct(v, 0.99)) for _, v in sorted(by_second.items())])
    return latencies, failures, loop.time() - start


def texts_per_commit(url: str, sids_prefix: str) -> float:
    """Receipt's group commit: rows one transaction wrote share its xmin. Only texts not yet
    parsed count (parsing rewrites the row, with a new xmin)."""
    with psycopg.connect(url, autocommit=True) as conn:
        row = conn.execute(
            "SELECT count(*), count(DISTINCT xmin::text) FROM inbound_messages"
            " WHERE sid LIKE %s AND status = 'RECEIVED'",
            (sids_prefix + "%",),
        ).fetchone()
    assert row is not None
    return row[0] / row[1] if row[1] else float("nan")


def outcome(url: str, sids_prefix: str, timeout: float = 900) -> tuple[dict[str, int], list[float]]:
    """Wait until no message of this run is still RECEIVED; then the receipt → job delays."""
    deadline = time.monotonic() + timeout
    with psycopg.connect(url, autocommit=True) as conn:
        while True:
            rows = conn.execute(
                "SELECT status, count(*) FROM inbound_messages WHERE sid LIKE %s GROUP BY status",
                (sids_prefix + "%",),
            ).fetchall()
            counts: dict[str, int] = dict(rows)
            if counts.get("RECEIVED", 0) == 0 or time.monotonic() > deadline:
                break
            time.sleep(0.5)
        delays = conn.execute(
            "SELECT extract(epoch FROM min(j.created_at) - m.received_at) * 1000"
            " FROM inbound_messages m JOIN jobs j ON j.source_message_id = m.id"
            " WHERE m.sid LIKE %s GROUP BY m.id, m.received_at",
            (sids_prefix + "%",),
        ).fetchall()
    return counts, [float(d) for (d,) in delays]


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument(
        "--requests", type=int, default=30000, help="signed messages prepared (httpx: all sent)"
    )
    parser.add_argument("--seconds", type=int, default=15, help="wrk, open: how long to send")
    parser.add_argument("--rate", type=float, default=1000, help="open: texts per second")
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--web-workers", type=int, default=1)
    parser.add_argument(
        "--separate-worker",
        action="store_true",
        help="sm2 serve --no-worker plus one sm2 worker process",
    )
    parser.add_argument(
        "--no-worker", action="store_true", help="sm2 serve --no-worker and no worker at all"
    )
    parser.add_argument(
        "--client",
        choices=("open", "wrk", "httpx"),
        default="open",
        help="open: --rate texts/s whatever the answers (Twilio's pattern); wrk: as fast as "
        "the server answers on --connections (its ceiling); httpx: the Python closed loop",
    )
    parser.add_argument(
        "--no-wait", action="store_true", help="do not wait for the backlog to be parsed"
    )
    parser.add_argument("--server-log", type=Path, help="write the server's stderr there")
    args = parser.parse_args()
    url = database_url()
    baseline = pgbench_insert_rate(url, clients=2, seconds=10)
    with psycopg.connect(url, autocommit=True) as conn:
        # A --no-wait run leaves its texts queued: the worker would parse them before this run's.
        conn.execute("DELETE FROM procrastinate_jobs WHERE status = 'todo'")
        # pgbench's WAL would otherwise be checkpointed during the first seconds of the run.
        conn.execute("CHECKPOINT")
    processes = start_server(
        args.web_workers, args.separate_worker, args.no_worker, args.server_log
    )
    try:
        # Warm-up, not counted: the pool opens its connections, statements get prepared.
        warm = raw_requests(signed_requests(int(min(args.rate, 500) * 2)))
        uvloop.run(fire_open(warm, min(args.rate, 500), args.connections))
        TIMELINE.clear()
        count = int(args.rate * args.seconds) if args.client == "open" else args.requests
        requests = signed_requests(count)
        prefix = requests[0][0].decode().split("MessageSid=")[1][:11]
        if args.client == "open":
            latencies, failures, elapsed = uvloop.run(
                fire_open(raw_requests(requests), args.rate, args.connections)
            )
            sent = len(latencies)
            p50, p99, worst = statistics.median(latencies), pct(latencies, 0.99), max(latencies)
        elif args.client == "wrk":
            if not shutil.which("wrk"):
                raise SystemExit("wrk is not installed (apt-get install wrk)")
            figures, elapsed = fire_wrk(requests, args.connections, args.seconds)
            sent, failures = int(figures["requests"]), int(figures["non200"])
            if sent >= len(requests):
                print("warning: wrk ran out of messages; the rate reads low (raise --requests)")
            p50, p99, worst = figures["p50"], figures["p99"], figures["max"]
        else:
            latencies, failures, elapsed = asyncio.run(fire(requests, args.connections))
            sent = len(latencies)
            p50, p99, worst = statistics.median(latencies), pct(latencies, 0.99), max(latencies)
        grouping = texts_per_commit(url, prefix)
        counts, delays = outcome(url, prefix, timeout=0 if args.no_wait else 900)
    finally:
        for process in processes:
            process.terminate()
            process.wait(timeout=30)
    accepted = sent - failures
    offered = f", offered {args.rate:.0f}/s" if args.client == "open" else ""
    print(f"client: {args.client}, {args.connections} connections{offered}")
    print(f"pgbench single-row INSERT (2 clients): {baseline:8.0f} tx/s")
    print(
        f"webhooks accepted: {accepted} of {sent} in {elapsed:.1f} s = "
        f"{accepted / elapsed:.0f}/s ({accepted / elapsed / baseline:.2f} of pgbench)"
    )
    print(f"latency of the 200: p50 {p50:.1f} ms, p99 {p99:.1f} ms, max {worst:.1f} ms")
    print(f"texts per receipt commit (group commit): {grouping:.2f}")
    if delays:
        print(
            f"receipt → job exists: p50 {statistics.median(delays):.0f} ms, "
            f"p99 {pct(delays, 0.99):.0f} ms ({len(delays)} messages with jobs)"
        )
    stored = sum(counts.values())
    print(f"messages stored: {stored}; by status: {counts}")
    # wrk stops on a clock: texts in flight then are stored but their 200 is not counted.
    complete = stored == accepted if args.client != "wrk" else stored >= accepted
    if args.no_wait:
        print("stored as accepted" if complete else "LOST MESSAGES")
    else:
        print("nothing lost" if complete and not counts.get("RECEIVED") else "LOST OR UNFINISHED")


if __name__ == "__main__":
    main()
