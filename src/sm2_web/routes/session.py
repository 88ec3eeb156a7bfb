"""Logging in and out: one endpoint each for both portals; a token's audience follows the user's
role."""

from __future__ import annotations

from typing import Any

from litestar import Request, post
from litestar.di import Provide

from sm2_core.domain.records import Actor
from sm2_core.services import Services
from sm2_web.auth import issue_token, session_actor, throttled_login
from sm2_web.clients import client_address
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
    request: Request[Any, Any, Any],
    data: LoginIn,
    services: Services,
    config: WebConfig,
    clock: AppClock,
    limiter: Limiter,
) -> TokenOut:
    user = await throttled_login(
        data.username,
        data.password,
        address=client_address(request, config.trusted_proxies),
        services=services,
        config=config,
        limiter=limiter,
    )
    token, expires = issue_token(user, config=config, clock=clock)
    return TokenOut(
        access_token=token, token_type="bearer", expires_at=expires, role=user.role.value
    )


@post(
    "/api/auth/logout",
    operation_id="logout",
    tags=["auth"],
    status_code=204,
    summary="End the session: every token of this login answers 401 afterwards",
    security=[{"bearer": []}],
    dependencies={"actor": Provide(session_actor)},
    responses=problem_responses(401),
)
async def logout(services: Services, actor: Actor) -> None:
    assert actor.user_id is not None  # a caller known by its token is a login
    await services.admin.end_sessions(actor.user_id, actor=actor)


def too_many(_: Request[Any, Any, Any], exc: Exception) -> Any:
    return problem(429, "Too many attempts", str(exc))
