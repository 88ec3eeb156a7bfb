"""Who may open a portal page: the session cookies, logging in and out, safe redirects.

Each portal has its own cookie (``sm2_admin`` / ``sm2_tech``) holding a token of its own
audience, so a technician's cookie never opens an admin page: the admin guard does not even
look at it.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote, urlsplit

from litestar import Request, Response
from litestar.datastructures import Cookie

from sm2_core.domain.entities import User
from sm2_core.domain.enums import Role
from sm2_core.domain.records import Actor
from sm2_core.errors import AuthenticationFailed
from sm2_core.ports import Clock
from sm2_core.services import Services
from sm2_web.auth import SESSION_COOKIES, actor_for, issue_token
from sm2_web.config import WebConfig
from sm2_web.dependencies import AppClock
from sm2_web.portal.csrf import spent_csrf_cookie

LOGIN_PATHS = {Role.ADMIN: "/login", Role.TECH: "/tech/login"}
HOME_PATHS = {Role.ADMIN: "/", Role.TECH: "/tech"}


class LoginRequired(Exception):
    """No valid session for this portal: send the browser to the portal's login page."""

    def __init__(self, role: Role) -> None:
        super().__init__(role.value)
        self.role = role


async def _page_actor(
    request: Request[Any, Any, Any],
    role: Role,
    *,
    services: Services,
    config: WebConfig,
    clock: Clock,
) -> Actor:
    try:
        return await actor_for(request, role, services=services, config=config, clock=clock)
    except AuthenticationFailed:
        raise LoginRequired(role) from None


async def admin_page_actor(
    request: Request[Any, Any, Any], services: Services, config: WebConfig, clock: AppClock
) -> Actor:
    return await _page_actor(request, Role.ADMIN, services=services, config=config, clock=clock)


async def tech_page_actor(
    request: Request[Any, Any, Any], services: Services, config: WebConfig, clock: AppClock
) -> Actor:
    return await _page_actor(request, Role.TECH, services=services, config=config, clock=clock)


def safe_next(target: str | None, role: Role) -> str:
    """Only a path inside the same portal: never another site, never the other portal."""
    home = HOME_PATHS[role]
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return home
    parts = urlsplit(target)
    if parts.scheme or parts.netloc:
        return home
    in_tech = parts.path == "/tech" or parts.path.startswith("/tech/")
    return target if in_tech == (role is Role.TECH) else home


def login_url(role: Role, next_path: str) -> str:
    return f"{LOGIN_PATHS[role]}?next={quote(next_path, safe='/')}"


def session_response(user: User, target: str, *, config: WebConfig, clock: Clock) -> Response[None]:
    """303 to the page asked for, with the session cookie; the CSRF cookie is dropped, and the
    next page gets a token bound to the new session (one seen before login is worth nothing)."""
    token, _ = issue_token(user, config=config, clock=clock)
    session = Cookie(
        key=SESSION_COOKIES[user.role],
        value=token,
        path="/",
        max_age=int(config.token_ttl.total_seconds()),
        httponly=True,
        secure=config.secure_cookies,
        samesite="strict",
    )
    return Response(
        None,
        status_code=303,
        headers={"Location": target},
        cookies=[session, spent_csrf_cookie(config)],
    )


def logout_response(role: Role, config: WebConfig) -> Response[None]:
    gone = Cookie(
        key=SESSION_COOKIES[role],
        value="",
        path="/",
        max_age=0,
        httponly=True,
        secure=config.secure_cookies,
        samesite="strict",
    )
    return Response(
        None,
        status_code=303,
        headers={"Location": LOGIN_PATHS[role]},
        cookies=[gone, spent_csrf_cookie(config)],
    )
