"""How the web driver is set up: secrets, URLs, cookie and login policy, limits."""

from __future__ import annotations

from datetime import timedelta

import attrs


@attrs.frozen
class WebConfig:
    jwt_secret: str = attrs.field(repr=False)
    public_url: str = "http://127.0.0.1:8000"
    token_ttl: timedelta = timedelta(hours=12)
    cors_origins: tuple[str, ...] = ()
    twilio_auth_token: str | None = attrs.field(default=None, repr=False)
    twilio_verify: bool = True
    """False only when explicitly switched off for development (SM2_TWILIO_VERIFY=off)."""
    login_attempts: int = 5
    """Failed logins for one username within ``login_window`` before it is throttled."""
    login_window: timedelta = timedelta(minutes=15)
    heartbeat_seconds: float = 15.0
    max_body_bytes: int = 1_000_000
    secure_cookies: bool = True
    """Session cookies only over HTTPS; off for a local http:// set-up."""
