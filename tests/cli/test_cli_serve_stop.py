"""``sm2 serve`` on the embedded database stops it whether it is ended by SIGTERM or Ctrl-C."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from sm2_adapters.postgres.embedded import stop_embedded_server

pytestmark = pytest.mark.postgres


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _postmaster_alive(data_dir: Path) -> bool:
    pid_file = data_dir / "pg" / "postmaster.pid"
    if not pid_file.exists():
        return False
    pid = int(pid_file.read_text().splitlines()[0])
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


@pytest.fixture
def data_dir() -> Iterator[Path]:
    """Outside pytest's basetemp, which the embedded server's own user may not enter."""
    root = Path(tempfile.mkdtemp(prefix="sm2-serve-"))
    yield root / "data"
    if _postmaster_alive(root / "data"):  # the app failed to stop it: do not leave it running
        stop_embedded_server(root / "data")
    shutil.rmtree(root, ignore_errors=True)


def _serve_until_healthy(data_dir: Path) -> subprocess.Popen[bytes]:
    port = _free_port()
    env = {**os.environ, "SM2_DATA_DIR": str(data_dir), "SM2_TWILIO_VERIFY": "off"}
    env.pop("SM2_DATABASE_URL", None)
    server = subprocess.Popen(
        [sys.executable, "-c", "from sm2_cli.main import cli; cli()", "serve", "--port", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    for _ in range(600):  # the first start runs initdb: up to a minute
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/api/system/health", timeout=1):
                return server
        except OSError:
            time.sleep(0.1)
    server.kill()
    raise AssertionError("sm2 serve did not answer within a minute")


class TestStoppingServe:
    @pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT])
    def test_the_embedded_database_stops_with_the_app(self, data_dir: Path, signum: int) -> None:
        """Whatever ends the app, the embedded PostgreSQL it started ends with it."""
        server = _serve_until_healthy(data_dir)
        assert _postmaster_alive(data_dir)
        server.send_signal(signum)
        server.wait(timeout=60)
        assert not _postmaster_alive(data_dir)
