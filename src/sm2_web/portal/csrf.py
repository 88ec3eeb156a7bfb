"""CSRF protection for the portals' forms: a double-submit token bound to the session.

The token lives in an HttpOnly, SameSite=Strict cookie and must come back with every unsafe
request, in the form field ``_csrf`` or, for htmx, the ``X-CSRF-Token`` header the page sets.
It is an HMAC, with a key derived from the JWT secret, of a nonce and of the sessions the browser
holds (its portal cookies), so a token issued to another visitor, or before a login or a logout,
is worth nothing with this session, and a cookie planted by a neighbouring site is refused.
Unsafe requests must also come from our own origin: ``Origin`` (or, when a browser sends none,
``Referer``) must be SM2_PUBLIC_URL's.

This is router middleware rather than the app's ``CSRFConfig`` because the JSON API and the
Twilio webhook must stay outside it, and because the cookie's Secure flag comes from
``WebConfig`` at run time (docs/adr/0002-portal-stack.md).
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import Callable, Mapping
from typing import Any
from urllib.parse import urlsplit

from litestar import Request, Response
from litestar.connection import ASGIConnection
from litestar.datastructures import Cookie, MutableScopeHeaders
from litestar.enums import ScopeType
from litestar.exceptions import PermissionDeniedException
from litestar.types import ASGIApp, Message, Receive, Scope, Send

from sm2_web.auth import SESSION_COOKIES
from sm2_web.config import WebConfig

CSRF_COOKIE = "sm2_csrf"
CSRF_FIELD = "_csrf"
CSRF_HEADER = "x-csrf-token"
_STATE_KEY = "sm2_csrf"
_SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


class CsrfRefused(PermissionDeniedException):
    """An unsafe request without the page's token: a forged form, or a page older than its
    cookie."""


def _key(config: WebConfig) -> bytes:
    return hmac.new(config.jwt_secret.encode(), b"sm2-portal-csrf", hashlib.sha256).digest()


def session_binding(cookies: Mapping[str, str]) -> str:
    """What a token is bound to: the sessions this browser holds, both portals' (a page of one
    portal posts to the shared ``/lang`` too); empty for a visitor who is signed in nowhere."""
    return "\n".join(cookies.get(name, "") for name in sorted(SESSION_COOKIES.values()))


def _sign(nonce: str, binding: str, key: bytes) -> str:
    return hmac.new(key, f"{nonce}\n{binding}".encode(), hashlib.sha256).hexdigest()


def new_token(config: WebConfig, binding: str) -> str:
    nonce = secrets.token_hex(16)
    return f"{nonce}.{_sign(nonce, binding, _key(config))}"


def _valid(token: str | None, config: WebConfig, binding: str) -> bool:
    if not token or token.count(".") != 1:
        return False
    nonce, signature = token.split(".")
    return hmac.compare_digest(signature, _sign(nonce, binding, _key(config)))


def csrf_cookie(token: str, config: WebConfig, *, max_age: int | None = None) -> Cookie:
    return Cookie(
        key=CSRF_COOKIE,
        value=token,
        path="/",
        max_age=max_age,
        httponly=True,
        secure=config.secure_cookies,
        samesite="strict",
    )


def spent_csrf_cookie(config: WebConfig) -> Cookie:
    """Sent when the session changes (login, logout): the next page gets a token bound to the
    new one."""
    return csrf_cookie("", config, max_age=0)


def _origin(url: str) -> tuple[str, str, int | None] | None:
    try:
        parts = urlsplit(url)
        port = parts.port or {"http": 80, "https": 443}.get(parts.scheme.lower())
    except ValueError:
        return None
    if not parts.scheme or not parts.hostname:
        return None
    return parts.scheme.lower(), parts.hostname.lower(), port


def same_origin(request: Request[Any, Any, Any], config: WebConfig) -> bool:
    """Whether an unsafe request comes from our own pages. A browser always says where from on
    a cross-site post; a request naming no origin at all (no browser) still needs the token."""
    source = request.headers.get("origin") or request.headers.get("referer")
    return source is None or _origin(source) == _origin(config.public_url)


def header_token_valid(connection: ASGIConnection[Any, Any, Any, Any], config: WebConfig) -> bool:
    """Whether a request outside this middleware (a JSON API call a portal page makes with its
    session cookie) sends this browser's token back in the ``X-CSRF-Token`` header."""
    cookie = connection.cookies.get(CSRF_COOKIE)
    sent = connection.headers.get(CSRF_HEADER, "")
    binding = session_binding(connection.cookies)
    if not (cookie and sent and _valid(cookie, config, binding)):
        return False
    return hmac.compare_digest(sent, cookie)


def csrf_token(connection: ASGIConnection[Any, Any, Any, Any]) -> str:
    """The token this request's page must send back (set by the middleware)."""
    token: str = connection.scope["state"][_STATE_KEY]
    return token


async def _submitted(request: Request[Any, Any, Any]) -> list[str]:
    """Every token the request carries; the header alone is not enough after a login rotated
    the cookie under a page whose header still holds the old one."""
    found = [request.headers.get(CSRF_HEADER, "")]
    content_type, _ = request.content_type
    if content_type in ("application/x-www-form-urlencoded", "multipart/form-data"):
        # The parsed form is cached on the scope, so the handler reads it again for free.
        found.append(str((await request.form()).get(CSRF_FIELD) or ""))
    return [token for token in found if token]


Refusal = Callable[[Request[Any, Any, Any], Exception], Response[Any]]


def csrf_protection(on_refused: Refusal, config: WebConfig) -> Callable[[ASGIApp], ASGIApp]:
    """The middleware; ``on_refused`` renders the 403 (answered here rather than raised, so the
    request log records the status the browser really got). Middleware takes no dependencies,
    so ``create_app`` hands it the config."""

    def wrap(app: ASGIApp) -> ASGIApp:
        async def middleware(scope: Scope, receive: Receive, send: Send) -> None:
            if scope["type"] != ScopeType.HTTP:
                await app(scope, receive, send)
                return
            request: Request[Any, Any, Any] = Request(scope, receive)
            binding = session_binding(request.cookies)
            cookie = request.cookies.get(CSRF_COOKIE)
            known = _valid(cookie, config, binding)
            token = cookie if known and cookie else new_token(config, binding)
            scope.setdefault("state", {})[_STATE_KEY] = token
            if request.method not in _SAFE_METHODS:
                refused: CsrfRefused | None = None
                if not same_origin(request, config):
                    refused = CsrfRefused("Cross-origin request")
                else:
                    sent = await _submitted(request)
                    if not known or not any(hmac.compare_digest(s, token) for s in sent):
                        refused = CsrfRefused("CSRF token missing or wrong")
                if refused is not None:
                    refusal = on_refused(request, refused)
                    await refusal.to_asgi_response(app=None, request=request)(scope, receive, send)
                    return

            async def send_wrapper(message: Message) -> None:
                if not known and message["type"] == "http.response.start":
                    headers = MutableScopeHeaders.from_message(message)
                    headers.add("set-cookie", csrf_cookie(token, config).to_header(header=""))
                await send(message)

            await app(scope, receive, send_wrapper)

        return middleware

    return wrap
