"""The QuickBooks connection: status, connect (Intuit's OAuth consent), callback, disconnect.

Admin only, except the callback: Intuit's redirect carries no session of ours, so it is
authenticated by the one-time ``state`` that ``connect`` stored server-side. The connection is
the ``quickbooks`` that ``create_app`` was given; an app built without it answers 503.
"""

from __future__ import annotations

import html
from typing import Annotated, Any

from litestar import Controller, Response, get, post
from litestar.di import NamedDependency, Provide
from litestar.enums import MediaType
from litestar.params import QueryParameter, SkipValidation

from sm2_core.domain.records import Actor
from sm2_core.ports import QuickBooksConnection
from sm2_web.auth import admin_actor
from sm2_web.dependencies import required_quickbooks
from sm2_web.problems import problem_responses

BASE = "/api/integrations/quickbooks"
#: What the admin endpoints may answer besides success: no or a bad token (401), no Intuit app
#: configured (503), Intuit failing (502).
_ADMIN_ERRORS = problem_responses(401, 502, 503)
_NO_STORE = {"Cache-Control": "no-store"}

_CONNECTION = Provide(required_quickbooks, sync_to_thread=False)
Connection = NamedDependency[SkipValidation[QuickBooksConnection]]
Admin = NamedDependency[Actor]


class QuickBooksController(Controller):
    path = BASE
    tags = ["integrations"]
    dependencies = {"actor": Provide(admin_actor), "connection": _CONNECTION}
    security = [{"bearer": []}]

    @get(
        "/",
        operation_id="quickbooksStatus",
        summary="The QuickBooks connection (no tokens)",
        responses=_ADMIN_ERRORS,
    )
    async def status(self, actor: Admin, connection: Connection) -> dict[str, Any]:
        return await connection.status()

    @get(
        "/connect",
        operation_id="quickbooksConnect",
        summary="302 to Intuit's consent page with a one-time state",
        status_code=302,
        responses=_ADMIN_ERRORS,
    )
    async def connect(self, actor: Admin, connection: Connection) -> Response[dict[str, str]]:
        url = await connection.authorization_url()
        return Response(
            {"authorize_url": url},
            status_code=302,
            headers={"Location": url, **_NO_STORE},
        )

    @post(
        "/disconnect",
        operation_id="quickbooksDisconnect",
        summary="Revoke the tokens at Intuit and forget them",
        status_code=200,
        responses=_ADMIN_ERRORS,
    )
    async def disconnect(self, actor: Admin, connection: Connection) -> dict[str, Any]:
        return await connection.disconnect()


@get(
    f"{BASE}/callback",
    operation_id="quickbooksCallback",
    tags=["integrations"],
    summary="Intuit's redirect after consent; authenticated by the one-time state",
    dependencies={"connection": _CONNECTION},
    media_type=MediaType.HTML,
    responses=problem_responses(403, 422, 502, 503),
)
async def quickbooks_callback(
    connection: Connection,
    # ``state`` is a reserved name in Litestar handlers.
    oauth_state: Annotated[str, QueryParameter(name="state")] = "",
    code: str | None = None,
    realm_id: Annotated[str | None, QueryParameter(name="realmId")] = None,
    error: str | None = None,
) -> Response[str]:
    report = await connection.complete(state=oauth_state, code=code, realm_id=realm_id, error=error)
    company = html.escape(str(report.get("realm_id", "")))
    page = (
        "<!doctype html><html><head><meta charset='utf-8'><title>QuickBooks connected</title>"
        f"</head><body><h1>QuickBooks connected</h1><p>Company {company} is connected to "
        "SM2 Dispatch. You can close this window.</p></body></html>"
    )
    return Response(page, media_type=MediaType.HTML, headers=_NO_STORE)


QUICKBOOKS_HANDLERS: list[Any] = [QuickBooksController, quickbooks_callback]
