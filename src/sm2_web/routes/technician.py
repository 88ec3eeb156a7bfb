"""Technician endpoints: a technician sees and changes only its own jobs."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any
from uuid import UUID

import msgspec
from litestar import Controller, Request, Response, delete, get, post
from litestar.datastructures import UploadFile
from litestar.di import Provide
from litestar.exceptions import HTTPException
from litestar.openapi.spec import (
    OpenAPIFormat,
    OpenAPIMediaType,
    OpenAPIType,
    Operation,
    RequestBody,
    Schema,
)

from sm2_core.domain.entities import Dealership
from sm2_core.domain.job import Completion, Part
from sm2_core.domain.media import Attachment
from sm2_core.domain.records import Actor
from sm2_core.errors import InvalidInput
from sm2_core.media import MAX_PHOTO_BYTES, size_label
from sm2_core.serialize import attachment_primitives
from sm2_core.services import Services
from sm2_web.auth import tech_actor
from sm2_web.maps import maps_url
from sm2_web.problems import document_errors, problem, problem_responses
from sm2_web.schemas import AttachmentOut, CompleteIn, JobOut, job_out, job_with_attachments

#: A photo at the limit, with room for the multipart framing around it.
UPLOAD_BODY_BYTES = MAX_PHOTO_BYTES + 64 * 1024


class PlaceOut(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    """Where the technician goes: the job's dealership."""

    name: str
    phone: str
    address: str | None
    """Null when the dealership's address is not known."""
    maps_url: str | None
    """Opens the phone's maps application on the address (Google Maps' cross-platform URL)."""


class MyJobOut(JobOut, kw_only=True):
    place: PlaceOut


def _place(dealership: Dealership) -> PlaceOut:
    address = dealership.address.strip() or None
    return PlaceOut(
        name=dealership.name,
        phone=dealership.phone,
        address=address,
        maps_url=maps_url(address) if address else None,
    )


def my_job_out(job: JobOut, dealership: Dealership) -> MyJobOut:
    return MyJobOut(**msgspec.structs.asdict(job), place=_place(dealership))


@dataclass
class _PhotoUploadOperation(Operation):
    """The upload's body as OpenAPI tells it: the handler reads the form itself, after the
    caller is authenticated (a body taken as ``data`` would be read first, up to 10 MB, even
    for a caller without a token)."""

    request_body: RequestBody | None = field(
        default_factory=lambda: RequestBody(
            required=True,
            content={
                "multipart/form-data": OpenAPIMediaType(
                    schema=Schema(
                        type=OpenAPIType.OBJECT,
                        required=["file"],
                        properties={
                            "file": Schema(
                                type=OpenAPIType.STRING,
                                format=OpenAPIFormat.BINARY,
                                description="The photo: JPEG, PNG, HEIC/HEIF or WebP, at most "
                                "10 MB",
                            )
                        },
                    )
                )
            },
        )
    )


async def _photo_of(request: Request[Any, Any, Any]) -> bytes:
    """The one file of the form's ``file`` field."""
    content_type, _ = request.content_type
    if content_type != "multipart/form-data":
        raise InvalidInput(
            "Send the photo as multipart/form-data, in a field named file",
            fields={"file": "required"},
        )
    files = [f for f in (await request.form()).getall("file", []) if isinstance(f, UploadFile)]
    if len(files) != 1:
        raise InvalidInput(
            f"Send one photo per request, in a field named file (this one has {len(files)})",
            fields={"file": "one file required"},
        )
    try:
        return await files[0].read()
    finally:
        await files[0].close()


def _body_too_large(_: Request[Any, Any, Any], exc: Exception) -> Response[Any]:
    """Refused before it was read whole (its Content-Length said, or its bytes passed the
    limit): the same words as a photo just over the limit."""
    assert isinstance(exc, HTTPException)
    return problem(
        413,
        "Content too large",
        f"A photo is at most {size_label(MAX_PHOTO_BYTES)}: this request is larger",
        invalid_params=[{"name": "file", "reason": f"larger than {size_label(MAX_PHOTO_BYTES)}"}],
    )


@document_errors
class TechnicianController(Controller):
    path = "/api/technician/jobs"
    tags = ["technician"]
    dependencies = {"actor": Provide(tech_actor)}
    security = [{"bearer": []}]

    @get(
        "/",
        operation_id="myJobs",
        summary="The caller's jobs: in progress, today's by window, later days', then the rest",
    )
    async def my_jobs(
        self, services: Services, actor: Actor, include_done: bool = False
    ) -> list[MyJobOut]:
        """In progress first; then jobs whose window starts today (or earlier, still to do) by
        window start, then later days' by window start (in the company's time zone), then jobs
        without a window in the board's order (most urgent, highest score, oldest). Each with
        its ``place``: the dealership's name, phone and address."""
        jobs = await services.field.my_jobs(actor=actor, include_done=include_done)
        found = await services.media.attachments(jobs)
        places = await services.field.places(jobs)
        return [my_job_out(job_out(j, found.get(j.id, ())), places[j.dealership_id]) for j in jobs]

    @get("/{job_id:uuid}", operation_id="myJob")
    async def my_job(self, services: Services, actor: Actor, job_id: UUID) -> MyJobOut:
        job = await services.field.get(job_id, actor=actor)
        places = await services.field.places([job])
        return my_job_out(await job_with_attachments(services, job), places[job.dealership_id])

    @post(
        "/{job_id:uuid}/accept",
        operation_id="acceptJob",
        status_code=200,
        summary="SCHEDULED → IN_PROGRESS (refused by the 20 km rule)",
    )
    async def accept(self, services: Services, actor: Actor, job_id: UUID) -> JobOut:
        job = await services.field.accept(job_id, actor=actor)
        return await job_with_attachments(services, job)

    @post(
        "/{job_id:uuid}/complete",
        operation_id="completeJob",
        status_code=200,
        summary="IN_PROGRESS → COMPLETED with notes, parts and labour minutes",
    )
    async def complete(
        self, services: Services, actor: Actor, job_id: UUID, data: CompleteIn
    ) -> JobOut:
        report = Completion(
            notes=data.notes,
            labour_minutes=data.labour_minutes,
            parts=tuple(Part(p.name, p.quantity) for p in data.parts),
        )
        job = await services.field.complete(job_id, report, actor=actor)
        return await job_with_attachments(services, job)

    @post(
        "/{job_id:uuid}/attachments",
        operation_id="attachPhoto",
        status_code=201,
        summary="Attach a photo of the work: JPEG, PNG, HEIC/HEIF or WebP, at most 10 MB, "
        "20 per job",
        description="The type is read from the bytes; the photo is kept without its location "
        "(EXIF GPS, XMP), a HEIC/HEIF photo as a JPEG, with a thumbnail. Only the job's own "
        "technician, while the job is SCHEDULED or IN_PROGRESS, or COMPLETED and not yet "
        "approved.",
        request_max_body_size=UPLOAD_BODY_BYTES,
        responses=problem_responses(401, 404, 409, 413, 422),
        exception_handlers={413: _body_too_large},
        operation_class=_PhotoUploadOperation,
    )
    async def attach(
        self, request: Request[Any, Any, Any], services: Services, actor: Actor, job_id: UUID
    ) -> AttachmentOut:
        photo = await services.photos.attach(job_id, await _photo_of(request), actor=actor)
        return msgspec.convert(attachment_primitives(Attachment.of_photo(photo)), AttachmentOut)

    @delete(
        "/{job_id:uuid}/attachments/{attachment_id:uuid}",
        operation_id="removePhoto",
        status_code=204,
        summary="Remove a photo of the work the technician attached (the wrong car, a blurred "
        "shot)",
        description="Only the job's own technician, while the job still takes photos (SCHEDULED, "
        "IN_PROGRESS, or COMPLETED and not yet approved). A completed job whose service requires "
        "photos keeps its last one (409, rule Photos): add another first.",
        responses=problem_responses(401, 404, 409),
    )
    async def remove_photo(
        self, services: Services, actor: Actor, job_id: UUID, attachment_id: UUID
    ) -> None:
        await services.photos.remove(job_id, attachment_id, actor=actor)
