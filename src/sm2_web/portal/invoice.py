"""A job's invoice on its page: the lines it will bill (flags, subtotal) and a dispatcher's
adjustment of a line before approval."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from litestar import Request, Response, post

from sm2_core.domain.job import Job
from sm2_core.domain.records import Actor
from sm2_core.errors import InvalidTransition, PolicyViolation
from sm2_core.invoicing import InvoicePreview, LineChange
from sm2_core.services import Services
from sm2_web.portal import views


async def invoice_preview(services: Services, job: Job) -> InvoicePreview | None:
    """The job's invoice lines; None for a job that bills nothing (cancelled, no service)."""
    try:
        return await services.billing.preview(job.id)
    except (InvalidTransition, PolicyViolation):
        return None


@post("/jobs/{job_id:uuid}/invoice-lines/{line:str}", name="portal:invoice-line")
async def adjust_line(
    request: Request[Any, Any, Any], services: Services, actor: Actor, job_id: UUID, line: str
) -> Response[None]:
    """Save the line's quantity and unit price as the form shows them, with its reason, if the
    job is still the version the page showed."""
    form = await request.form()
    change = LineChange(
        line=line,
        reason=views.text(form, "reason") or "",
        quantity=views.decimal(form, "quantity"),
        unit_price=views.decimal(form, "unit_price"),
    )
    version = views.required_int(form, "version")
    await services.billing.adjust_line(job_id, change, actor=actor, expected_version=version)
    return Response(
        None, status_code=303, headers={"Location": f"/jobs/{job_id}?done=adjusted#invoice-h"}
    )


INVOICE_HANDLERS = [adjust_line]
