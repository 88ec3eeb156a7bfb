"""Logging in: one endpoint for both portals; the token's audience follows the user's role."""

from __future__ import annotations

from typing import Any

from litestar import Request, post

from sm2_core.services import Services
from sm2_web.auth import issue_token, throttled_login
from sm2_web.config import WebConfig
from sm2_web.dependencies import AppClock, Limiter
from sm2_web.problems import problem, problem_responses
from sm2_web.schemas import LoginIn, TokenOut


@post(
    "/api/auth/login",
    operation_id="login",
    tags=["auth"],
    status_code=200,
    summary="Exchange a username and password for an access token",
    responses=problem_responses(400, 401, 422, 429),
)
async def login(
    data: LoginIn, services: Services, config: WebConfig, clock: AppClock, limiter: Limiter
) -> TokenOut:
    user = await throttled_login(
        data.username, data.password, services=services, config=config, limiter=limiter
    )
    token, expires = issue_token(user, config=config, clock=clock)
    return TokenOut(
        access_token=token, token_type="bearer", expires_at=expires, role=user.role.value
    )


def too_many(_: Request[Any, Any, Any], exc: Exception) -> Any:
    return problem(429, "Too many attempts", str(exc))
