"""Fixtures for the PostgreSQL integration tests.

The migration tests run against the machine's PostgreSQL (``SM2_TEST_DATABASE_URL``, by default
the server every session and CI start), in a database made for this test session and dropped
after it; each test gets its own empty schema in it. An unreachable server fails the tests: it
never skips them.
"""

from __future__ import annotations

import json
import os
import secrets
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import psycopg
import pytest
from psycopg import sql
from psycopg.conninfo import make_conninfo

DEFAULT_TEST_DATABASE_URL = "postgresql://postgres@127.0.0.1:5432/test"
CHILD_SCRIPT = Path(__file__).with_name("_child.py")

RunTogether = Callable[[list[list[str]]], list[dict[str, object]]]


def _admin_url() -> str:
    return os.environ.get("SM2_TEST_DATABASE_URL") or DEFAULT_TEST_DATABASE_URL


@pytest.fixture(scope="session")
def throwaway_database_url() -> Iterator[str]:
    """A conninfo for a new database ``sm2_test_<random>``, dropped when the session ends."""
    admin_url = _admin_url()
    name = f"sm2_test_{secrets.token_hex(6)}"
    try:
        with psycopg.connect(admin_url, autocommit=True, connect_timeout=10) as conn:
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    except psycopg.Error as exc:
        pytest.fail(
            f"cannot create a test database on {admin_url} (set SM2_TEST_DATABASE_URL): {exc}"
        )
    try:
        yield make_conninfo(admin_url, dbname=name)
    finally:
        with psycopg.connect(admin_url, autocommit=True) as conn:
            drop = sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)")
            conn.execute(drop.format(sql.Identifier(name)))


@pytest.fixture
def schema_conninfo(throwaway_database_url: str) -> Iterator[str]:
    """A conninfo whose search_path is a new, empty schema, so each test starts from nothing."""
    schema = f"test_{secrets.token_hex(4)}"
    with psycopg.connect(throwaway_database_url, autocommit=True) as conn:
        conn.execute(sql.SQL("CREATE SCHEMA {}").format(sql.Identifier(schema)))
    try:
        yield make_conninfo(throwaway_database_url, options=f"-c search_path={schema}")
    finally:
        with psycopg.connect(throwaway_database_url, autocommit=True) as conn:
            conn.execute(sql.SQL("DROP SCHEMA {} CASCADE").format(sql.Identifier(schema)))


@pytest.fixture
def conn(schema_conninfo: str) -> Iterator[psycopg.Connection[tuple[object, ...]]]:
    """A connection to the test schema, in psycopg's default (non-autocommit) mode."""
    with psycopg.connect(schema_conninfo) as connection:
        yield connection


@pytest.fixture
def write_migrations(tmp_path: Path) -> Callable[[dict[str, str]], Path]:
    """Write migration files into a folder of their own and return it; call again to edit."""
    folder = tmp_path / "migrations"
    folder.mkdir()

    def write(files: dict[str, str]) -> Path:
        for name, text in files.items():
            (folder / name).write_text(text)
        return folder

    return write


@pytest.fixture
def run_together(tmp_path: Path) -> RunTogether:
    """Run ``_child.py`` once per argument list, all released at the same moment; their outputs.

    Fails the test when a child fails, with its stderr.
    """

    def run(arg_lists: list[list[str]]) -> list[dict[str, object]]:
        go_file = tmp_path / f"go-{secrets.token_hex(3)}"
        children = [
            subprocess.Popen(
                [sys.executable, str(CHILD_SCRIPT), *args],
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
                env={**os.environ, "SM2_TEST_GO_FILE": str(go_file)},
            )
            for args in arg_lists
        ]
        _wait_until_ready(go_file, children)
        go_file.touch()
        results = []
        for child in children:
            out, err = child.communicate(timeout=120)
            assert child.returncode == 0, f"child failed:\n{err}"
            results.append(json.loads(out))
        return results

    return run


def _wait_until_ready(go_file: Path, children: list[subprocess.Popen[str]]) -> None:
    deadline = time.monotonic() + 60
    while len(list(go_file.parent.glob(f"{go_file.name}.ready.*"))) < len(children):
        if time.monotonic() > deadline or any(c.poll() is not None for c in children):
            break  # communicate() then reports the child that failed
        time.sleep(0.01)
