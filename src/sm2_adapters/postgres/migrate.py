"""Versioned SQL migrations for the SM2 schema (see docs/adr/0001-migrations.md).

Migrations are the files ``NNNN_name.sql`` shipped in ``sm2_adapters.postgres.migrations``. Each is
applied once, in version order, in its own transaction together with its row in
``schema_migrations``. ``upgrade`` holds a PostgreSQL advisory lock for the whole run, so processes
that start together apply each migration exactly once: the others wait, then find nothing to do.

Both entry points are synchronous; async callers run them in a thread (``asyncio.to_thread``).
"""

from __future__ import annotations

import contextlib
import hashlib
import re
from collections.abc import Iterable, Iterator, Sequence
from datetime import datetime
from importlib import resources
from importlib.resources.abc import Traversable
from pathlib import Path
from typing import Any

import attrs
import psycopg
from psycopg.pq import TransactionStatus
from psycopg.rows import class_row

from sm2_core.errors import Sm2Error

MIGRATIONS_PACKAGE = "sm2_adapters.postgres.migrations"
"""Where the shipped migration files live (package data)."""

_FILE_NAME = re.compile(r"^(?P<version>\d{4,})_(?P<name>[a-z0-9_]+)\.sql$")

# One fixed key for every SM2 process; advisory locks are scoped to the current database, so
# separate databases on one server never wait for each other. The digits spell "SM2_MIGR" in ASCII.
_ADVISORY_LOCK_KEY = 0x534D325F4D494752

_CREATE_TABLE = b"""
CREATE TABLE IF NOT EXISTS schema_migrations (
    version    integer     PRIMARY KEY,
    name       text        NOT NULL,
    checksum   text        NOT NULL,
    applied_at timestamptz NOT NULL DEFAULT now()
)
"""


class MigrationError(Sm2Error):
    """The migrations could not be read or applied; the database is left as it was before."""


class MigrationChecksumMismatch(MigrationError):
    """A migration file changed after it was applied; the database no longer matches the files."""


@attrs.frozen
class Migration:
    """One migration file."""

    version: int
    name: str
    sql: str = attrs.field(repr=False)
    checksum: str
    """SHA-256 of the text with line endings normalised to LF, so a checkout's CRLF is no change."""

    @property
    def filename(self) -> str:
        return f"{self.version:04d}_{self.name}.sql"


@attrs.frozen
class AppliedMigration:
    """One row of ``schema_migrations``."""

    version: int
    name: str
    checksum: str
    applied_at: datetime

    @property
    def filename(self) -> str:
        return f"{self.version:04d}_{self.name}.sql"


@attrs.frozen
class MigrationStatus:
    """How a database compares with the migration files."""

    applied: tuple[AppliedMigration, ...]
    pending: tuple[Migration, ...]
    changed: tuple[Migration, ...]
    """Applied, but the file's checksum no longer matches the recorded one."""
    unknown: tuple[AppliedMigration, ...]
    """Applied, but this build has no file for them (the database is newer than the code)."""

    @property
    def is_current(self) -> bool:
        return not (self.pending or self.changed or self.unknown)


def load_migrations(source: Traversable | Path | None = None) -> tuple[Migration, ...]:
    """The migrations in ``source`` (default: the shipped package), in version order.

    Any ``.sql`` file whose name is not ``NNNN_name.sql`` is an error rather than skipped, so a
    misnamed migration cannot silently never run.
    """
    folder = source if source is not None else resources.files(MIGRATIONS_PACKAGE)
    migrations = [
        _read_migration(entry)
        for entry in folder.iterdir()
        if entry.is_file() and entry.name.endswith(".sql")
    ]
    _check_unique_versions(migrations)
    return tuple(sorted(migrations, key=lambda m: m.version))


def status(
    conn: psycopg.Connection[Any], migrations: Sequence[Migration] | None = None
) -> MigrationStatus:
    """Compare the database with the migration files; reads only, takes no lock."""
    known = load_migrations() if migrations is None else tuple(migrations)
    with conn.transaction():
        return _compare(known, _applied(conn))


def upgrade(
    conn: psycopg.Connection[Any], migrations: Sequence[Migration] | None = None
) -> tuple[Migration, ...]:
    """Apply the pending migrations in order and return them (empty when already current).

    ``conn`` must have no transaction open; it is switched to autocommit for the run so that each
    migration commits on its own, and switched back after. Raises ``MigrationChecksumMismatch``
    before applying anything if an applied migration's file changed, and ``MigrationError`` if
    the database has migrations this build does not know or a migration fails; a failed
    migration leaves no trace, and those before it stay applied.
    """
    known = load_migrations() if migrations is None else tuple(migrations)
    _check_unique_versions(known)
    with _autocommit(conn), _advisory_lock(conn):
        conn.execute(_CREATE_TABLE)
        current = _compare(known, _applied(conn))
        _refuse_drift(current)
        for migration in current.pending:
            _apply(conn, migration)
    return current.pending


def _read_migration(entry: Traversable | Path) -> Migration:
    match = _FILE_NAME.match(entry.name)
    if match is None:
        raise MigrationError(
            f"migration file {entry.name!r} is not named NNNN_name.sql "
            "(digits, underscore, lower-case letters, digits or underscores)"
        )
    try:
        text = entry.read_bytes().decode("utf-8-sig").replace("\r\n", "\n")
    except UnicodeDecodeError as exc:
        raise MigrationError(f"migration file {entry.name} is not UTF-8: {exc}") from exc
    return Migration(
        version=int(match["version"]),
        name=match["name"],
        sql=text,
        checksum=hashlib.sha256(text.encode()).hexdigest(),
    )


def _check_unique_versions(migrations: Iterable[Migration]) -> None:
    seen: dict[int, Migration] = {}
    for migration in migrations:
        other = seen.setdefault(migration.version, migration)
        if other is not migration:
            raise MigrationError(
                f"two migrations share version {migration.version}: "
                f"{other.filename} and {migration.filename}"
            )


def _applied(conn: psycopg.Connection[Any]) -> tuple[AppliedMigration, ...]:
    row = conn.execute("SELECT to_regclass('schema_migrations') IS NOT NULL").fetchone()
    if row is None or not row[0]:
        return ()
    with conn.cursor(row_factory=class_row(AppliedMigration)) as cur:
        cur.execute(
            "SELECT version, name, checksum, applied_at FROM schema_migrations ORDER BY version"
        )
        return tuple(cur.fetchall())


def _compare(known: Sequence[Migration], applied: Sequence[AppliedMigration]) -> MigrationStatus:
    by_version = {m.version: m for m in applied}
    files = {m.version for m in known}
    return MigrationStatus(
        applied=tuple(applied),
        pending=tuple(m for m in known if m.version not in by_version),
        changed=tuple(
            m
            for m in known
            if m.version in by_version and by_version[m.version].checksum != m.checksum
        ),
        unknown=tuple(m for m in applied if m.version not in files),
    )


def _refuse_drift(current: MigrationStatus) -> None:
    if current.changed:
        names = ", ".join(m.filename for m in current.changed)
        raise MigrationChecksumMismatch(
            f"migration files changed after they were applied: {names}. Restore them as they "
            "were and put the change in a new migration"
        )
    if current.unknown:
        names = ", ".join(m.filename for m in current.unknown)
        raise MigrationError(
            f"the database has migrations this version of SM2 does not know: {names}. "
            "Run a newer SM2 against it"
        )


def _apply(conn: psycopg.Connection[Any], migration: Migration) -> None:
    try:
        with conn.transaction():
            # Sent as bytes without parameters: psycopg then runs the file as written, several
            # statements at once, and leaves any '%' alone.
            conn.execute(migration.sql.encode())
            conn.execute(
                "INSERT INTO schema_migrations (version, name, checksum) VALUES (%s, %s, %s)",
                (migration.version, migration.name, migration.checksum),
            )
    except psycopg.Error as exc:
        raise MigrationError(
            f"migration {migration.filename} failed and was rolled back: {exc}"
        ) from exc


@contextlib.contextmanager
def _autocommit(conn: psycopg.Connection[Any]) -> Iterator[None]:
    # In autocommit mode each conn.transaction() is a real BEGIN/COMMIT; inside an open
    # transaction it would only be a savepoint and every migration would commit together.
    if conn.info.transaction_status != TransactionStatus.IDLE:
        raise MigrationError("upgrade needs a connection with no transaction open")
    previous = conn.autocommit
    conn.autocommit = True
    try:
        yield
    finally:
        if not conn.closed:
            conn.autocommit = previous


@contextlib.contextmanager
def _advisory_lock(conn: psycopg.Connection[Any]) -> Iterator[None]:
    # A session lock, held across the per-migration transactions; it also goes away by itself
    # if this process dies, unlike a lock row in a table.
    conn.execute("SELECT pg_advisory_lock(%s)", (_ADVISORY_LOCK_KEY,))
    try:
        yield
    finally:
        if not conn.closed and conn.info.transaction_status == TransactionStatus.IDLE:
            conn.execute("SELECT pg_advisory_unlock(%s)", (_ADVISORY_LOCK_KEY,))
