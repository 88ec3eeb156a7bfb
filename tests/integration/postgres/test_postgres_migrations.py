"""The migration runner against the machine's PostgreSQL, one empty schema per test."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path
from typing import Any

import psycopg
import pytest

from sm2_adapters.postgres.migrate import (
    MigrationChecksumMismatch,
    MigrationError,
    load_migrations,
    status,
    upgrade,
)

pytestmark = pytest.mark.postgres

Conn = psycopg.Connection[Any]
WriteMigrations = Callable[[dict[str, str]], Path]
RunTogether = Callable[[list[list[str]]], list[dict[str, object]]]

THREE = {
    "0001_first.sql": "CREATE TABLE first (id int);",
    "0002_second.sql": "CREATE TABLE second (id int);\nINSERT INTO second VALUES (1), (2);",
    "0003_third.sql": "-- a comment-only migration is fine\n",
}


def _tables(conn: Conn) -> set[str]:
    rows = conn.execute(
        "SELECT tablename FROM pg_tables WHERE schemaname = current_schema()"
    ).fetchall()
    conn.commit()
    return {row[0] for row in rows}


def _recorded(conn: Conn) -> list[tuple[Any, ...]]:
    rows = conn.execute(
        "SELECT version, name, checksum, applied_at FROM schema_migrations ORDER BY version"
    ).fetchall()
    conn.commit()
    return rows


class TestLoadMigrations:
    def test_the_shipped_migrations_are_found_as_package_data(self) -> None:
        """The package ships 0001_init.sql and the loader finds it through importlib.resources."""
        migrations = load_migrations()
        assert migrations[0].filename == "0001_init.sql"
        assert [m.version for m in migrations] == sorted({m.version for m in migrations})

    def test_files_come_in_version_order_with_their_checksum(
        self, write_migrations: WriteMigrations
    ) -> None:
        """Versions sort numerically, non-SQL files are ignored, checksums are SHA-256 hex."""
        folder = write_migrations({"0010_later.sql": "SELECT 1;", "0002_early.sql": "SELECT 2;"})
        (folder / "README.txt").write_text("not a migration")
        migrations = load_migrations(folder)
        assert [(m.version, m.name) for m in migrations] == [(2, "early"), (10, "later")]
        assert all(len(m.checksum) == 64 for m in migrations)

    def test_line_endings_do_not_change_the_checksum(
        self, write_migrations: WriteMigrations
    ) -> None:
        """A CRLF checkout of the same file has the same checksum."""
        lf = load_migrations(write_migrations({"0001_a.sql": "SELECT 1;\nSELECT 2;\n"}))
        crlf = load_migrations(write_migrations({"0001_a.sql": "SELECT 1;\r\nSELECT 2;\r\n"}))
        assert lf[0].checksum == crlf[0].checksum

    @pytest.mark.parametrize("name", ["1_short.sql", "0002-dash.sql", "0003_Upper.sql", "x.sql"])
    def test_a_misnamed_sql_file_is_an_error(
        self, write_migrations: WriteMigrations, name: str
    ) -> None:
        """A .sql file that is not NNNN_name.sql is refused rather than silently never run."""
        with pytest.raises(MigrationError, match=r"NNNN_name\.sql"):
            load_migrations(write_migrations({name: "SELECT 1;"}))

    def test_two_files_with_one_version_are_an_error(
        self, write_migrations: WriteMigrations
    ) -> None:
        """Two files numbered alike (a merge of two branches) are refused."""
        folder = write_migrations({"0001_a.sql": "SELECT 1;", "0001_b.sql": "SELECT 2;"})
        with pytest.raises(MigrationError, match="share version 1"):
            load_migrations(folder)


class TestUpgrade:
    def test_applies_every_migration_once_and_records_it(
        self, conn: Conn, write_migrations: WriteMigrations
    ) -> None:
        """Each file runs once, in order; its version, name, checksum and time are recorded."""
        migrations = load_migrations(write_migrations(THREE))
        before = dt.datetime.now(dt.UTC)
        applied = upgrade(conn, migrations)
        assert migrations == applied
        assert {"first", "second", "schema_migrations"} == _tables(conn)
        recorded = _recorded(conn)
        assert [(m.version, m.name, m.checksum) for m in migrations] == [r[:3] for r in recorded]
        assert all(r[3] >= before - dt.timedelta(seconds=5) for r in recorded)

    def test_a_second_run_applies_nothing(
        self, conn: Conn, write_migrations: WriteMigrations
    ) -> None:
        """Upgrading a current database is a no-op that changes no row."""
        migrations = load_migrations(write_migrations(THREE))
        upgrade(conn, migrations)
        recorded = _recorded(conn)
        assert upgrade(conn, migrations) == ()
        assert recorded == _recorded(conn)

    def test_only_new_files_are_applied_later(
        self, conn: Conn, write_migrations: WriteMigrations
    ) -> None:
        """A file added after the first upgrade is the only one the next upgrade applies."""
        upgrade(conn, load_migrations(write_migrations(THREE)))
        folder = write_migrations({"0004_fourth.sql": "CREATE TABLE fourth (id int);"})
        applied = upgrade(conn, load_migrations(folder))
        assert [m.filename for m in applied] == ["0004_fourth.sql"]

    def test_the_shipped_migrations_apply(self, conn: Conn) -> None:
        """The migrations in the package apply cleanly to an empty schema."""
        applied = upgrade(conn)
        assert load_migrations() == applied
        assert "sm2_meta" in _tables(conn)

    def test_a_failing_migration_is_rolled_back_alone(
        self, conn: Conn, write_migrations: WriteMigrations
    ) -> None:
        """Migrations before the failing one stay applied; nothing of the failing one remains."""
        folder = write_migrations(
            {
                "0001_good.sql": "CREATE TABLE good (id int);",
                "0002_bad.sql": "CREATE TABLE half (id int);\nSELECT * FROM no_such_table;",
                "0003_never.sql": "CREATE TABLE never (id int);",
            }
        )
        with pytest.raises(MigrationError, match=r"0002_bad\.sql failed"):
            upgrade(conn, load_migrations(folder))
        assert {"good", "schema_migrations"} == _tables(conn)
        assert [r[0] for r in _recorded(conn)] == [1]

    def test_a_changed_migration_is_refused(
        self, conn: Conn, write_migrations: WriteMigrations
    ) -> None:
        """Editing an applied file stops the upgrade before it applies anything, naming the file."""
        upgrade(conn, load_migrations(write_migrations(THREE)))
        folder = write_migrations(
            {
                "0002_second.sql": "CREATE TABLE second (id bigint);",
                "0004_fourth.sql": "CREATE TABLE fourth (id int);",
            }
        )
        with pytest.raises(MigrationChecksumMismatch, match=r"0002_second\.sql"):
            upgrade(conn, load_migrations(folder))
        assert "fourth" not in _tables(conn)

    def test_migrations_unknown_to_this_build_are_refused(
        self, conn: Conn, write_migrations: WriteMigrations
    ) -> None:
        """A database migrated by a newer build is not touched by an older one."""
        migrations = load_migrations(write_migrations(THREE))
        upgrade(conn, migrations)
        with pytest.raises(MigrationError, match=r"0003_third\.sql"):
            upgrade(conn, migrations[:2])

    def test_an_open_transaction_is_refused(
        self, conn: Conn, write_migrations: WriteMigrations
    ) -> None:
        """Migrations cannot each commit inside the caller's transaction, so it is an error."""
        conn.execute("SELECT 1")
        with pytest.raises(MigrationError, match="no transaction open"):
            upgrade(conn, load_migrations(write_migrations(THREE)))

    def test_the_connection_mode_is_restored(
        self, conn: Conn, write_migrations: WriteMigrations
    ) -> None:
        """The caller gets its connection back as it gave it: not autocommit, advisory lock gone."""
        upgrade(conn, load_migrations(write_migrations(THREE)))
        assert conn.autocommit is False
        locks = conn.execute(
            "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND pid = pg_backend_pid()"
        )
        assert locks.fetchone() == (0,)


class TestStatus:
    def test_an_empty_database_has_everything_pending(
        self, conn: Conn, write_migrations: WriteMigrations
    ) -> None:
        """Before any upgrade, all files are pending and status creates nothing."""
        migrations = load_migrations(write_migrations(THREE))
        current = status(conn, migrations)
        assert (migrations, ()) == (current.pending, current.applied)
        assert not current.is_current
        assert set() == _tables(conn)

    def test_after_upgrade_everything_is_applied(
        self, conn: Conn, write_migrations: WriteMigrations
    ) -> None:
        """After an upgrade, status lists every file as applied and none pending."""
        migrations = load_migrations(write_migrations(THREE))
        upgrade(conn, migrations)
        current = status(conn, migrations)
        assert [m.version for m in migrations] == [a.version for a in current.applied]
        assert current.is_current

    def test_changed_pending_and_unknown_are_reported(
        self, conn: Conn, write_migrations: WriteMigrations
    ) -> None:
        """Status reports drift instead of raising, so `sm2 db status` can show it."""
        upgrade(conn, load_migrations(write_migrations(THREE)))
        (write_migrations({}) / "0003_third.sql").unlink()
        folder = write_migrations({"0001_first.sql": "-- edited", "0009_new.sql": "SELECT 1;"})
        current = status(conn, load_migrations(folder))
        assert [m.filename for m in current.changed] == ["0001_first.sql"]
        assert [m.filename for m in current.pending] == ["0009_new.sql"]
        assert [m.filename for m in current.unknown] == ["0003_third.sql"]

    def test_status_leaves_no_transaction_open(
        self, conn: Conn, write_migrations: WriteMigrations
    ) -> None:
        """Status can be followed by an upgrade on the same connection."""
        migrations = load_migrations(write_migrations(THREE))
        status(conn, migrations)
        assert migrations == upgrade(conn, migrations)


class TestConcurrentUpgrade:
    def test_two_processes_apply_each_migration_exactly_once(
        self,
        schema_conninfo: str,
        conn: Conn,
        write_migrations: WriteMigrations,
        run_together: RunTogether,
    ) -> None:
        """Two processes released together both succeed; every migration ran exactly once."""
        folder = write_migrations(
            {
                "0001_log.sql": "CREATE TABLE ran (version int);\n"
                "INSERT INTO ran VALUES (1);\nSELECT pg_sleep(0.3);",
                "0002_more.sql": "INSERT INTO ran VALUES (2);\nSELECT pg_sleep(0.2);",
                "0003_last.sql": "INSERT INTO ran VALUES (3);",
            }
        )
        results = run_together([["upgrade", schema_conninfo, str(folder)]] * 2)
        # The lock is held for the whole run: one process applies everything, the other nothing.
        assert [r["applied"] for r in results] in ([[], [1, 2, 3]], [[1, 2, 3], []])
        ran = conn.execute("SELECT version, count(*) FROM ran GROUP BY 1 ORDER BY 1").fetchall()
        assert ran == [(1, 1), (2, 1), (3, 1)]
        assert [r[0] for r in _recorded(conn)] == [1, 2, 3]
