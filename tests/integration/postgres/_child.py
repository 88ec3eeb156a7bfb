"""A second process for the concurrency tests; prints one JSON object on stdout.

    python _child.py upgrade CONNINFO MIGRATIONS_DIR
    python _child.py embedded DATA_DIR [--hold SECONDS]

When the environment names a go file (``SM2_TEST_GO_FILE``), the child writes
``<go file>.ready.<pid>`` and waits for the go file to appear, so that the test can release several
children at the same moment. ``--hold`` keeps the embedded server's handle open a while after the
answer, as a long-running app would.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

import psycopg

from sm2_adapters.postgres.embedded import ensure_embedded_server
from sm2_adapters.postgres.migrate import load_migrations, upgrade

GO_FILE_VARIABLE = "SM2_TEST_GO_FILE"


def _wait_for_go() -> None:
    go_file = os.environ.get(GO_FILE_VARIABLE)
    if not go_file:
        return
    Path(f"{go_file}.ready.{os.getpid()}").touch()
    deadline = time.monotonic() + 30
    while not Path(go_file).exists():
        if time.monotonic() > deadline:
            raise SystemExit("never told to go")
        time.sleep(0.005)


def _upgrade(args: argparse.Namespace) -> dict[str, object]:
    migrations = load_migrations(Path(args.migrations_dir))
    with psycopg.connect(args.conninfo) as conn:
        applied = upgrade(conn, migrations)
    return {"applied": [m.version for m in applied]}


def _embedded(args: argparse.Namespace) -> dict[str, object]:
    url = ensure_embedded_server(Path(args.data_dir))
    with psycopg.connect(url) as conn:
        row = conn.execute("SELECT pg_postmaster_start_time()::text").fetchone()
    return {"url": url, "started": row[0] if row else None}


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser()
    modes = parser.add_subparsers(dest="mode", required=True)
    up = modes.add_parser("upgrade")
    up.add_argument("conninfo")
    up.add_argument("migrations_dir")
    up.set_defaults(run=_upgrade)
    embedded = modes.add_parser("embedded")
    embedded.add_argument("data_dir")
    embedded.add_argument("--hold", type=float, default=0.0)
    embedded.set_defaults(run=_embedded)
    return parser


def main(argv: list[str]) -> None:
    args = _parser().parse_args(argv)
    _wait_for_go()
    print(json.dumps(args.run(args)), flush=True)
    time.sleep(getattr(args, "hold", 0.0))


if __name__ == "__main__":
    main(sys.argv[1:])
