"""Signed Twilio webhooks from a second process against ``sm2 serve`` on the embedded database.

    python bench/ingest.py [--requests 20000] [--connections 32] [--client wrk|httpx]

The load comes from ``wrk`` (a compiled client: ``apt-get install wrk``) when it is installed,
so the client's own CPU stays small beside the server's; ``--client httpx`` is the Python one.

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


def start_server(web_workers: int, separate_worker: bool) -> list[subprocess.Popen[bytes]]:
    env = {
        **os.environ,
        "SM2_DATA_DIR": str(BENCH_DATA_DIR),
        "TWILIO_AUTH_TOKEN": TOKEN,
        "SM2_PUBLIC_URL": PUBLIC,
    }
    sm2 = Path(sys.executable).with_name("sm2")
    subprocess.run([sm2, "seed", "--demo"], env=env, check=True, capture_output=True)
    serve = [sm2, "serve", "--port", str(PORT), "--workers", str(web_workers)]
    if separate_worker:
        serve.append("--no-worker")
    quiet = {"stdout": subprocess.DEVNULL, "stderr": subprocess.DEVNULL}
    server = subprocess.Popen(serve, env=env, **quiet)
    processes = [server]
    if separate_worker:
        processes.append(subprocess.Popen([sm2, "worker"], env=env, **quiet))
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


def outcome(url: str, sids_prefix: str, timeout: float = 180) -> tuple[dict[str, int], list[float]]:
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
    parser.add_argument("--seconds", type=int, default=15, help="wrk: how long to send")
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--web-workers", type=int, default=1)
    parser.add_argument(
        "--separate-worker",
        action="store_true",
        help="sm2 serve --no-worker plus one sm2 worker process",
    )
    parser.add_argument(
        "--client", choices=("wrk", "httpx"), default="wrk" if shutil.which("wrk") else "httpx"
    )
    args = parser.parse_args()
    url = database_url()
    baseline = pgbench_insert_rate(url, clients=2, seconds=10)
    processes = start_server(args.web_workers, args.separate_worker)
    try:
        requests = signed_requests(args.requests)
        prefix = requests[0][0].decode().split("MessageSid=")[1][:11]
        if args.client == "wrk":
            figures, elapsed = fire_wrk(requests, args.connections, args.seconds)
            sent, failures = int(figures["requests"]), int(figures["non200"])
            if sent >= len(requests):
                print("warning: wrk ran out of messages; the rate reads low (raise --requests)")
            p50, p99, worst = figures["p50"], figures["p99"], figures["max"]
        else:
            latencies, failures, elapsed = asyncio.run(fire(requests, args.connections))
            sent = len(latencies)
            p50, p99, worst = statistics.median(latencies), pct(latencies, 0.99), max(latencies)
        counts, delays = outcome(url, prefix)
    finally:
        for process in processes:
            process.terminate()
            process.wait(timeout=30)
    accepted = sent - failures
    print(f"client: {args.client}, {args.connections} connections")
    print(f"pgbench single-row INSERT (2 clients): {baseline:8.0f} tx/s")
    print(
        f"webhooks accepted: {accepted} of {sent} in {elapsed:.1f} s = "
        f"{accepted / elapsed:.0f}/s ({accepted / elapsed / baseline:.2f} of pgbench)"
    )
    print(f"latency of the 200: p50 {p50:.1f} ms, p99 {p99:.1f} ms, max {worst:.1f} ms")
    if delays:
        print(
            f"receipt → job exists: p50 {statistics.median(delays):.0f} ms, "
            f"p99 {pct(delays, 0.99):.0f} ms ({len(delays)} messages with jobs)"
        )
    stored = sum(counts.values())
    print(f"messages stored: {stored}; by status: {counts}")
    print(
        "nothing lost"
        if stored == accepted and not counts.get("RECEIVED")
        else "LOST OR UNFINISHED MESSAGES"
    )


if __name__ == "__main__":
    main()
