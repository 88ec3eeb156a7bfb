"""The dispatch board: jobs in the service's order (urgency, score, age), filters, counts.

The filter form and the live refresh both ask this same page; htmx keeps only the results
(``hx-select``), so filters, focus and scroll stay where the dispatcher left them.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any
from uuid import UUID

from litestar import Request, Response, get

from sm2_core.attention import HELD, Attention, attention
from sm2_core.domain.enums import JobStatus, Urgency
from sm2_core.domain.job import Job
from sm2_core.domain.records import Actor
from sm2_core.ports import JobFilter
from sm2_core.services import Services
from sm2_web.portal import views
from sm2_web.portal.render import render
from sm2_web.portal.views import Lookups

PAGE_SIZE = 50
MAX_PAGE = 200
FILTER_NAMES = ("status", "dealership", "urgency", "technician", "q", "vin", "attention")


def board_filter(params: Mapping[str, Any]) -> JobFilter:
    vin = views.text(params, "vin")
    return JobFilter(
        status=views.choice(JobStatus, params, "status"),
        dealership_id=views.uuid(params, "dealership"),
        urgency=views.choice(Urgency, params, "urgency"),
        tech_id=views.uuid(params, "technician"),
        vin=vin.replace(" ", "").upper() if vin else None,
        text=views.text(params, "q"),
        attention=views.text(params, "attention") in ("1", "true", "on"),
    )


def attention_reasons(
    jobs: Sequence[Job], undelivered: set[UUID]
) -> dict[UUID, tuple[Attention, ...]]:
    """Why each job the "Needs attention" filter found needs a dispatcher. The alerts known to
    have failed are the recent ones; a held job the filter found for no other reason is there
    for an older one."""
    found = {}
    for job in jobs:
        reasons = attention(job, alert_undelivered=job.id in undelivered)
        if not reasons and job.status in HELD:
            reasons = (Attention.ALERT_UNDELIVERED,)
        found[job.id] = reasons
    return found


def page_size(params: Mapping[str, Any]) -> int:
    """How many rows to show: the live refresh asks for as many as the dispatcher had loaded."""
    try:
        wanted = int(params.get("limit") or PAGE_SIZE)
    except ValueError:
        wanted = PAGE_SIZE
    return max(1, min(wanted, MAX_PAGE))


@get("/", name="portal:board")
async def board(request: Request[Any, Any, Any], services: Services, actor: Actor) -> Response[str]:
    params = dict(request.query_params)
    query = board_filter(params)
    limit = page_size(params)
    cursor = views.text(params, "cursor")
    page = await services.dispatch.list_jobs(query, limit=limit, cursor=cursor)
    counts = await services.dispatch.counts()
    lookups = await Lookups.load(services)
    filters = {name: params.get(name, "") for name in FILTER_NAMES}
    failed = await services.notifications.failed_alerts()
    undelivered = {job_id for alert in failed.messages for job_id in alert.job_ids}
    reasons = attention_reasons(page.items, undelivered) if query.attention else {}
    return render(
        request,
        "admin/board.html",
        {
            "actor": actor,
            "jobs": page.items,
            "next_cursor": page.next_cursor,
            "cursor": cursor or "",
            "limit": limit,
            "page_size": PAGE_SIZE,
            "max_page": MAX_PAGE,
            "counts": {status: counts.get(status, 0) for status in JobStatus},
            "total": sum(counts.values()),
            "filters": filters,
            "filtered": any(filters.values()),
            "statuses": list(JobStatus),
            "urgencies": sorted(Urgency, reverse=True),
            "lookups": lookups,
            "dealerships": sorted(lookups.dealerships.values(), key=lambda d: d.name),
            "technicians": sorted(lookups.technicians.values(), key=lambda t: t.name),
            "failed_alerts": failed.messages,
            "job_codes": failed.job_codes,
            "reasons": reasons,
        },
    )
