"""A job's page for dispatchers, and the steps they take on it (verify, assign, cancel, approve).

Each step posts the version the dispatcher saw: if someone changed the job in between, the
service refuses it as stale instead of acting on a job nobody looked at.
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

from litestar import Request, Response, get, post

from sm2_core.domain.entities import Dealership
from sm2_core.domain.enums import InvoiceState, JobStatus
from sm2_core.domain.job import Job
from sm2_core.domain.records import Actor
from sm2_core.errors import NotFound
from sm2_core.services import Services
from sm2_core.services.conversations import Thread
from sm2_web.portal import views
from sm2_web.portal.bubbles import bubble_context
from sm2_web.portal.render import render
from sm2_web.portal.views import Lookups

#: Outcome notices a redirect may ask the page to show (never free text from the URL).
DONE = {
    "verify": "Job verified.",
    "assign": "Technician assigned.",
    "unassign": "Technician removed; the job is back on the board.",
    "cancel": "Job cancelled.",
    "approve": "Approved: the invoice is on its way to QuickBooks.",
    "created": "Job created.",
    "applied": "The dealer's reply was applied to the job.",
}
# Fields a timeline entry shows; the rest (whole snapshots, bookkeeping) would drown them.
TIMELINE_FIELDS = (
    "status",
    "tech_id",
    "urgency",
    "service_code",
    "verified_by",
    "cancel_reason",
    "invoice_state",
    "qb_invoice_id",
    "invoice_error",
    "approved_by",
)
_ASSIGNABLE = (JobStatus.PENDING, JobStatus.SCHEDULED)
#: How many of its dealership's latest texts a job's page shows.
JOB_THREAD_SIZE = 20


def _approvable(job: Job) -> bool:
    """Offer the button when approving would do something: a first approval, or a retry of a
    failed invoice (the service decides whether it is allowed)."""
    if job.status is not JobStatus.COMPLETED:
        return False
    return job.invoice_state is InvoiceState.FAILED or not job.is_approved


def see_other(location: str) -> Response[None]:
    return Response(None, status_code=303, headers={"Location": location})


def done_notice(request: Request[Any, Any, Any]) -> str | None:
    return DONE.get(request.query_params.get("done") or "")


@get("/jobs/{job_id:uuid}", name="portal:job")
async def job_page(
    request: Request[Any, Any, Any], services: Services, actor: Actor, job_id: UUID
) -> Response[str]:
    detail = await services.dispatch.detail(job_id)
    job = detail.job
    assignable = job.status in _ASSIGNABLE and job.service_code is not None
    suggestions = await services.dispatch.suggestions(job_id) if assignable else []
    # What the dispatcher should know about the job as it stands (its technician works too far
    # away to start it now, say): shown after the assignment that caused it, and until it ends.
    warnings = await services.dispatch.warnings(job)
    lookups = await Lookups.load(services)
    media = await services.media.items_of_job(job)
    dealership = lookups.dealerships.get(job.dealership_id)
    return render(
        request,
        "admin/job.html",
        {
            "actor": actor,
            "job": job,
            "timeline": list(reversed(detail.timeline)),
            "timeline_fields": TIMELINE_FIELDS,
            "lookups": lookups,
            "dealership": dealership,
            "service": lookups.service(job),
            "vin": views.vin_facts(job.vehicle.vin),
            "suggestions": suggestions,
            "warnings": warnings,
            "assignable": assignable,
            "cancellable": not job.status.is_terminal,
            "approvable": _approvable(job),
            "notice": done_notice(request),
            "media": media,
            "thread": await _dealership_thread(services, dealership),
            **bubble_context(),
        },
    )


async def _dealership_thread(services: Services, dealership: Dealership | None) -> Thread | None:
    """The latest texts with the job's dealership; None when there are none."""
    if dealership is None:
        return None
    try:
        return await services.conversations.thread(dealership.phone, limit=JOB_THREAD_SIZE)
    except NotFound:
        return None


async def _version(request: Request[Any, Any, Any]) -> int | None:
    return views.integer(await request.form(), "version")


@post("/jobs/{job_id:uuid}/verify", name="portal:verify")
async def verify(
    request: Request[Any, Any, Any], services: Services, actor: Actor, job_id: UUID
) -> Response[None]:
    version = await _version(request)
    await services.dispatch.verify(job_id, actor=actor, expected_version=version)
    return see_other(f"/jobs/{job_id}?done=verify")


@post("/jobs/{job_id:uuid}/assign", name="portal:assign")
async def assign(
    request: Request[Any, Any, Any], services: Services, actor: Actor, job_id: UUID
) -> Response[None]:
    form = await request.form()
    tech_id = views.required_uuid(form, "tech_id")
    version = views.integer(form, "version")
    await services.dispatch.assign(job_id, tech_id, actor=actor, expected_version=version)
    return see_other(f"/jobs/{job_id}?done=assign")


@post("/jobs/{job_id:uuid}/unassign", name="portal:unassign")
async def unassign(
    request: Request[Any, Any, Any], services: Services, actor: Actor, job_id: UUID
) -> Response[None]:
    version = await _version(request)
    await services.dispatch.unassign(job_id, actor=actor, expected_version=version)
    return see_other(f"/jobs/{job_id}?done=unassign")


@post("/jobs/{job_id:uuid}/cancel", name="portal:cancel")
async def cancel(
    request: Request[Any, Any, Any], services: Services, actor: Actor, job_id: UUID
) -> Response[None]:
    form = await request.form()
    reason = views.text(form, "reason") or ""
    version = views.integer(form, "version")
    await services.dispatch.cancel(job_id, reason, actor=actor, expected_version=version)
    return see_other(f"/jobs/{job_id}?done=cancel")


@post("/jobs/{job_id:uuid}/approve", name="portal:approve")
async def approve(
    request: Request[Any, Any, Any], services: Services, actor: Actor, job_id: UUID
) -> Response[None]:
    """Approve, or retry a failed invoice: the same use case, which queues the invoice."""
    version = await _version(request)
    await services.billing.approve(job_id, actor=actor, expected_version=version)
    return see_other(f"/jobs/{job_id}?done=approve")


JOB_HANDLERS = [job_page, verify, assign, unassign, cancel, approve]
