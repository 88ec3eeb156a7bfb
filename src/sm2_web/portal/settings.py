"""Settings: the QuickBooks connection and the system's health.

Connecting goes through the API's OAuth endpoint (a redirect to Intuit and back); the portal
shows the connection's status and can disconnect it. The integration object is the one the app
keeps in ``app.state.quickbooks`` when QuickBooks is configured.
"""

from __future__ import annotations

from typing import Any, Protocol, runtime_checkable

from litestar import Request, Response, get, post

from sm2_core.domain.records import Actor
from sm2_core.errors import NotConfigured
from sm2_web.config import WebDeps
from sm2_web.portal.jobs import see_other
from sm2_web.portal.render import render

CONNECT_URL = "/api/integrations/quickbooks/connect"
DONE = {"disconnected": "QuickBooks disconnected."}


@runtime_checkable
class QuickBooksConnection(Protocol):
    async def status(self) -> dict[str, Any]: ...

    async def disconnect(self) -> dict[str, Any]: ...


def _quickbooks(request: Request[Any, Any, Any]) -> QuickBooksConnection | None:
    found = request.app.state.get("quickbooks")
    return found if isinstance(found, QuickBooksConnection) else None


async def _quickbooks_status(request: Request[Any, Any, Any], health: dict[str, Any]) -> Any:
    """The integration's own status when the app has one; else what health says."""
    integration = _quickbooks(request)
    if integration is not None:
        return await integration.status()
    reported = health.get("integrations", {}).get("quickbooks")
    if isinstance(reported, dict):
        return reported
    configured = bool(reported)
    return {
        "configured": configured,
        "connected": False,
        "status": "DISCONNECTED" if configured else "NOT_CONFIGURED",
    }


@get("/settings", name="portal:settings")
async def settings_page(request: Request[Any, Any, Any], actor: Actor) -> Response[str]:
    deps: WebDeps = request.app.state.deps
    health = await deps.health.check()
    return render(
        request,
        "admin/settings.html",
        {
            "actor": actor,
            "health": health,
            "integrations": health.get("integrations", {}),
            "quickbooks": await _quickbooks_status(request, health),
            "connect_url": CONNECT_URL,
            "notice": DONE.get(request.query_params.get("done") or ""),
        },
    )


@post("/settings/quickbooks/disconnect", name="portal:quickbooks-disconnect")
async def quickbooks_disconnect(request: Request[Any, Any, Any], actor: Actor) -> Response[None]:
    integration = _quickbooks(request)
    if integration is None:
        raise NotConfigured("QuickBooks is not configured")
    await integration.disconnect()
    return see_other("/settings?done=disconnected")


SETTINGS_HANDLERS = [settings_page, quickbooks_disconnect]
