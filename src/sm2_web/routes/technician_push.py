"""A technician's Web Push: register a browser, forget it, the key to subscribe with, and the
acknowledgement a phone sends once it displayed an alert (the SMS fallback is then not sent).

Called with a technician's bearer token, or by the technician portal itself with its session
cookie: its page (subscribing, forgetting) and its service worker (acknowledging), which hold no
token. A change through the API on a cookie must come from our own origin (``Origin`` present
and SM2_PUBLIC_URL's); the page's calls must also send its CSRF token. The service worker cannot
read that token (it lives in an HttpOnly cookie, and the worker may wake with no page open);
its acknowledgement names a message id that only the push payload, encrypted for that browser,
carried, so a forged one has nothing to name.
"""

from __future__ import annotations

from typing import Annotated, Any
from uuid import UUID

from litestar import Request, delete, get, post
from litestar.di import Provide
from msgspec import Meta, Struct, field

from sm2_core.domain.enums import Role
from sm2_core.domain.records import Actor
from sm2_core.errors import AuthenticationFailed, PermissionDenied
from sm2_core.services import Services
from sm2_web.auth import SESSION_COOKIES, tech_actor, token_actor
from sm2_web.config import WebConfig
from sm2_web.dependencies import AppClock
from sm2_web.portal.csrf import header_token_valid, same_origin
from sm2_web.problems import problem_responses

_SAFE = frozenset({"GET", "HEAD"})
#: Push services' URLs are a few hundred characters; the service refuses longer than this too.
Endpoint = Annotated[str, Meta(min_length=1, max_length=2048, pattern=r"^[^\x00]*$")]
#: base64url of a 65-byte key or a 16-byte secret, with room for padding.
Key = Annotated[str, Meta(min_length=1, max_length=100, pattern=r"^[A-Za-z0-9_\-=]*$")]


class PushKeysIn(Struct, forbid_unknown_fields=True, kw_only=True):
    p256dh: Key
    """The browser's P-256 public key (65 bytes), base64url."""
    auth: Key
    """The browser's authentication secret (16 bytes), base64url."""


class PushSubscriptionIn(Struct, forbid_unknown_fields=True, kw_only=True):
    """What the browser's ``PushSubscription.toJSON()`` gives."""

    endpoint: Endpoint
    keys: PushKeysIn
    expiration_time: Annotated[float, Meta(ge=0)] | None = field(
        default=None, name="expirationTime"
    )
    """When the push service ends the subscription (ms since the epoch); read, not kept."""


class PushSubscriptionOut(Struct):
    id: UUID
    endpoint: str


class PushEndpointIn(Struct, forbid_unknown_fields=True, kw_only=True):
    endpoint: Endpoint


class PushKeyOut(Struct):
    public_key: str | None
    """The VAPID public key (base64url) for ``applicationServerKey``; null when push is off."""


def _from_our_origin(request: Request[Any, Any, Any], config: WebConfig) -> bool:
    # Unlike a portal form, a cookie call must say where it comes from: browsers always send
    # Origin on a POST or DELETE made by script, whether from a page or a service worker.
    named = request.headers.get("origin") or request.headers.get("referer")
    return named is not None and same_origin(request, config)


async def _technician(
    request: Request[Any, Any, Any],
    services: Services,
    config: WebConfig,
    clock: AppClock,
    *,
    page_token: bool,
) -> Actor:
    if request.headers.get("authorization") or request.scope.get("method") in _SAFE:
        return await tech_actor(request, services, config, clock)
    cookie = request.cookies.get(SESSION_COOKIES[Role.TECH])
    if not cookie:
        raise AuthenticationFailed("Authentication required")
    if not _from_our_origin(request, config):
        raise PermissionDenied("Cross-origin request")
    if page_token and not header_token_valid(request, config):
        raise PermissionDenied("CSRF token missing or wrong: reload the page and try again")
    return await token_actor(cookie, Role.TECH, services=services, config=config, clock=clock)


async def page_technician(
    request: Request[Any, Any, Any],
    services: Services,
    config: WebConfig,
    clock: AppClock,
) -> Actor:
    """The technician: bearer token, or portal cookie with the page's CSRF token."""
    return await _technician(request, services, config, clock, page_token=True)


async def worker_technician(
    request: Request[Any, Any, Any],
    services: Services,
    config: WebConfig,
    clock: AppClock,
) -> Actor:
    """The technician: bearer token, or portal cookie from our own origin (service worker)."""
    return await _technician(request, services, config, clock, page_token=False)


@post(
    "/api/technician/push-subscriptions",
    operation_id="addPushSubscription",
    tags=["technician"],
    security=[{"bearer": []}],
    dependencies={"actor": Provide(page_technician)},
    summary="Register this browser for Web Push alerts (PushSubscription.toJSON()); an endpoint "
    "registered by another technician moves to the caller",
    status_code=201,
    responses=problem_responses(401, 403, 404, 422),
)
async def add_push_subscription(
    request: Request[Any, Any, Any], services: Services, actor: Actor, data: PushSubscriptionIn
) -> PushSubscriptionOut:
    saved = await services.notifications.subscribe(
        actor=actor,
        endpoint=data.endpoint,
        p256dh=data.keys.p256dh,
        auth=data.keys.auth,
        user_agent=request.headers.get("user-agent"),
    )
    return PushSubscriptionOut(id=saved.id, endpoint=saved.endpoint)


@delete(
    "/api/technician/push-subscriptions",
    operation_id="removePushSubscription",
    tags=["technician"],
    security=[{"bearer": []}],
    dependencies={"actor": Provide(page_technician)},
    summary="Stop Web Push alerts to this browser (done already, or never registered: 204 too)",
    status_code=204,
    responses=problem_responses(401, 403, 422),
)
async def remove_push_subscription(services: Services, actor: Actor, data: PushEndpointIn) -> None:
    await services.notifications.unsubscribe(actor=actor, endpoint=data.endpoint)


@get(
    "/api/technician/push-key",
    operation_id="pushKey",
    tags=["technician"],
    security=[{"bearer": []}],
    dependencies={"actor": Provide(tech_actor)},
    summary="The VAPID public key browsers subscribe with; null when Web Push is off",
    responses=problem_responses(401),
)
async def push_key(services: Services, actor: Actor) -> PushKeyOut:
    return PushKeyOut(public_key=services.notifications.push_key)


@post(
    "/api/technician/messages/{message_id:uuid}/ack",
    operation_id="acknowledgeMessage",
    tags=["technician"],
    security=[{"bearer": []}],
    dependencies={"actor": Provide(worker_technician)},
    summary="The caller's phone displayed this pushed alert: its SMS fallback is not sent",
    status_code=204,
    responses=problem_responses(401, 403, 404, 422),
)
async def acknowledge_message(services: Services, actor: Actor, message_id: UUID) -> None:
    await services.notifications.acknowledge(message_id, actor=actor)


TECHNICIAN_PUSH_HANDLERS = [
    add_push_subscription,
    remove_push_subscription,
    push_key,
    acknowledge_message,
]
