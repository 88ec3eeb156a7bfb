"""The embedded PostgreSQL server, started for real in temporary data dirs."""

from __future__ import annotations

import os
import shutil
import signal
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import psycopg
import pytest

from sm2_adapters.postgres.embedded import (
    DATABASE_NAME,
    EmbeddedDatabaseError,
    ensure_embedded_server,
    resolve_database_url,
    stop_embedded_server,
)

pytestmark = pytest.mark.postgres

RunTogether = Callable[[list[list[str]]], list[dict[str, object]]]


def _ensure(data_dir: Path) -> str:
    # This process leaves stopping to the fixtures: with the default stop_at_exit the library's
    # exit hook would try again to stop the servers the tests already stopped, and log about it.
    return ensure_embedded_server(data_dir, stop_at_exit=False)


def _start_time(url: str) -> str:
    """When the server behind ``url`` started: equal for two URLs only if they reach one server."""
    with psycopg.connect(url) as conn:
        row = conn.execute("SELECT pg_postmaster_start_time()::text").fetchone()
    assert row is not None
    return str(row[0])


def _postmaster_pid(data_dir: Path) -> int:
    return int((data_dir / "pg" / "postmaster.pid").read_text().splitlines()[0])


@pytest.fixture
def own_tmp() -> Iterator[Path]:
    """A temp dir outside pytest's basetemp: pytest resets that root to mode 0700 whenever a
    pytest session starts, which locks out the embedded server's own system user."""
    path = Path(tempfile.mkdtemp(prefix="sm2-embedded-"))
    try:
        yield path
    finally:
        shutil.rmtree(path, ignore_errors=True)


@pytest.fixture
def data_dir(own_tmp: Path) -> Iterator[Path]:
    """An empty data dir; its server, if any, is stopped after the test."""
    path = own_tmp / "data"
    yield path
    if (path / "pg").exists():
        stop_embedded_server(path)


@pytest.fixture(scope="module")
def running() -> Iterator[tuple[Path, str]]:
    """One server shared by the tests that only read: its data dir and URL."""
    root = Path(tempfile.mkdtemp(prefix="sm2-embedded-"))
    path = root / "data"
    url = _ensure(path)
    yield path, url
    stop_embedded_server(path)
    shutil.rmtree(root, ignore_errors=True)


class TestStart:
    def test_serves_the_sm2_database(self, running: tuple[Path, str]) -> None:
        """The URL reaches a database named sm2, created on first start."""
        _, url = running
        with psycopg.connect(url) as conn:
            row = conn.execute("SELECT current_database(), current_user").fetchone()
        assert row == (DATABASE_NAME, "postgres")

    def test_listens_on_a_socket_in_the_data_dir(self, running: tuple[Path, str]) -> None:
        """No TCP port: the URL names a Unix socket inside data_dir/pg."""
        data_dir, url = running
        assert "host=" + str(data_dir / "pg").replace("/", "%2F") in url
        assert (data_dir / "pg" / ".s.PGSQL.5432").is_socket()

    def test_a_second_call_reuses_the_server(self, running: tuple[Path, str]) -> None:
        """Calling again in the same process returns the same URL to the same server."""
        data_dir, url = running
        assert url == _ensure(data_dir)
        assert _start_time(url) == _start_time(_ensure(data_dir))

    def test_a_second_process_attaches_to_it(
        self, running: tuple[Path, str], run_together: RunTogether
    ) -> None:
        """Another process gets the same server, and leaving does not stop it under us."""
        data_dir, url = running
        [child] = run_together([["embedded", str(data_dir)]])
        assert (url, _start_time(url)) == (child["url"], child["started"])
        assert _start_time(url)  # still up after the child exited

    def test_two_processes_starting_together_share_one_server(
        self, data_dir: Path, run_together: RunTogether
    ) -> None:
        """Two processes racing on a new data dir both succeed, with one initdb and one server."""
        # Each holds its handle a moment, as an app would: the last to leave stops the server, so
        # a child exiting before the other attached would rightly leave it a new one.
        first, second = run_together([["embedded", str(data_dir), "--hold", "1"]] * 2)
        assert (first["url"], first["started"]) == (second["url"], second["started"])

    def test_a_long_data_dir_path_still_gets_a_socket(self, own_tmp: Path) -> None:
        """Past the ~100 bytes a Unix socket path allows, the socket moves and the URL follows."""
        data_dir = own_tmp / ("long-" * 20) / "data"
        try:
            url = _ensure(data_dir)
            assert str(data_dir) not in url.replace("%2F", "/")
            assert _start_time(url)
        finally:
            stop_embedded_server(data_dir)


class TestResolveDatabaseUrl:
    def test_a_configured_url_wins(self, tmp_path: Path) -> None:
        """With SM2_DATABASE_URL set, no embedded server is started."""
        url = "postgresql://app@db.example/sm2"
        assert url == resolve_database_url(url, tmp_path / "data")
        assert not (tmp_path / "data").exists()

    @pytest.mark.parametrize("unset", [None, "", "  "])
    def test_no_url_means_the_embedded_server(
        self, running: tuple[Path, str], unset: str | None
    ) -> None:
        """Unset or blank, the URL is the embedded server's."""
        data_dir, url = running
        assert url == resolve_database_url(unset, data_dir)


class TestStopAndRestart:
    def test_restart_after_stop_keeps_the_data(self, data_dir: Path) -> None:
        """Data written before a stop is there after the next start."""
        url = _ensure(data_dir)
        with psycopg.connect(url) as conn:
            conn.execute("CREATE TABLE kept (note text)")
            conn.execute("INSERT INTO kept VALUES ('still here')")
        before = _start_time(url)
        assert stop_embedded_server(data_dir) is True
        with pytest.raises(psycopg.OperationalError):
            psycopg.connect(url, connect_timeout=2)
        url = _ensure(data_dir)
        with psycopg.connect(url) as conn:
            assert conn.execute("SELECT note FROM kept").fetchone() == ("still here",)
        assert before != _start_time(url)

    def test_the_last_process_to_leave_stops_it(
        self, data_dir: Path, run_together: RunTogether
    ) -> None:
        """With the default stop_at_exit, a process alone on the server stops it when it exits."""
        [child] = run_together([["embedded", str(data_dir)]])
        assert child["url"]
        assert not (data_dir / "pg" / "postmaster.pid").exists()
        assert stop_embedded_server(data_dir) is False

    def test_stopping_a_stopped_server_says_so(self, data_dir: Path) -> None:
        """Stop reports False when no server runs in the data dir."""
        _ensure(data_dir)
        assert stop_embedded_server(data_dir) is True
        assert stop_embedded_server(data_dir) is False


class TestAfterACrash:
    def test_starts_over_a_killed_server(self, data_dir: Path) -> None:
        """A server killed with SIGKILL leaves postmaster.pid behind; the next start copes."""
        _ensure(data_dir)
        os.kill(_postmaster_pid(data_dir), signal.SIGKILL)
        time.sleep(0.2)  # let its children notice and exit
        assert _start_time(_ensure(data_dir))

    def test_starts_when_the_stale_pid_belongs_to_another_process(self, data_dir: Path) -> None:
        """After a reboot the old pid may be some other live process; it is not taken for ours."""
        _ensure(data_dir)
        pid_file = data_dir / "pg" / "postmaster.pid"
        lines = pid_file.read_text().splitlines()
        stop_embedded_server(data_dir)
        pid_file.write_text("\n".join([str(os.getpid()), *lines[1:]]) + "\n")
        assert _start_time(_ensure(data_dir))


class TestUnusableDataDir:
    def test_a_data_dir_that_cannot_be_created(self, tmp_path: Path) -> None:
        """A data dir below a regular file gives an error naming the directory and the way out."""
        blocker = tmp_path / "file"
        blocker.write_text("")
        with pytest.raises(EmbeddedDatabaseError, match="cannot create the data directory"):
            _ensure(blocker / "data")

    def test_a_pg_dir_that_is_not_a_cluster(self, data_dir: Path) -> None:
        """Leftovers in data_dir/pg are not overwritten; the error says to move them away."""
        (data_dir / "pg").mkdir(parents=True)
        (data_dir / "pg" / "something").write_text("")
        with pytest.raises(EmbeddedDatabaseError, match="holds no PostgreSQL cluster"):
            _ensure(data_dir)
