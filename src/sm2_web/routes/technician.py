"""Technician endpoints: a technician sees and changes only its own jobs."""

from __future__ import annotations

from uuid import UUID

from litestar import Controller, get, post
from litestar.di import Provide

from sm2_core.domain.job import Completion, Part
from sm2_core.domain.records import Actor
from sm2_core.services import Services
from sm2_web.auth import tech_actor
from sm2_web.problems import document_errors
from sm2_web.schemas import CompleteIn, JobOut, job_out, job_with_attachments


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
    ) -> list[JobOut]:
        """In progress first; then jobs whose window starts today (or earlier, still to do) by
        window start, then later days' by window start (in the company's time zone), then jobs
        without a window in the board's order (most urgent, highest score, oldest)."""
        jobs = await services.field.my_jobs(actor=actor, include_done=include_done)
        found = await services.media.attachments(jobs)
        return [job_out(j, found.get(j.id, ())) for j in jobs]

    @get("/{job_id:uuid}", operation_id="myJob")
    async def my_job(self, services: Services, actor: Actor, job_id: UUID) -> JobOut:
        job = await services.field.get(job_id, actor=actor)
        return await job_with_attachments(services, job)

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
