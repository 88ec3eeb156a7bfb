"""``sm2 quickbooks``: headless set-up, status and disconnect on the real system (PostgreSQL)."""

from __future__ import annotations

import json
from pathlib import Path

import psycopg
import pytest
from click.testing import CliRunner, Result
from fake_intuit import FakeIntuit
from qbo_helpers import CLIENT_ID, CLIENT_SECRET, SECRET_KEY

from sm2_adapters.memory import MemoryOpener, build_memory_system
from sm2_cli.main import Sm2Group
from sm2_cli.quickbooks import quickbooks

# The real CLI's settings: click caches a command's help option the first time it is built,
# so a group without "-h" here would take "-h" away from `sm2 quickbooks` in later tests.
CLI = Sm2Group(
    name="sm2",
    commands={"quickbooks": quickbooks},
    context_settings={"help_option_names": ["-h", "--help"]},
)


@pytest.fixture
def env(pg_url: str, intuit: FakeIntuit, tmp_path: Path) -> dict[str, str]:
    with psycopg.connect(pg_url, autocommit=True) as conn:
        conn.execute("DELETE FROM integration_tokens")
    return {
        "SM2_DATABASE_URL": pg_url,
        "SM2_DATA_DIR": str(tmp_path),
        "SM2_SECRET_KEY": SECRET_KEY,
        "QBO_CLIENT_ID": CLIENT_ID,
        "QBO_CLIENT_SECRET": CLIENT_SECRET,
        "QBO_ENVIRONMENT": "sandbox",
        "SM2_QBO_API_URL": intuit.api_url,
        "SM2_QBO_DISCOVERY_URL": intuit.discovery_url,
    }


def sm2(env: dict[str, str], *args: str, stdin: str | None = None) -> Result:
    return CliRunner().invoke(CLI, ["quickbooks", *args], env=env, input=stdin)


def stored(pg_url: str) -> tuple[str, str, str] | None:
    with psycopg.connect(pg_url) as conn:
        return conn.execute(  # type: ignore[return-value]
            "SELECT realm_id, status, refresh_token FROM integration_tokens"
            " WHERE provider = 'quickbooks'"
        ).fetchone()


class TestSetTokens:
    def test_set_tokens_validates_and_stores(
        self, env: dict[str, str], intuit: FakeIntuit, pg_url: str
    ) -> None:
        """One refresh proves the token; the rotated one is stored, encrypted."""
        _, refresh = intuit.issue_tokens()
        result = sm2(
            env, "set-tokens", "--realm-id", intuit.realm_id, "--refresh-token", refresh, "--json"
        )
        assert 0 == result.exit_code, result.output
        report = json.loads(result.stdout)
        assert ("CONNECTED", intuit.realm_id) == (report["status"], report["realm_id"])
        row = stored(pg_url)
        assert row is not None
        assert (intuit.realm_id, "CONNECTED") == row[:2]
        assert refresh not in intuit.live_refresh
        assert row[2].startswith("gAAAA")
        assert refresh not in result.output

    def test_the_token_can_come_from_stdin(self, env: dict[str, str], intuit: FakeIntuit) -> None:
        """``--refresh-token -`` keeps the token out of shell history."""
        _, refresh = intuit.issue_tokens()
        result = sm2(
            env,
            "set-tokens",
            "--realm-id",
            intuit.realm_id,
            "--refresh-token",
            "-",
            stdin=f"{refresh}\n",
        )
        assert (0, 1) == (result.exit_code, len(intuit.refreshes))

    def test_a_rejected_token_is_an_error(
        self, env: dict[str, str], intuit: FakeIntuit, pg_url: str
    ) -> None:
        """Intuit says invalid_grant: exit 1 with the reason, nothing stored."""
        result = sm2(env, "set-tokens", "--realm-id", intuit.realm_id, "--refresh-token", "AB11x")
        assert 1 == result.exit_code
        assert "invalid_grant" in result.stderr
        assert stored(pg_url) is None


class TestStatusAndDisconnect:
    def test_status_then_disconnect(
        self, env: dict[str, str], intuit: FakeIntuit, pg_url: str
    ) -> None:
        """Status shows the company (never a token); disconnect revokes and forgets."""
        _, refresh = intuit.issue_tokens()
        sm2(env, "set-tokens", "--realm-id", intuit.realm_id, "--refresh-token", refresh)
        status = sm2(env, "status")
        assert 0 == status.exit_code
        assert "CONNECTED" in status.output
        assert intuit.realm_id in status.output
        gone = sm2(env, "disconnect", "--json")
        assert (0, True, "DISCONNECTED") == (
            gone.exit_code,
            json.loads(gone.stdout)["revoked"],
            json.loads(gone.stdout)["status"],
        )
        assert (1, None) == (len(intuit.revoked), stored(pg_url))


class TestInjectedSystem:
    def test_a_system_without_quickbooks(self) -> None:
        """On the memory system (how CLI tests run) the commands say QuickBooks is off."""
        opener = MemoryOpener(build_memory_system())
        result = CliRunner().invoke(CLI, ["quickbooks", "status"], obj=opener)
        assert (1, True) == (result.exit_code, "QBO_CLIENT_ID" in result.stderr)
