"""The command line on the embedded PostgreSQL: no SM2_DATABASE_URL, nothing to install."""

from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner

from sm2_adapters.postgres.embedded import stop_embedded_server
from sm2_cli.main import cli


@pytest.fixture
def data_dir(monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A fresh SM2_DATA_DIR outside pytest's basetemp (the server's own user must reach it)."""
    monkeypatch.chdir(tempfile.gettempdir())  # no .env file is read
    root = Path(tempfile.mkdtemp(prefix="sm2-cli-embedded-"))
    try:
        yield root / "data"
    finally:
        stop_embedded_server(root / "data")
        shutil.rmtree(root, ignore_errors=True)


def sm2(data_dir: Path, *args: str) -> str:
    env = {"SM2_DATA_DIR": str(data_dir), "SM2_DATABASE_URL": ""}
    result = CliRunner(env=env).invoke(cli, list(args), catch_exceptions=False)
    assert 0 == result.exit_code, result.output
    return result.stdout


class TestEmbedded:
    def test_import_export_round_trip(self, data_dir: Path, seed_data: Path) -> None:
        """An operator's CSVs go in and come out the same, on a server the command started."""
        for kind in ("zones", "services", "dealerships", "technicians"):
            sm2(data_dir, "import", kind, str(seed_data / f"{kind}.csv"))
        exported = sm2(data_dir, "export", "dealerships").splitlines()
        original = (seed_data / "dealerships.csv").read_text("utf-8").splitlines()
        assert original[0] == exported[0]
        assert sorted(original[1:]) == sorted(exported[1:])
        assert (data_dir / "pg").is_dir()

    def test_status_after_the_first_command(self, data_dir: Path) -> None:
        """The embedded database is migrated by the first command that opens it."""
        sm2(data_dir, "seed", "--demo")
        assert "up to date" in sm2(data_dir, "db", "status")

    def test_exit_is_quiet_when_a_log_stream_is_closed(self, data_dir: Path) -> None:
        """The server stops at exit without a word, even when the process's log handler holds a
        stream closed by then (as one made under a test runner's capture or a CliRunner does)."""
        script = QUIET_EXIT_SCRIPT.format(data_dir=str(data_dir))
        done = subprocess.run(
            [sys.executable, "-c", script], capture_output=True, text=True, timeout=120
        )
        assert 0 == done.returncode, done.stderr
        assert "" == done.stderr
        assert not (data_dir / "pg" / "postmaster.pid").exists()


QUIET_EXIT_SCRIPT = """
import io, logging
from pathlib import Path
from sm2_adapters.postgres.embedded import ensure_embedded_server

stream = io.StringIO()
logging.basicConfig(stream=stream, level=logging.INFO)
ensure_embedded_server(Path({data_dir!r}))
ensure_embedded_server(Path({data_dir!r}))
stream.close()
"""
