"""``sm2 sms simulate``: a correctly signed Twilio webhook to a running server, no phone needed;
``sm2 sms reconcile``: the texts Twilio has for our number and we lack, stored."""

from __future__ import annotations

import json
import secrets
import urllib.error
import urllib.request
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode

import click

if TYPE_CHECKING:
    from sm2_core.runtime import Runtime
    from sm2_core.services import ReconcileReport

#: How far back ``sm2 sms reconcile`` looks without ``--since``.
DEFAULT_RECONCILE_WINDOW = timedelta(hours=24)


class IsoDateTime(click.ParamType[datetime, Any]):
    """An ISO 8601 date or date-time; without a zone, the operator's local time."""

    name = "datetime"

    def convert(
        self, value: Any, param: click.Parameter | None, ctx: click.Context | None
    ) -> datetime:
        if isinstance(value, datetime):
            return value
        try:
            when = datetime.fromisoformat(str(value))
        except ValueError:
            self.fail(f"{value!r} is not an ISO 8601 date or date-time", param, ctx)
        return when if when.tzinfo is not None else when.astimezone()


@click.group()
def sms() -> None:
    """Texts: try the system without a phone, catch up with Twilio's record."""


@sms.command("simulate")
@click.option("--from", "sender", required=True, help="The dealership's number, e.g. +14185550101.")
@click.option("--to", "to", default="+14185550000", show_default=True)
@click.option("--url", help="The server's base URL (default: SM2_PUBLIC_URL).")
@click.argument("text")
def simulate(sender: str, to: str, url: str | None, text: str) -> None:
    """Post TEXT as an inbound SMS, signed with TWILIO_AUTH_TOKEN like Twilio would."""
    from sm2_adapters.bootstrap import twilio_signature
    from sm2_adapters.settings import Settings

    settings = Settings.from_env()
    base = (url or settings.public_url).rstrip("/")
    params = {
        "From": sender,
        "To": to,
        "Body": text,
        "NumMedia": "0",
        "MessageSid": "SM" + secrets.token_hex(16),
        "AccountSid": "ACsimulated",
    }
    headers = {"Content-Type": "application/x-www-form-urlencoded"}
    if settings.twilio_auth_token:
        # Signed against the public URL, as Twilio signs; the server checks the same URL.
        signed = settings.public_url + "/webhooks/twilio/sms"
        headers["X-Twilio-Signature"] = twilio_signature(settings.twilio_auth_token, signed, params)
    request = urllib.request.Request(
        f"{base}/webhooks/twilio/sms", data=urlencode(params).encode(), headers=headers
    )
    try:
        with urllib.request.urlopen(request, timeout=15) as response:
            click.echo(f"{response.status} {params['MessageSid']}")
    except urllib.error.HTTPError as exc:
        raise click.ClickException(f"{exc.code}: {exc.read().decode(errors='replace')}") from None
    except urllib.error.URLError as exc:
        raise click.ClickException(f"cannot reach {base}: {exc.reason}") from None


@sms.command("reconcile")
@click.option(
    "--since",
    type=IsoDateTime(),
    help="ISO 8601, e.g. 2026-11-25T08:00-05:00 (default: 24 hours ago).",
)
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
def reconcile(since: datetime | None, as_json: bool) -> None:
    """Store every text Twilio received for our number that we lack (a webhook that never
    reached us); texts we have are left alone, so it is safe to run at any time."""
    from sm2_cli.data import with_system

    async def work(system: Runtime) -> ReconcileReport:
        start = since or system.clock.now() - DEFAULT_RECONCILE_WINDOW
        return await system.services.receipt.reconcile(since=start)

    report = with_system(work)
    if as_json:
        click.echo(json.dumps(_report_json(report)))
        return
    texts = "text" if report.seen == 1 else "texts"
    line = (
        f"{report.seen} {texts} at Twilio since {report.since.isoformat(timespec='seconds')}: "
        f"{report.stored} stored, {report.already_had} already here"
    )
    click.echo(line + (f", {len(report.refused)} refused" if report.refused else ""))
    for refused in report.refused:
        click.echo(f"  refused {refused.sid or '(no sid)'}: {refused.reason}", err=True)


def _report_json(report: ReconcileReport) -> dict[str, Any]:
    return {
        "since": report.since.isoformat(),
        "seen": report.seen,
        "stored": report.stored,
        "already_had": report.already_had,
        "refused": [{"sid": r.sid, "reason": r.reason} for r in report.refused],
    }
