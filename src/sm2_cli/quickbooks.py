"""``sm2 quickbooks``: the QuickBooks connection from a shell (headless set-up, status, disconnect).

Heavy imports stay inside the commands so ``sm2 --help`` stays instant.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

import click

if TYPE_CHECKING:
    from sm2_core.ports import QuickBooksConnection
    from sm2_core.runtime import Runtime


def _run(action: Callable[[QuickBooksConnection], Awaitable[dict[str, Any]]]) -> dict[str, Any]:
    from sm2_cli.data import with_system
    from sm2_core.errors import NotConfigured
    from sm2_core.ports import QUICKBOOKS_NOT_CONFIGURED

    async def work(system: Runtime) -> dict[str, Any]:
        if system.quickbooks is None:
            raise NotConfigured(QUICKBOOKS_NOT_CONFIGURED)
        return await action(system.quickbooks)

    return with_system(work)


def _echo(report: dict[str, Any], as_json: bool) -> None:
    if as_json:
        click.echo(json.dumps(report))
        return
    for key, value in report.items():
        click.echo(f"{key:<24} {'-' if value is None else value}")


@click.group()
def quickbooks() -> None:
    """The QuickBooks Online connection that invoices approved jobs."""


@quickbooks.command("set-tokens")
@click.option("--realm-id", required=True, help="The QuickBooks company id (realmId).")
@click.option(
    "--refresh-token",
    required=True,
    help="A refresh token obtained elsewhere (e.g. Intuit's OAuth Playground); "
    "'-' reads it from stdin, keeping it out of shell history.",
)
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
def set_tokens(realm_id: str, refresh_token: str, as_json: bool) -> None:
    """Store QuickBooks tokens obtained elsewhere (one refresh validates them)."""
    token = sys.stdin.readline().strip() if refresh_token == "-" else refresh_token
    _echo(_run(lambda qbo: qbo.set_tokens(realm_id=realm_id, refresh_token=token)), as_json)


@quickbooks.command()
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
def status(as_json: bool) -> None:
    """Show the connection: company, state, access token expiry, last error (never a token)."""
    _echo(_run(lambda qbo: qbo.status()), as_json)


@quickbooks.command()
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
def disconnect(as_json: bool) -> None:
    """Revoke the tokens at Intuit and forget them; invoicing stops until reconnected."""
    _echo(_run(lambda qbo: qbo.disconnect()), as_json)
