"""Access tokens: HS256 JWTs pinned to algorithm and audience; one audience per portal.

An admin token (``aud=sm2-admin``) opens only admin endpoints and a technician token
(``aud=sm2-tech``) only technician endpoints. The user is re-read on every request, so a
deactivated login stops working at once, and the role comes from the database, not the token.
Each token carries its login's session generation (``gen``): logging out, a password change or
a deactivation raises it, which ends every token issued before. A token never lives longer than
``WebConfig.token_ttl``, whatever its own claims say.
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
from sm2_web.clients import throttle_key
from sm2_web.config import WebConfig
from sm2_web.dependencies import AppClock

ALGORITHM = "HS256"
#: Tolerated clock difference between the processes that issue and check tokens.
CLOCK_LEEWAY_SECONDS = 30
AUDIENCE = {Role.ADMIN: "sm2-admin", Role.TECH: "sm2-tech"}
#: The claim that carries the login's session generation.
GENERATION = "gen"
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
        GENERATION: user.session_generation,
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
                "require": ["sub", "role", "aud", "exp", "iat", "jti", GENERATION],
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
    if expires - issued > config.token_ttl.total_seconds():
        # Signed by us, yet not as we sign: a leaked key must not mint tokens for ever.
        raise AuthenticationFailed("Invalid access token")
    if type(claims.get(GENERATION)) is not int:
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
    token = bearer_token(connection, role)
    return await token_actor(token, role, services=services, config=config, clock=clock)


async def token_actor(
    token: str, role: Role, *, services: Services, config: WebConfig, clock: Clock
) -> Actor:
    """The login a token (header or cookie) stands for, checked in full."""
    claims = decode_token(token, role, config=config, clock=clock)
    try:
        user = await services.admin.get_user(UUID(claims["sub"]))
    except Exception as exc:  # an unknown or malformed subject is just an invalid token
        raise AuthenticationFailed("Invalid access token") from exc
    if not user.is_active or user.role is not role:
        raise AuthenticationFailed("Invalid access token")
    if claims[GENERATION] != user.session_generation:
        raise AuthenticationFailed("The session has ended: sign in again")
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


async def session_actor(
    request: ASGIConnection[Any, Any, Any, Any],
    services: Services,
    config: WebConfig,
    clock: AppClock,
) -> Actor:
    """The caller of either portal, by the audience its token names (then checked in full)."""
    token = bearer_token(request, Role.ADMIN)
    try:
        audience = jwt.decode(token, options={"verify_signature": False}).get("aud")
    except jwt.InvalidTokenError:
        raise AuthenticationFailed("Invalid access token") from None
    role = Role.TECH if audience == AUDIENCE[Role.TECH] else Role.ADMIN
    return await actor_for(request, role, services=services, config=config, clock=clock)


class TooManyLogins(AuthenticationFailed):
    """Too many failed logins from one address, or for one username from one address: refused
    for a while, even with the right password."""


async def throttled_login(
    username: str,
    password: str,
    role: Role | None = None,
    *,
    address: str,
    services: Services,
    config: WebConfig,
    limiter: RateLimiter,
) -> User:
    """The user for these credentials; with ``role``, a login of the other portal is refused
    like a bad password (nobody learns who exists where).

    Failures are counted per client ``address`` and per (username, address), never per username
    alone: whoever guesses at a username from one place cannot lock its owner out elsewhere.
    """
    place = throttle_key(address)
    limits = {
        f"login:from:{place}": config.login_address_attempts,
        f"login:user:{username.strip().lower()}:from:{place}": config.login_attempts,
    }
    window = int(config.login_window.total_seconds())
    for key, limit in limits.items():
        if await limiter.used(key, window_seconds=window) >= limit:
            raise TooManyLogins("Too many failed logins; try again later")
    try:
        user = await services.admin.authenticate(username, password)
        if role is not None and user.role is not role:
            raise AuthenticationFailed("Invalid username or password")
    except AuthenticationFailed:
        for key, limit in limits.items():
            await limiter.allow(key, limit=limit + 1, window_seconds=window)
        raise
    return user
