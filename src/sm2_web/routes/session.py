"""Logging in: one endpoint for both portals; the token's audience follows the user's role."""

from __future__ import annotations

from typing import Any

from litestar import Request, post

from sm2_core.errors import AuthenticationFailed
from sm2_web.auth import issue_token
from sm2_web.config import WebDeps
from sm2_web.problems import problem
from sm2_web.schemas import LoginIn, TokenOut


@post(
    "/api/auth/login",
    operation_id="login",
    tags=["auth"],
    status_code=200,
    summary="Exchange a username and password for an access token",
)
async def login(request: Request[Any, Any, Any], data: LoginIn) -> TokenOut:
    deps: WebDeps = request.app.state.deps
    config = deps.config
    username = data.username.strip().lower()
    key = f"login:{username}"
    window = int(config.login_window.total_seconds())
    if await deps.limiter.used(key, window_seconds=window) >= config.login_attempts:
        raise TooManyAttempts()
    try:
        user = await deps.services.admin.authenticate(username, data.password)
    except AuthenticationFailed:
        await deps.limiter.allow(key, limit=config.login_attempts + 1, window_seconds=window)
        raise
    token, expires = issue_token(user, deps)
    return TokenOut(
        access_token=token, token_type="bearer", expires_at=expires, role=user.role.value
    )


class TooManyAttempts(Exception):
    """Too many failed logins for one username: refuse for a while, whoever asks."""


def too_many(_: Request[Any, Any, Any], __: Exception) -> Any:
    return problem(
        429,
        "Too many attempts",
        "Too many failed logins for this username; try again in a few minutes.",
    )
