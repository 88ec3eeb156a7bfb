"""The portals' routes: admin pages, technician pages, login pages and the static files.

Pages sit behind the CSRF middleware and the HTML error handlers; static files do not need
either. Each portal's pages get their ``actor`` from that portal's own session cookie.
"""

from __future__ import annotations

from litestar import Router
from litestar.datastructures import CacheControlHeader
from litestar.di import Provide
from litestar.static_files import create_static_files_router

from sm2_web.config import WebConfig
from sm2_web.portal.access import admin_page_actor, tech_page_actor
from sm2_web.portal.board import board
from sm2_web.portal.corrections import CORRECTION_HANDLERS
from sm2_web.portal.csrf import csrf_protection
from sm2_web.portal.day import DAY_HANDLERS
from sm2_web.portal.errors import HANDLERS, csrf_refused
from sm2_web.portal.inbox import INBOX_HANDLERS
from sm2_web.portal.installable import INSTALL_HANDLERS
from sm2_web.portal.invoice import INVOICE_HANDLERS
from sm2_web.portal.jobs import JOB_HANDLERS
from sm2_web.portal.login import LOGIN_HANDLERS
from sm2_web.portal.messages import MESSAGE_HANDLERS
from sm2_web.portal.reference import REFERENCE_HANDLERS
from sm2_web.portal.render import STATIC_DIR, STATIC_PATH, mark_events
from sm2_web.portal.reports import REPORT_HANDLERS
from sm2_web.portal.settings import SETTINGS_HANDLERS
from sm2_web.portal.tech import TECH_HANDLERS
from sm2_web.portal.users import USER_HANDLERS

#: Static URLs carry a hash of the file (``?v=``), so they may be cached for a year.
_YEAR = 365 * 24 * 3600


def portal_router(config: WebConfig) -> Router:
    """``config`` for the CSRF middleware, which takes no dependencies."""
    admin = Router(
        path="/",
        route_handlers=[
            board,
            *JOB_HANDLERS,
            *INVOICE_HANDLERS,
            *DAY_HANDLERS,
            *INBOX_HANDLERS,
            *MESSAGE_HANDLERS,
            *REFERENCE_HANDLERS,
            *SETTINGS_HANDLERS,
            *USER_HANDLERS,
            *CORRECTION_HANDLERS,
            *REPORT_HANDLERS,
        ],
        dependencies={"actor": Provide(admin_page_actor)},
    )
    tech = Router(
        path="/",
        route_handlers=[*TECH_HANDLERS, *INSTALL_HANDLERS],
        dependencies={"actor": Provide(tech_page_actor)},
    )
    pages = Router(
        path="/",
        route_handlers=[admin, tech, *LOGIN_HANDLERS],
        middleware=[csrf_protection(csrf_refused, config)],
        before_request=mark_events,
        exception_handlers=HANDLERS,
        include_in_schema=False,
    )
    static = create_static_files_router(
        path=STATIC_PATH,
        directories=[STATIC_DIR],
        name="portal:static",
        include_in_schema=False,
        cache_control=CacheControlHeader(max_age=_YEAR, public=True),
    )
    return Router(path="/", route_handlers=[pages, static], include_in_schema=False)
