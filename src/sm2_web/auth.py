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
from sm2_web.config import WebDeps

ALGORITHM = "HS256"
AUDIENCE = {Role.ADMIN: "sm2-admin", Role.TECH: "sm2-tech"}
SESSION_COOKIES = {Role.ADMIN: "sm2_admin", Role.TECH: "sm2_tech"}


def issue_token(user: User, deps: WebDeps) -> tuple[str, datetime]:
    now = deps.clock.now()
    expires = now + deps.config.token_ttl
    claims = {
        "sub": str(user.id),
        "role": user.role.value,
        "aud": AUDIENCE[user.role],
        "iat": int(now.timestamp()),
        "exp": int(expires.timestamp()),
        "jti": uuid.uuid4().hex,
    }
    return jwt.encode(claims, deps.config.jwt_secret, algorithm=ALGORITHM), expires


def decode_token(token: str, role: Role, deps: WebDeps) -> dict[str, Any]:
    """The claims, or AuthenticationFailed for any token that is not ours for this portal."""
    try:
        claims: dict[str, Any] = jwt.decode(
            token,
            deps.config.jwt_secret,
            algorithms=[ALGORITHM],
            audience=AUDIENCE[role],
            options={"require": ["sub", "role", "aud", "exp", "iat", "jti"]},
        )
    except jwt.ExpiredSignatureError:
        raise AuthenticationFailed("The access token has expired") from None
    except jwt.InvalidTokenError:
        raise AuthenticationFailed("Invalid access token") from None
    if claims.get("role") != role.value:
        raise AuthenticationFailed("Invalid access token")
    return claims


def bearer_token(connection: ASGIConnection[Any, Any, Any, Any], role: Role) -> str:
    header = connection.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() == "bearer" and token.strip():
        return token.strip()
    cookie = connection.cookies.get(SESSION_COOKIES[role])
    if cookie:
        return cookie
    raise AuthenticationFailed("Authentication required")


async def actor_for(connection: ASGIConnection[Any, Any, Any, Any], role: Role) -> Actor:
    deps: WebDeps = connection.app.state.deps
    claims = decode_token(bearer_token(connection, role), role, deps)
    try:
        user = await deps.services.admin.get_user(UUID(claims["sub"]))
    except Exception as exc:  # an unknown or malformed subject is just an invalid token
        raise AuthenticationFailed("Invalid access token") from exc
    if not user.is_active or user.role is not role:
        raise AuthenticationFailed("Invalid access token")
    return Actor(
        name=user.username, role=user.role, user_id=user.id, technician_id=user.technician_id
    )


async def admin_actor(request: ASGIConnection[Any, Any, Any, Any]) -> Actor:
    return await actor_for(request, Role.ADMIN)


async def tech_actor(request: ASGIConnection[Any, Any, Any, Any]) -> Actor:
    return await actor_for(request, Role.TECH)
