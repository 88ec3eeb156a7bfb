"""``sm2 sms simulate``: a correctly signed Twilio webhook to a running server, no phone needed."""

from __future__ import annotations

import secrets
import urllib.error
import urllib.request
from urllib.parse import urlencode

import click


@click.group()
def sms() -> None:
    """Try the system without a phone."""


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
