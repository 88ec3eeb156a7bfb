"""CSRF protection for the portals' forms: a signed double-submit token.

The token lives in an HttpOnly, SameSite=Strict cookie and must come back with every unsafe
request, in the form field ``_csrf`` or, for htmx, the ``X-CSRF-Token`` header the page sets.
It is signed with a key derived from the JWT secret, so a cookie planted by a neighbouring site
is refused. This is router middleware rather than the app's ``CSRFConfig`` because the JSON API
and the Twilio webhook must stay outside it, and because the cookie's Secure flag comes from
``WebConfig`` at run time (docs/adr/0002-portal-stack.md).
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import Callable
from typing import Any

from litestar import Request, Response
from litestar.connection import ASGIConnection
from litestar.datastructures import Cookie, MutableScopeHeaders
from litestar.enums import ScopeType
from litestar.exceptions import PermissionDeniedException
from litestar.types import ASGIApp, Message, Receive, Scope, Send

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


def _sign(nonce: str, key: bytes) -> str:
    return hmac.new(key, nonce.encode(), hashlib.sha256).hexdigest()


def new_token(config: WebConfig) -> str:
    nonce = secrets.token_hex(16)
    return f"{nonce}.{_sign(nonce, _key(config))}"


def _valid(token: str | None, config: WebConfig) -> bool:
    if not token or token.count(".") != 1:
        return False
    nonce, signature = token.split(".")
    return hmac.compare_digest(signature, _sign(nonce, _key(config)))


def csrf_cookie(token: str, config: WebConfig) -> Cookie:
    return Cookie(
        key=CSRF_COOKIE,
        value=token,
        path="/",
        httponly=True,
        secure=config.secure_cookies,
        samesite="strict",
    )


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
            cookie = request.cookies.get(CSRF_COOKIE)
            known = _valid(cookie, config)
            token = cookie if known and cookie else new_token(config)
            scope.setdefault("state", {})[_STATE_KEY] = token
            if request.method not in _SAFE_METHODS:
                sent = await _submitted(request)
                if not known or not any(hmac.compare_digest(s, token) for s in sent):
                    refusal = on_refused(request, CsrfRefused("CSRF token missing or wrong"))
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
