"""How the web driver is set up: secrets, URLs, cookie and login policy, limits."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import timedelta
from ipaddress import ip_network

import attrs


def networks(values: Iterable[str]) -> tuple[str, ...]:
    """Addresses or networks as written (``10.0.0.1``, ``10.0.0.0/8``, ``::1``), checked and
    written the one way (``10.0.0.1/32``); ValueError for anything else."""
    return tuple(str(ip_network(value.strip(), strict=False)) for value in values)


@attrs.frozen
class WebConfig:
    jwt_secret: str = attrs.field(repr=False)
    public_url: str = "http://127.0.0.1:8000"
    token_ttl: timedelta = timedelta(hours=12)
    """How long an access token lives; a token claiming to live longer is refused, even signed."""
    cors_origins: tuple[str, ...] = ()
    twilio_auth_token: str | None = attrs.field(default=None, repr=False)
    twilio_verify: bool = True
    """False only when explicitly switched off for development (SM2_TWILIO_VERIFY=off)."""
    qbo_webhook_verifier: str | None = attrs.field(default=None, repr=False)
    """Intuit's webhook verifier token (SM2_QBO_WEBHOOK_VERIFIER); None: its webhook answers
    503."""
    login_attempts: int = 5
    """Failed logins for one username from one client address within ``login_window`` before
    that pair is throttled (the same username from elsewhere still may sign in)."""
    login_address_attempts: int = 20
    """Failed logins from one client address, whatever the usernames, within ``login_window``
    before that address is throttled."""
    login_window: timedelta = timedelta(minutes=15)
    trusted_proxies: tuple[str, ...] = attrs.field(default=(), converter=networks)
    """Proxies whose ``X-Forwarded-For`` is believed (SM2_TRUSTED_PROXIES); without any, the
    socket's peer is the client."""
    heartbeat_seconds: float = 15.0
    max_body_bytes: int = 1_000_000
    secure_cookies: bool = True
    """Session cookies only over HTTPS; off for a local http:// set-up."""
