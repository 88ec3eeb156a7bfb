"""Rendering pages: one Jinja environment for both portals, and the context every page gets.

The portal owns its environment instead of the app's ``template_config`` so that mounting the
portal is one line in ``create_app`` (docs/adr/0002-portal-stack.md).
"""

from __future__ import annotations

import hashlib
from datetime import datetime
from functools import cache
from pathlib import Path
from typing import Any
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

import jinja2
from litestar import Request, Response
from litestar.enums import MediaType

from sm2_web.portal import formats
from sm2_web.portal.csrf import CSRF_FIELD, csrf_token
from sm2_web.portal.i18n import LANG_COOKIE, Translator, negotiate

ZONE_STATE = "company_zone"
FEED_STATE = "event_feed"
STATIC_DIR = Path(__file__).parent / "static"
STATIC_PATH = "/static/portal"
#: Pages show who is signed in and what they may do: never from a shared cache.
NO_STORE = {"Cache-Control": "no-store", "Vary": "Cookie, Accept-Language, HX-Request"}


@cache
def environment() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.PackageLoader("sm2_web.portal", "templates"),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters.update(
        datetime=_datetime,
        instant=_instant,
        money=formats.format_money,
        km=formats.format_km,
        number=formats.format_number,
        percent=formats.format_percent,
    )
    env.globals.update(static=static_url, query=query_string, csrf_field=CSRF_FIELD)
    return env


# Times are shown in the company's zone, which each page's context carries (``render``).
@jinja2.pass_context
def _datetime(context: jinja2.runtime.Context, moment: datetime | None, lang: str) -> str:
    return formats.format_datetime(moment, lang, context.get("zone", formats.QUEBEC))


@jinja2.pass_context
def _instant(context: jinja2.runtime.Context, value: str | None, lang: str) -> str:
    return formats.format_instant(value, lang, context.get("zone", formats.QUEBEC))


@cache
def _fingerprint(name: str) -> str:
    return hashlib.sha256((STATIC_DIR / name).read_bytes()).hexdigest()[:12]


def static_url(name: str) -> str:
    """A URL that changes with the file, so browsers may cache it for long."""
    return f"{STATIC_PATH}/{name}?v={_fingerprint(name)}"


def query_string(values: dict[str, Any], **changes: Any) -> str:
    """``?a=1&b=2`` from the non-empty values, with ``changes`` applied (pagination links)."""
    merged = {**values, **changes}
    kept = {k: v for k, v in merged.items() if v not in (None, "")}
    return f"?{urlencode(kept)}" if kept else "?"


def language(request: Request[Any, Any, Any]) -> str:
    return negotiate(request.headers.get("accept-language"), request.cookies.get(LANG_COOKIE))


def translator(request: Request[Any, Any, Any]) -> Translator:
    return Translator(language(request))


def company_zone(request: Request[Any, Any, Any]) -> ZoneInfo:
    """``SM2_TIMEZONE``, as ``create_app`` put it in the app's state."""
    zone = request.app.state.get(ZONE_STATE)
    return zone if isinstance(zone, ZoneInfo) else formats.QUEBEC


async def mark_events(request: Request[Any, Any, Any]) -> None:
    """Before a page (not an htmx part of one): the newest event so far, for the page's live
    stream to start after it. Whatever changes between this read and the stream's start is
    then replayed to the page instead of lost."""
    feed = request.app.state.get(FEED_STATE)
    if feed is not None and request.method == "GET" and not is_htmx(request):
        request.state.event_mark = await feed.last_id()


def is_htmx(request: Request[Any, Any, Any]) -> bool:
    return request.headers.get("hx-request") == "true"


def render(
    request: Request[Any, Any, Any],
    template: str,
    context: dict[str, Any] | None = None,
    *,
    status: int = 200,
    headers: dict[str, str] | None = None,
) -> Response[str]:
    t = translator(request)
    page = {
        "t": t,
        "lang": t.lang,
        "csrf": csrf_token(request),
        "zone": company_zone(request),
        "event_mark": request.state.get("event_mark"),
        "path": request.url.path,
        "full_path": request.url.path + (f"?{request.url.query}" if request.url.query else ""),
        **(context or {}),
    }
    html = environment().get_template(template).render(page)
    return Response(
        html,
        status_code=status,
        media_type=MediaType.HTML,
        headers={**NO_STORE, "Content-Language": t.lang, **(headers or {})},
    )
