"""Signing in and out of each portal, and the language switch (open to everyone)."""

from __future__ import annotations

from typing import Any

from litestar import Request, Response, get, post
from litestar.datastructures import Cookie

from sm2_core.domain.enums import Role
from sm2_core.errors import AuthenticationFailed
from sm2_core.ports import Clock, RateLimiter
from sm2_core.services import Services
from sm2_web.auth import TooManyLogins, actor_for, throttled_login
from sm2_web.clients import client_address
from sm2_web.config import WebConfig
from sm2_web.dependencies import AppClock, Limiter
from sm2_web.portal import views
from sm2_web.portal.access import logout_response, safe_next, session_response
from sm2_web.portal.i18n import LANG_COOKIE, LANGUAGES
from sm2_web.portal.render import render, translator

_TEMPLATES = {Role.ADMIN: "admin/login.html", Role.TECH: "tech/login.html"}
_YEAR = 365 * 24 * 3600
_TOO_MANY = "Too many failed logins; try again in a few minutes."
_INVALID = "Invalid username or password"


def _login_page(
    request: Request[Any, Any, Any],
    role: Role,
    *,
    error: str | None = None,
    status: int = 200,
    wanted: str | None = None,
) -> Response[str]:
    target = safe_next(wanted or request.query_params.get("next"), role)
    t = translator(request)
    return render(
        request,
        _TEMPLATES[role],
        {"next": target, "error": t(error) if error else None},
        status=status,
    )


async def _login(
    request: Request[Any, Any, Any],
    role: Role,
    *,
    services: Services,
    config: WebConfig,
    clock: Clock,
    limiter: RateLimiter,
) -> Response[Any]:
    form = await request.form()
    username = views.text(form, "username") or ""
    password = str(form.get("password") or "")
    wanted = views.text(form, "next")
    try:
        user = await throttled_login(
            username,
            password,
            role,
            address=client_address(request, config.trusted_proxies),
            services=services,
            config=config,
            limiter=limiter,
        )
    except TooManyLogins:
        return _login_page(request, role, error=_TOO_MANY, status=429, wanted=wanted)
    except AuthenticationFailed:
        # A failed login is a form error: the login page again, with the status it means.
        return _login_page(request, role, error=_INVALID, status=401, wanted=wanted)
    return session_response(user, safe_next(wanted, role), config=config, clock=clock)


@get("/login", name="portal:login")
async def admin_login_page(request: Request[Any, Any, Any]) -> Response[str]:
    return _login_page(request, Role.ADMIN)


@post("/login", name="portal:login-post")
async def admin_login(
    request: Request[Any, Any, Any],
    services: Services,
    config: WebConfig,
    clock: AppClock,
    limiter: Limiter,
) -> Response[Any]:
    return await _login(
        request, Role.ADMIN, services=services, config=config, clock=clock, limiter=limiter
    )


async def _logout(
    request: Request[Any, Any, Any],
    role: Role,
    *,
    services: Services,
    config: WebConfig,
    clock: Clock,
) -> Response[None]:
    """End the session for good (the cookie's token, and any copy of it, answers 401 after),
    then forget the cookie. Without a valid session there is nothing to end."""
    try:
        actor = await actor_for(request, role, services=services, config=config, clock=clock)
    except AuthenticationFailed:
        actor = None
    if actor is not None and actor.user_id is not None:
        await services.admin.end_sessions(actor.user_id, actor=actor)
    return logout_response(role, config)


@post("/logout", name="portal:logout")
async def admin_logout(
    request: Request[Any, Any, Any], services: Services, config: WebConfig, clock: AppClock
) -> Response[None]:
    return await _logout(request, Role.ADMIN, services=services, config=config, clock=clock)


@get("/tech/login", name="portal:tech-login")
async def tech_login_page(request: Request[Any, Any, Any]) -> Response[str]:
    return _login_page(request, Role.TECH)


@post("/tech/login", name="portal:tech-login-post")
async def tech_login(
    request: Request[Any, Any, Any],
    services: Services,
    config: WebConfig,
    clock: AppClock,
    limiter: Limiter,
) -> Response[Any]:
    return await _login(
        request, Role.TECH, services=services, config=config, clock=clock, limiter=limiter
    )


@post("/tech/logout", name="portal:tech-logout")
async def tech_logout(
    request: Request[Any, Any, Any], services: Services, config: WebConfig, clock: AppClock
) -> Response[None]:
    return await _logout(request, Role.TECH, services=services, config=config, clock=clock)


@post("/lang", name="portal:lang")
async def switch_language(request: Request[Any, Any, Any], config: WebConfig) -> Response[None]:
    """Remember the chosen language and go back where the switch was pressed."""
    form = await request.form()
    chosen = views.text(form, "lang")
    back = views.text(form, "next") or "/"
    role = Role.TECH if back == "/tech" or back.startswith("/tech/") else Role.ADMIN
    cookies = []
    if chosen in LANGUAGES:
        cookies.append(
            Cookie(
                key=LANG_COOKIE,
                value=chosen,
                path="/",
                max_age=_YEAR,
                httponly=True,
                secure=config.secure_cookies,
                samesite="lax",
            )
        )
    return Response(
        None, status_code=303, headers={"Location": safe_next(back, role)}, cookies=cookies
    )


LOGIN_HANDLERS = [
    admin_login_page,
    admin_login,
    admin_logout,
    tech_login_page,
    tech_login,
    tech_logout,
    switch_language,
]
