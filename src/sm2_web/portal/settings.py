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


#: Each state an integration or a part of the system can be in: its words and its badge.
STATES = {
    "connected": ("Connected", "ok"),
    "configured": ("Configured", "ok"),
    "not_connected": ("Not connected", "off"),
    "not_configured": ("Not configured", "off"),
    "failing": ("Failing", "bad"),
    "unverified": ("Signatures not checked", "bad"),
}


def integration_rows(
    integrations: dict[str, Any], quickbooks: dict[str, Any]
) -> list[tuple[str, str, str]]:
    """(name, words, badge) for each integration, by its real state: a nested report is read
    for what it says, never taken for "configured" because it is there."""
    twilio = "configured" if integrations.get("twilio") else "not_configured"
    if integrations.get("twilio_signature_check") is False:
        twilio = "unverified"
    if quickbooks.get("connected"):
        qbo = "failing" if quickbooks.get("last_error") or quickbooks.get("error") else "connected"
    elif quickbooks.get("configured"):
        qbo = "failing" if quickbooks.get("error") else "not_connected"
    else:
        qbo = "not_configured"
    openai = "configured" if integrations.get("openai") else "not_configured"
    states = (("Twilio", twilio), ("OpenAI", openai), ("QuickBooks Online", qbo))
    return [(name, *STATES[state]) for name, state in states]


@get("/settings", name="portal:settings")
async def settings_page(
    request: Request[Any, Any, Any], actor: Actor, health_probe: Health, quickbooks: QuickBooks
) -> Response[str]:
    health = await health_probe.check()
    status = await _quickbooks_status(quickbooks, health)
    return render(
        request,
        "admin/settings.html",
        {
            "actor": actor,
            "health": health,
            "quickbooks": status,
            "integrations": integration_rows(health.get("integrations", {}), status),
            "connect_url": CONNECT_URL,
            "notice": DONE.get(request.query_params.get("done") or ""),
        },
    )


@post("/settings/quickbooks/disconnect", name="portal:quickbooks-disconnect")
async def quickbooks_disconnect(actor: Actor, quickbooks: QuickBooks) -> Response[None]:
    await required_quickbooks(quickbooks).disconnect()
    return see_other("/settings?done=disconnected")


SETTINGS_HANDLERS = [settings_page, quickbooks_disconnect]
