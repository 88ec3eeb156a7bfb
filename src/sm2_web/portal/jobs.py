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
from sm2_core.domain.records import Actor, InboundMessage
from sm2_core.errors import NotFound, Sm2Error
from sm2_core.ports import JobFilter
from sm2_core.services import Services
from sm2_core.services.conversations import Thread
from sm2_core.services.dispatch import JobDetail
from sm2_web.portal import job_edit, views
from sm2_web.portal.bubbles import bubble_context
from sm2_web.portal.invoice import invoice_preview
from sm2_web.portal.job_edit import EditForm
from sm2_web.portal.payments import payment_context
from sm2_web.portal.reference_forms import is_enum_choice
from sm2_web.portal.render import render, translator
from sm2_web.portal.views import Lookups
from sm2_web.portal.windows import window_text
from sm2_web.problems import status_of

#: Outcome notices a redirect may ask the page to show (never free text from the URL).
DONE = {
    "verify": "Job verified.",
    "assign": "Technician assigned.",
    "unassign": "Technician removed; the job is back on the board.",
    "cancel": "Job cancelled.",
    "approve": "Approved: the invoice is on its way to QuickBooks.",
    "created": "Job created.",
    "applied": "The dealer's reply was applied to the job.",
    "edited": "Job saved.",
    "unchanged": "Nothing to save: the form had no change.",
    "adjusted": "Invoice line adjusted.",
}
# Fields a timeline entry shows; the rest (whole snapshots, bookkeeping) would drown them.
TIMELINE_FIELDS = (
    "status",
    "tech_id",
    "window_start",
    "window_end",
    "notes",
    "urgency",
    "service_code",
    "verified_by",
    "cancel_reason",
    "invoice_state",
    "qb_invoice_id",
    "invoice_error",
    "approved_by",
    # What QuickBooks' word moved (sm2_core.payments.AMOUNTS).
    "total",
    "paid",
    "balance",
    "due_date",
    "invoice_line",
)
_ASSIGNABLE = (JobStatus.PENDING, JobStatus.SCHEDULED)
#: How many of its dealership's latest texts a job's page shows.
JOB_THREAD_SIZE = 20
#: How many of the vehicle's other jobs (same VIN) a job's page lists, newest first.
SAME_VEHICLE = 5


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
    asked = request.query_params.get("edit") == "1"
    form = EditForm.of(detail.job, services.schedule.zone, open=asked)
    return await _page(request, services, actor, detail, form)


async def _page(
    request: Request[Any, Any, Any],
    services: Services,
    actor: Actor,
    detail: JobDetail,
    form: EditForm,
    *,
    status: int = 200,
    headers: dict[str, str] | None = None,
) -> Response[str]:
    job = detail.job
    assignable = job.status in _ASSIGNABLE and job.service_code is not None
    suggestions = await services.dispatch.suggestions(job.id) if assignable else []
    # What the dispatcher should know about the job as it stands (its technician works too far
    # away to start it now, say): shown after the assignment that caused it, and until it ends.
    warnings = await services.dispatch.warnings(job)
    lookups = await Lookups.load(services)
    media = await services.media.items_of_job(job)
    dealership = lookups.dealerships.get(job.dealership_id)
    t = translator(request)
    zone, today = services.schedule.zone, services.schedule.today()
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
            "invoice": await invoice_preview(services, job),
            "notice": done_notice(request),
            "media": media,
            "photos": await services.photos.of_job(job.id),
            "thread": await _dealership_thread(services, dealership),
            "window_text": window_text(
                job.window_start, job.window_end, today=today, zone=zone, t=t
            ),
            "proposed_text": window_text(
                job.proposed_start, job.proposed_end, today=today, zone=zone, t=t
            ),
            "proposed_values": job_edit.window_values(job.proposed_start, job.proposed_end, zone),
            "edit": form,
            "edit_groups": job_edit.groups(job),
            "edit_choices": job_edit.choices(lookups, job, t.lang),
            "is_enum_choice": is_enum_choice,
            "same_vehicle": await _same_vehicle(services, job),
            "source": await _source_message(services, job),
            **await payment_context(services, job, t.lang),
            **bubble_context(),
        },
        status=status,
        headers=headers,
    )


async def _same_vehicle(services: Services, job: Job) -> list[Job]:
    """The vehicle's other jobs (same VIN), newest first."""
    if not job.vehicle.vin:
        return []
    page = await services.dispatch.list_jobs(JobFilter(vin=job.vehicle.vin), limit=200)
    others = [j for j in page.items if j.id != job.id]
    return sorted(others, key=lambda j: j.created_at, reverse=True)[:SAME_VEHICLE]


async def _source_message(services: Services, job: Job) -> InboundMessage | None:
    """The text the job came from; None for a job typed in."""
    if job.source_message_id is None:
        return None
    try:
        return await services.intake.message(job.source_message_id)
    except NotFound:
        return None


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
    """Approve, or retry a failed invoice: the same use case, which queues the invoice. With
    flagged lines nobody adjusted, the form's box says the dispatcher looked at them."""
    form = await request.form()
    version = views.integer(form, "version")
    confirmed = bool(form.get("confirm_flagged"))
    await services.billing.approve(
        job_id, actor=actor, expected_version=version, confirm_flagged=confirmed
    )
    return see_other(f"/jobs/{job_id}?done=approve")


@post("/jobs/{job_id:uuid}/edit", name="portal:job-edit")
async def edit(
    request: Request[Any, Any, Any], services: Services, actor: Actor, job_id: UUID
) -> Response[Any]:
    """Save what the edit form changed, with the version the page showed; a refusal shows the
    page again with the form as typed (the address stays the job's)."""
    form = await request.form()
    version = views.required_int(form, "version")
    job = (await services.dispatch.detail(job_id)).job
    zone = services.schedule.zone
    try:
        found = job_edit.changes(form, job, zone)
        if not found:
            return see_other(f"/jobs/{job_id}?done=unchanged")
        await services.dispatch.update(job_id, actor=actor, expected_version=version, **found)
    except Sm2Error as exc:
        shown = job_edit.refused(
            exc,
            values=job_edit.typed_values(form, job, zone),
            version=version,
            names=job_edit.field_names(job),
            t=translator(request),
        )
        detail = await services.dispatch.detail(job_id)
        return await _page(
            request,
            services,
            actor,
            detail,
            shown,
            status=status_of(exc),
            headers={"HX-Push-Url": "false"},
        )
    return see_other(f"/jobs/{job_id}?done=edited")


@get("/jobs/{job_id:uuid}/edit", name="portal:job-edit-form")
async def edit_form(actor: Actor, job_id: UUID) -> Response[None]:
    """The edit form's address, reloaded after a refusal: the job's page with the form open."""
    return see_other(f"/jobs/{job_id}?edit=1#job-edit")


JOB_HANDLERS = [job_page, verify, assign, unassign, cancel, approve, edit, edit_form]
