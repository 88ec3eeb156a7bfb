"""Health: is the database reachable, the schema current, a worker alive, what is configured."""

from __future__ import annotations

from typing import Any

from litestar import Response, get
from litestar.openapi.datastructures import ResponseSpec

from sm2_web.dependencies import Health


@get(
    "/api/system/health",
    operation_id="health",
    tags=["system"],
    summary="Database, task worker and integrations; 503 when the database is down",
    responses={
        503: ResponseSpec(data_container=dict[str, Any], description="The database is down")
    },
)
async def health(health_probe: Health) -> Response[dict[str, Any]]:
    report = await health_probe.check()
    ok = bool(report.get("database", {}).get("ok"))
    body = {"status": "ok" if ok else "unavailable", **report}
    return Response(body, status_code=200 if ok else 503)
