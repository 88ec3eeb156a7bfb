"""Admin job endpoints: the board, a job's detail, edits and the lifecycle steps."""

from __future__ import annotations

from datetime import UTC, datetime
from enum import Enum
from typing import Annotated, Any
from uuid import UUID

from litestar import Controller, get, patch, post
from litestar.di import Provide
from litestar.openapi.spec import OpenAPIFormat, OpenAPIType, Schema
from litestar.params import Parameter
from msgspec import UNSET

from sm2_core.domain.enums import InvoiceState, JobStatus, Urgency
from sm2_core.domain.records import Actor
from sm2_core.errors import InvalidInput
from sm2_core.ports import JobFilter
from sm2_core.services import Services
from sm2_core.services.dispatch import UNCHANGED, WindowChange
from sm2_web.auth import admin_actor
from sm2_web.problems import document_errors
from sm2_web.schemas import (
    CancelIn,
    JobDetailOut,
    JobOut,
    JobPage,
    JobPatch,
    JobUpdateOut,
    SuggestionOut,
    job_detail_out,
    job_out,
    job_update_out,
    job_with_attachments,
)
from sm2_web.versions import IfMatch, expected_version


def _enum(kind: type[Any], value: str | None, name: str) -> Any:
    if value is None:
        return None
    try:
        return kind(value.upper())
    except ValueError:
        allowed = ", ".join(m.value for m in kind)
        raise InvalidInput(
            f"{name} must be one of {allowed}", fields={name: "unknown value"}
        ) from None


def _one_of(kind: type[Enum]) -> Any:
    """A filter whose value is one of ``kind``'s (upper case, as documented; any case taken)."""
    return Parameter(
        description=f"One of the {kind.__name__} values (any case)",
        schema_extra={"oneOf": None, "type": OpenAPIType.STRING, "enum": [m.value for m in kind]},
    )


_INSTANT = Parameter(
    description="An ISO 8601 date (its start, in UTC) or date-time (UTC when it has no offset)",
    schema_extra={
        "oneOf": None,
        "anyOf": [
            Schema(type=OpenAPIType.STRING, format=OpenAPIFormat.DATE),
            Schema(type=OpenAPIType.STRING, format=OpenAPIFormat.DATE_TIME),
        ],
    },
)


_ATTENTION = Parameter(
    description="Only the jobs a dispatcher must act on: awaiting verification, service not "
    "recognised, completed and awaiting approval, invoice failed, or an alert to their "
    "technician that failed or was not delivered (docs/scheduling.md)",
)


def _instant(value: str | None, name: str) -> datetime | None:
    """``2026-01-01`` is that day's start in UTC; a date-time keeps its offset (UTC without
    one); anything else (``-1``, ``1e3``, ``null``) is a 422 naming the parameter."""
    if value is None:
        return None
    try:
        when = datetime.fromisoformat(value.strip())
    except ValueError:
        raise InvalidInput(
            f"{name} must be an ISO 8601 date or date-time, e.g. 2026-01-01 or "
            "2026-01-01T08:00:00-05:00",
            fields={name: "not an ISO 8601 date or date-time"},
        ) from None
    return when if when.tzinfo is not None else when.replace(tzinfo=UTC)


def _window_change(data: JobPatch) -> WindowChange | None:
    """What the PATCH says of the window (None: nothing, so the window stays as it is)."""
    if data.window_start is UNSET and data.window_end is UNSET and not data.allow_overlap:
        return None
    return WindowChange(
        start=UNCHANGED if data.window_start is UNSET else data.window_start,
        end=UNCHANGED if data.window_end is UNSET else data.window_end,
        allow_overlap=data.allow_overlap,
    )


@document_errors
class JobController(Controller):
    path = "/api/jobs"
    tags = ["jobs"]
    dependencies = {"actor": Provide(admin_actor)}
    security = [{"bearer": []}]

    @get("/", operation_id="listJobs", summary="The board: jobs by urgency, score, then age")
    async def list_jobs(
        self,
        services: Services,
        actor: Actor,
        status: Annotated[str | None, _one_of(JobStatus)] = None,
        dealership: UUID | None = None,
        urgency: Annotated[str | None, _one_of(Urgency)] = None,
        technician: UUID | None = None,
        vin: str | None = None,
        q: str | None = None,
        invoice_state: Annotated[str | None, _one_of(InvoiceState)] = None,
        created_after: Annotated[str | None, _INSTANT] = None,
        created_before: Annotated[str | None, _INSTANT] = None,
        attention: Annotated[bool, _ATTENTION] = False,
        limit: Annotated[int, Parameter(ge=1, le=200)] = 50,
        cursor: str | None = None,
    ) -> JobPage:
        query = JobFilter(
            status=_enum(JobStatus, status, "status"),
            dealership_id=dealership,
            urgency=_enum(Urgency, urgency, "urgency"),
            tech_id=technician,
            vin=vin.strip() if vin else None,
            text=q.strip() if q else None,
            invoice_state=_enum(InvoiceState, invoice_state, "invoice_state"),
            created_after=_instant(created_after, "created_after"),
            created_before=_instant(created_before, "created_before"),
            attention=attention,
        )
        # An empty cursor (``?cursor=``) is the first page, as no cursor is.
        page = await services.dispatch.list_jobs(query, limit=limit, cursor=cursor or None)
        found = await services.media.attachments(page.items)
        return JobPage(
            items=[job_out(j, found.get(j.id, ())) for j in page.items],
            next_cursor=page.next_cursor,
        )

    @get("/{job_id:uuid}", operation_id="getJob", summary="A job with its audit timeline")
    async def get_job(self, services: Services, actor: Actor, job_id: UUID) -> JobDetailOut:
        detail = await services.dispatch.detail(job_id)
        attachments = await services.media.attachments_of(detail.job)
        return job_detail_out(detail.job, detail.timeline, attachments)

    @patch(
        "/{job_id:uuid}",
        operation_id="updateJob",
        summary="Assign (tech_id), unassign (tech_id null) or edit; needs the version",
    )
    async def update_job(
        self,
        services: Services,
        actor: Actor,
        job_id: UUID,
        data: JobPatch,
        if_match: IfMatch = None,
    ) -> JobUpdateOut:
        version = expected_version(if_match, None if data.version is UNSET else data.version)
        job = await services.dispatch.update(
            job_id,
            actor=actor,
            expected_version=version,
            tech_id=UNCHANGED if data.tech_id is UNSET else data.tech_id,
            vehicle=None if data.vehicle_data is UNSET else data.vehicle_data.changes(),
            service_code=None if data.service_code is UNSET else data.service_code.upper(),
            urgency=None if data.urgency is UNSET else Urgency(data.urgency),
            window=_window_change(data),
            notes=None if data.notes is UNSET else data.notes,
        )
        warnings = await services.dispatch.warnings(job)
        return job_update_out(job, warnings, await services.media.attachments_of(job))

    @post(
        "/{job_id:uuid}/verify",
        operation_id="verifyJob",
        status_code=200,
        summary="Clear the manual-review hold",
    )
    async def verify(self, services: Services, actor: Actor, job_id: UUID) -> JobOut:
        return await job_with_attachments(
            services, await services.dispatch.verify(job_id, actor=actor)
        )

    @post("/{job_id:uuid}/cancel", operation_id="cancelJob", status_code=200)
    async def cancel(
        self, services: Services, actor: Actor, job_id: UUID, data: CancelIn
    ) -> JobOut:
        job = await services.dispatch.cancel(job_id, data.reason, actor=actor)
        return await job_with_attachments(services, job)

    @post(
        "/{job_id:uuid}/approve",
        operation_id="approveJob",
        status_code=200,
        summary="Approve a COMPLETED job and queue its invoice (retries a FAILED one)",
    )
    async def approve(self, services: Services, actor: Actor, job_id: UUID) -> JobOut:
        job = await services.billing.approve(job_id, actor=actor)
        return await job_with_attachments(services, job)

    @get(
        "/{job_id:uuid}/suggestions",
        operation_id="suggestTechnicians",
        summary="Technicians fit for the job, best first",
    )
    async def suggestions(
        self, services: Services, actor: Actor, job_id: UUID
    ) -> list[SuggestionOut]:
        found = await services.dispatch.suggestions(job_id)
        return [
            SuggestionOut(
                s.technician.id,
                s.technician.name,
                s.technician.status.value,
                s.technician.zone_id,
                s.distance_km,
                s.load,
                s.conflict,
            )
            for s in found
        ]
