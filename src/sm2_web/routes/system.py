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
    summary="Database, task worker and integrations: ok, degraded (200: no live worker or "
    "texts waiting too long), or 503 when the database is down",
    responses={
        503: ResponseSpec(data_container=dict[str, Any], description="The database is down")
    },
)
async def health(health_probe: Health) -> Response[dict[str, Any]]:
    report = await health_probe.check()
    if not report.get("database", {}).get("ok"):
        return Response({"status": "unavailable", **report}, status_code=503)
    # Still 200 when degraded: a load balancer should keep sending texts here (receipt works);
    # a person or a monitor reads the status.
    working = all(bool(report.get(part, {}).get("ok", True)) for part in ("worker", "spool"))
    return Response({"status": "ok" if working else "degraded", **report}, status_code=200)
