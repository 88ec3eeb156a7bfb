"""The command line on the embedded PostgreSQL: no SM2_DATABASE_URL, nothing to install."""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner

from sm2_adapters.postgres.embedded import stop_embedded_server
from sm2_cli.main import cli

SHARED = Path(__file__).resolve().parents[2].parent / "shared" / "data"


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
    def test_import_export_round_trip(self, data_dir: Path) -> None:
        """The shared CSVs go in and come out the same, on a server the command started."""
        for kind in ("zones", "services", "dealerships", "technicians"):
            sm2(data_dir, "import", kind, str(SHARED / f"{kind}.csv"))
        exported = sm2(data_dir, "export", "dealerships").splitlines()
        original = (SHARED / "dealerships.csv").read_text("utf-8").splitlines()
        assert original[0] == exported[0]
        assert sorted(original[1:]) == sorted(exported[1:])
        assert (data_dir / "pg").is_dir()

    def test_status_after_the_first_command(self, data_dir: Path) -> None:
        """The embedded database is migrated by the first command that opens it."""
        sm2(data_dir, "seed", "--demo")
        assert "up to date" in sm2(data_dir, "db", "status")
