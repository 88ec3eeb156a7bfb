"""PostgreSQL's CPU per received text, by how many texts share receipt's statement (and commit).

    python bench/receipt_statement.py [--texts 3000] [--media N]

Runs receipt's real statement (``PostgresInboundStore``: the texts and their parse tasks) on one
connection of the benchmark database (embedded unless SM2_DATABASE_URL is set), with batches of
1, 2, 4, 8 and 16 texts, and reads the server process's CPU time from ``/proc/<pid>/stat`` before
and after: the backend's own CPU per text, whatever else the machine does. ``SELECT 1`` is the
same run's floor. ``--media N`` gives each text N media items (MMS): their fetch tasks are
queued by the same statement. Needs the server on this machine (the embedded one is).
"""

from __future__ import annotations

import argparse
import os
import secrets
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from uuid import uuid4

import psycopg

sys.path.insert(0, str(Path(__file__).parent))
from common import database_url

from sm2_adapters.postgres.inbound import receipt_statement
from sm2_core.domain.media import MediaRef
from sm2_core.domain.records import InboundMessage

QUEUE = "bench_receipt"  # no worker reads it; the rows are deleted at the end
TICKS = os.sysconf("SC_CLK_TCK")


def backend_cpu(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICKS


MEDIA_URL = "https://api.twilio.com/2010-04-01/Accounts/AC1/Messages/MM1/Media/ME{n}"


def statement(run: str, start: int, size: int, media: int = 0) -> tuple[str, tuple[Any, ...]]:
    texts = [
        InboundMessage(
            id=uuid4(),
            sid=f"SMbench{run}{n}",
            from_number="+14185550102",
            to_number="+14185550000",
            body="pneus RAV4 2022 stock T1",
            received_at=datetime.now(UTC),
            num_media=media,
            media=tuple(
                MediaRef(id=uuid4(), url=MEDIA_URL.format(n=k), content_type="image/jpeg")
                for k in range(media)
            ),
        )
        for n in range(start, start + size)
    ]
    return receipt_statement(texts, QUEUE)


def per_text(
    conn: psycopg.Connection[Any], pid: int, texts: int, size: int, media: int = 0
) -> float:
    run = secrets.token_hex(4)
    for n in range(0, 20 * size, size):  # warm: the statement gets prepared
        conn.execute(*statement(run + "w", n, size, media))
    statements = [statement(run, n, size, media) for n in range(0, texts, size)]
    before = backend_cpu(pid)
    for sql, params in statements:
        conn.execute(sql, params)
    return (backend_cpu(pid) - before) / (len(statements) * size) * 1e6


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--texts", type=int, default=3000)
    parser.add_argument("--media", type=int, default=0, help="media items per text (MMS)")
    args = parser.parse_args()
    with psycopg.connect(database_url(), autocommit=True) as conn:
        pid = conn.info.backend_pid
        if not Path(f"/proc/{pid}/stat").exists():
            raise SystemExit("the server's processes are not visible here (another machine?)")
        try:
            before, started = backend_cpu(pid), time.perf_counter()
            for _ in range(args.texts):
                conn.execute("SELECT 1")
            floor = (backend_cpu(pid) - before) / args.texts * 1e6
            print(f"SELECT 1 (the floor)                    {floor:6.0f} µs per statement")
            for size in (1, 2, 4, 8, 16):
                cost = per_text(conn, pid, args.texts, size, args.media)
                print(f"receipt, {size:2d} text(s) per statement       {cost:6.0f} µs per text")
            print(f"({time.perf_counter() - started:.0f} s)")
        finally:
            conn.execute("DELETE FROM procrastinate_jobs WHERE queue_name = %s", (QUEUE,))
            conn.execute("DELETE FROM inbound_messages WHERE sid LIKE 'SMbench%'")


if __name__ == "__main__":
    main()
