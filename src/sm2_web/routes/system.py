"""Health: is the database reachable, the schema current, a worker alive, what is configured."""

from __future__ import annotations

from typing import Any

from litestar import Request, Response, get
from litestar.openapi.datastructures import ResponseSpec


@get(
    "/api/system/health",
    operation_id="health",
    tags=["system"],
    summary="Database, task worker and integrations; 503 when the database is down",
    responses={
        503: ResponseSpec(data_container=dict[str, Any], description="The database is down")
    },
)
async def health(request: Request[Any, Any, Any]) -> Response[dict[str, Any]]:
    report = await request.app.state.deps.health.check()
    ok = bool(report.get("database", {}).get("ok"))
    body = {"status": "ok" if ok else "unavailable", **report}
    return Response(body, status_code=200 if ok else 503)
