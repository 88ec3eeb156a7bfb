"""Access tokens: HS256 JWTs pinned to algorithm and audience; one audience per portal.

An admin token (``aud=sm2-admin``) opens only admin endpoints and a technician token
(``aud=sm2-tech``) only technician endpoints. The user is re-read on every request, so a
deactivated login stops working at once, and the role comes from the database, not the token.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any
from uuid import UUID

import jwt
from litestar.connection import ASGIConnection

from sm2_core.domain.entities import User
from sm2_core.domain.enums import Role
from sm2_core.domain.records import Actor
from sm2_core.errors import AuthenticationFailed
from sm2_core.ports import Clock, RateLimiter
from sm2_core.services import Services
from sm2_web.config import WebConfig
from sm2_web.dependencies import AppClock

ALGORITHM = "HS256"
#: Tolerated clock difference between the processes that issue and check tokens.
CLOCK_LEEWAY_SECONDS = 30
AUDIENCE = {Role.ADMIN: "sm2-admin", Role.TECH: "sm2-tech"}
SESSION_COOKIES = {Role.ADMIN: "sm2_admin", Role.TECH: "sm2_tech"}


def issue_token(user: User, *, config: WebConfig, clock: Clock) -> tuple[str, datetime]:
    now = clock.now()
    expires = now + config.token_ttl
    claims = {
        "sub": str(user.id),
        "role": user.role.value,
        "aud": AUDIENCE[user.role],
        "iat": int(now.timestamp()),
        "exp": int(expires.timestamp()),
        "jti": uuid.uuid4().hex,
    }
    return jwt.encode(claims, config.jwt_secret, algorithm=ALGORITHM), expires


def decode_token(token: str, role: Role, *, config: WebConfig, clock: Clock) -> dict[str, Any]:
    """The claims, or AuthenticationFailed for any token that is not ours for this portal.

    Times are checked against the app's clock (the one that issued the token), not the wall
    clock, so the two can never disagree.
    """
    try:
        claims: dict[str, Any] = jwt.decode(
            token,
            config.jwt_secret,
            algorithms=[ALGORITHM],
            audience=AUDIENCE[role],
            options={
                "require": ["sub", "role", "aud", "exp", "iat", "jti"],
                "verify_exp": False,
                "verify_iat": False,
            },
        )
    except jwt.InvalidTokenError:
        raise AuthenticationFailed("Invalid access token") from None
    now = clock.now().timestamp()
    issued, expires = _timestamp(claims.get("iat")), _timestamp(claims.get("exp"))
    if expires <= now:
        raise AuthenticationFailed("The access token has expired")
    if issued > now + CLOCK_LEEWAY_SECONDS:
        raise AuthenticationFailed("Invalid access token")
    if claims.get("role") != role.value:
        raise AuthenticationFailed("Invalid access token")
    return claims


def _timestamp(value: object) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise AuthenticationFailed("Invalid access token")
    return float(value)


def bearer_token(connection: ASGIConnection[Any, Any, Any, Any], role: Role) -> str:
    header = connection.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() == "bearer" and token.strip():
        return token.strip()
    # The portal's session cookie: its pages check CSRF tokens themselves. On the JSON API the
    # cookie opens reads only (the browser's EventSource cannot send headers); a change through
    # the API needs the header, so no cross-site request can ride on the cookie.
    cookie = connection.cookies.get(SESSION_COOKIES[role])
    is_api = connection.scope.get("path", "").startswith("/api/")
    if cookie and (not is_api or connection.scope.get("method", "GET") in ("GET", "HEAD")):
        return cookie
    raise AuthenticationFailed("Authentication required")


async def actor_for(
    connection: ASGIConnection[Any, Any, Any, Any],
    role: Role,
    *,
    services: Services,
    config: WebConfig,
    clock: Clock,
) -> Actor:
    claims = decode_token(bearer_token(connection, role), role, config=config, clock=clock)
    try:
        user = await services.admin.get_user(UUID(claims["sub"]))
    except Exception as exc:  # an unknown or malformed subject is just an invalid token
        raise AuthenticationFailed("Invalid access token") from exc
    if not user.is_active or user.role is not role:
        raise AuthenticationFailed("Invalid access token")
    return Actor(
        name=user.username, role=user.role, user_id=user.id, technician_id=user.technician_id
    )


async def admin_actor(
    request: ASGIConnection[Any, Any, Any, Any],
    services: Services,
    config: WebConfig,
    clock: AppClock,
) -> Actor:
    return await actor_for(request, Role.ADMIN, services=services, config=config, clock=clock)


async def tech_actor(
    request: ASGIConnection[Any, Any, Any, Any],
    services: Services,
    config: WebConfig,
    clock: AppClock,
) -> Actor:
    return await actor_for(request, Role.TECH, services=services, config=config, clock=clock)


class TooManyLogins(AuthenticationFailed):
    """Too many failed logins for one username: refused for a while, whoever asks."""


async def throttled_login(
    username: str,
    password: str,
    role: Role | None = None,
    *,
    services: Services,
    config: WebConfig,
    limiter: RateLimiter,
) -> User:
    """The user for these credentials, counting failures per username; with ``role``, a login
    of the other portal is refused like a bad password (nobody learns who exists where)."""
    key = f"login:{username.strip().lower()}"
    window = int(config.login_window.total_seconds())
    if await limiter.used(key, window_seconds=window) >= config.login_attempts:
        raise TooManyLogins("Too many failed logins for this username; try again later")
    try:
        user = await services.admin.authenticate(username, password)
        if role is not None and user.role is not role:
            raise AuthenticationFailed("Invalid username or password")
    except AuthenticationFailed:
        await limiter.allow(key, limit=config.login_attempts + 1, window_seconds=window)
        raise
    return user
