"""``create_app(services, ...)``: the Litestar app, a thin driver over the application services."""

from __future__ import annotations

import logging
import time
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from litestar import Litestar
from litestar.config.cors import CORSConfig
from litestar.datastructures import State
from litestar.enums import ScopeType
from litestar.logging.config import LoggingConfig
from litestar.middleware import DefineMiddleware
from litestar.openapi import OpenAPIConfig
from litestar.openapi.spec import Components, SecurityScheme
from litestar.types import ASGIApp, Message, Receive, Scope, Send

from sm2_adapters.bootstrap import accounting_webhook as default_accounting_webhook
from sm2_adapters.bootstrap import sms_webhook as default_sms_webhook
from sm2_core.ports import (
    AccountingWebhook,
    Clock,
    EventFeed,
    HealthProbe,
    QuickBooksConnection,
    RateLimiter,
    SmsWebhook,
)
from sm2_core.services import Services
from sm2_web.auth import TooManyLogins
from sm2_web.bodies import ApiRequest
from sm2_web.config import WebConfig
from sm2_web.dependencies import provide_all
from sm2_web.docs import SwaggerPage
from sm2_web.methods import stamp_allow
from sm2_web.openapi import StrictStructSchemaPlugin
from sm2_web.portal import portal_router
from sm2_web.portal.render import FEED_STATE, ZONE_STATE
from sm2_web.problems import HANDLERS
from sm2_web.routes import quickbooks_webhook, webhooks
from sm2_web.routes.admin import admin_router
from sm2_web.routes.attachments import attachment
from sm2_web.routes.conversations import ConversationController
from sm2_web.routes.corrections import CorrectionController
from sm2_web.routes.events import Broadcaster, events
from sm2_web.routes.invoices import InvoiceController
from sm2_web.routes.jobs import JobController
from sm2_web.routes.reports import ReportController
from sm2_web.routes.schedule import ScheduleController
from sm2_web.routes.session import login, logout, too_many
from sm2_web.routes.system import health
from sm2_web.routes.technician import TechnicianController
from sm2_web.routes.technician_events import technician_events
from sm2_web.routes.technician_push import TECHNICIAN_PUSH_HANDLERS
from sm2_web.traffic import RecentTraffic

log = logging.getLogger("sm2.web")

#: Log lines go straight to stderr from the thread that logs. Litestar's default hands each
#: record to a listener thread: one GIL hand-over per request, a real share of a web process's
#: time under load (docs/performance.md, the intake runs before group commit).
LOGGING = LoggingConfig(
    root={"level": "INFO", "handlers": ["console"]},
    loggers={"litestar": {"level": "INFO", "handlers": ["console"], "propagate": False}},
)

_SECURITY_HEADERS = {
    b"x-content-type-options": b"nosniff",
    b"x-frame-options": b"DENY",
    b"referrer-policy": b"same-origin",
    b"content-security-policy": b"default-src 'self'; frame-ancestors 'none'",
    b"cross-origin-opener-policy": b"same-origin",
}


def _request_id(scope: Scope) -> str:
    state = scope.setdefault("state", {})
    if "request_id" not in state:
        state["request_id"] = uuid.uuid4().hex[:16]
    return str(state["request_id"])


async def stamp_response(message: Message, scope: Scope) -> None:
    """Every answer — routed or not (404, 405) — gets the request id and security headers.

    Works on the raw header list: this runs for every response, webhooks at full rate included.
    """
    if message["type"] == "http.response.start":
        headers = [
            (name, value)
            for name, value in message.get("headers", ())
            if name.lower() != b"x-request-id"
        ]
        present = {name.lower() for name, _ in headers}
        headers.append((b"x-request-id", _request_id(scope).encode()))
        headers.extend(item for item in _SECURITY_HEADERS.items() if item[0] not in present)
        message["headers"] = headers


#: Browsers that reached us over https keep to https for a year (sent only when the public URL is
#: https: a plain-http set-up must stay reachable).
_HSTS = (b"strict-transport-security", b"max-age=31536000")


async def stamp_hsts(message: Message, scope: Scope) -> None:
    if message["type"] == "http.response.start":
        message["headers"] = [*message.get("headers", ()), _HSTS]


def request_log(app: ASGIApp, traffic: RecentTraffic | None = None) -> ASGIApp:
    """One log line per request, with its id and time; ``traffic`` hears of each request."""

    async def middleware(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != ScopeType.HTTP:
            await app(scope, receive, send)
            return
        if traffic is not None:
            traffic.seen()
        request_id = _request_id(scope)
        started = time.perf_counter()
        status = 500

        async def send_wrapper(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await app(scope, receive, send_wrapper)
        finally:
            log.info(
                "%s %s %s %.1fms request_id=%s",
                scope.get("method"),
                scope["path"],
                status,
                (time.perf_counter() - started) * 1000,
                request_id,
            )

    return middleware


def _sms_webhook(config: WebConfig) -> SmsWebhook:
    return default_sms_webhook(auth_token=config.twilio_auth_token, verify=config.twilio_verify)


def create_app(
    services: Services,
    *,
    config: WebConfig,
    clock: Clock,
    limiter: RateLimiter,
    events_feed: EventFeed,
    health_probe: HealthProbe,
    quickbooks: QuickBooksConnection | None = None,
    sms_webhook: SmsWebhook | None = None,
    accounting_webhook: AccountingWebhook | None = None,
    broadcaster: Broadcaster | None = None,
    extra_handlers: list[Any] | None = None,
    lifespans: list[Any] | None = None,
    traffic: RecentTraffic | None = None,
) -> Litestar:
    """Handlers get what they use by parameter name (``sm2_web.dependencies``); the CSRF and
    request-log middleware are handed theirs here.

    Without ``quickbooks`` its endpoints answer 503; ``sms_webhook`` defaults to Twilio's reader
    on ``config``, ``accounting_webhook`` to Intuit's with ``config``'s verifier token;
    ``broadcaster`` (the fan-out of ``events_feed``) is given only by tests that
    end streams; ``lifespans`` run around the app's own (e.g. opening the database pools first).
    """
    broadcaster = broadcaster or Broadcaster(events_feed)
    sms_webhook = sms_webhook or _sms_webhook(config)
    dependencies = provide_all(
        {
            "services": services,
            "config": config,
            "clock": clock,
            "limiter": limiter,
            "events_feed": events_feed,
            "health_probe": health_probe,
            "broadcaster": broadcaster,
            "quickbooks": quickbooks,
            "accounting_webhook": accounting_webhook
            or default_accounting_webhook(verifier=config.qbo_webhook_verifier),
        }
    )

    @asynccontextmanager
    async def lifespan(_: Litestar) -> AsyncIterator[None]:
        await broadcaster.start()
        try:
            yield
        finally:
            await broadcaster.stop()

    return Litestar(
        route_handlers=[
            login,
            logout,
            JobController,
            InvoiceController,
            ScheduleController,
            ReportController,
            TechnicianController,
            *TECHNICIAN_PUSH_HANDLERS,
            technician_events,
            attachment,
            admin_router(),
            CorrectionController,
            ConversationController,
            events,
            health,
            *webhooks.carrier_webhooks(services, config, sms_webhook),
            quickbooks_webhook.quickbooks_webhook,
            portal_router(config),
            *(extra_handlers or []),
        ],
        dependencies=dependencies,
        exception_handlers={**HANDLERS, TooManyLogins: too_many},
        request_class=ApiRequest,
        plugins=[StrictStructSchemaPlugin()],
        middleware=[DefineMiddleware(request_log, traffic=traffic)],
        before_send=[
            stamp_response,
            stamp_allow,
            *([stamp_hsts] if config.public_url.lower().startswith("https://") else []),
        ],
        cors_config=CORSConfig(
            allow_origins=list(config.cors_origins),
            allow_credentials=False,
            allow_headers=["Authorization", "Content-Type", "If-Match"],
            allow_methods=["GET", "POST", "PATCH", "DELETE"],
        )
        if config.cors_origins
        else None,
        request_max_body_size=config.max_body_bytes,
        # For the pages: the company's time zone (their dates), the event feed (where their live
        # streams start).
        state=State({ZONE_STATE: services.schedule.zone, FEED_STATE: events_feed}),
        lifespan=[*(lifespans or []), lifespan],
        openapi_config=OpenAPIConfig(
            title="SM2 Dispatch API",
            version="1.0.0",
            path="/schema",
            description="Dealership texts in, ranked jobs, dispatched technicians, invoices out.",
            # Served from the app, without inline script: the CSP allows nothing else.
            render_plugins=[SwaggerPage()],
            components=Components(
                security_schemes={
                    "bearer": SecurityScheme(type="http", scheme="bearer", bearer_format="JWT"),
                }
            ),
        ),
        logging_config=LOGGING,
        debug=False,
    )
