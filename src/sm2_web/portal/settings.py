"""Settings: the QuickBooks connection and the system's health.

Connecting goes through the API's OAuth endpoint (a redirect to Intuit and back); the portal
shows the connection's status and can disconnect it, through the ``quickbooks`` connection
``create_app`` was given (when it was given one).
"""

from __future__ import annotations

from typing import Any

from litestar import Request, Response, get, post

from sm2_core.domain.records import Actor
from sm2_core.ports import QuickBooksConnection
from sm2_web.dependencies import Health, QuickBooks, required_quickbooks
from sm2_web.portal.jobs import see_other
from sm2_web.portal.render import render

CONNECT_URL = "/api/integrations/quickbooks/connect"
DONE = {"disconnected": "QuickBooks disconnected."}


async def _quickbooks_status(
    quickbooks: QuickBooksConnection | None, health: dict[str, Any]
) -> Any:
    """The connection's own status when the app has one; else what health says."""
    if quickbooks is not None:
        return await quickbooks.status()
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
async def settings_page(
    request: Request[Any, Any, Any], actor: Actor, health_probe: Health, quickbooks: QuickBooks
) -> Response[str]:
    health = await health_probe.check()
    return render(
        request,
        "admin/settings.html",
        {
            "actor": actor,
            "health": health,
            "integrations": health.get("integrations", {}),
            "quickbooks": await _quickbooks_status(quickbooks, health),
            "connect_url": CONNECT_URL,
            "notice": DONE.get(request.query_params.get("done") or ""),
        },
    )


@post("/settings/quickbooks/disconnect", name="portal:quickbooks-disconnect")
async def quickbooks_disconnect(actor: Actor, quickbooks: QuickBooks) -> Response[None]:
    await required_quickbooks(quickbooks).disconnect()
    return see_other("/settings?done=disconnected")


SETTINGS_HANDLERS = [settings_page, quickbooks_disconnect]
