"""The technician's portal, for a phone: my jobs, accept, complete.

The list is the field service's own order (in progress, then today's windows, then later days',
then jobs without a window as on the board); each job says when (in the company's time zone),
where (the dealership's address, opening the phone's maps app) and what the dispatcher noted.
A refusal (the 20 km rule) comes back as a message on the same screen.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any
from urllib.parse import quote
from uuid import UUID

from litestar import Request, Response, get, post

from sm2_core.domain.job import Completion, Job, Part
from sm2_core.domain.records import Actor
from sm2_core.services import Services
from sm2_web.portal import views
from sm2_web.portal.jobs import see_other
from sm2_web.portal.render import render, translator
from sm2_web.portal.views import Lookups
from sm2_web.portal.windows import window_text

DONE = {
    "accepted": "Job accepted: it is in progress.",
    "completed": "Job completed. Thank you!",
}
_QTY_FIRST = re.compile(r"^(\d+)\s*[x×]?\s+(.+)$", re.IGNORECASE)
_QTY_LAST = re.compile(r"^(.+?)\s*[x×]\s*(\d+)$", re.IGNORECASE)


def parse_parts(text: str) -> tuple[Part, ...]:
    """One part per line, as people type them on a phone: "2 brake pads", "Key fob x2",
    "Battery"; the lifecycle refuses a zero quantity or an empty name."""
    parts = []
    for raw in text.splitlines():
        line = raw.strip().lstrip("-•* ").strip()
        if not line:
            continue
        if first := _QTY_FIRST.match(line):
            parts.append(Part(first.group(2).strip(), int(first.group(1))))
        elif last := _QTY_LAST.match(line):
            parts.append(Part(last.group(1).strip(), int(last.group(2))))
        else:
            parts.append(Part(line, 1))
    return tuple(parts)


#: Google's documented cross-platform Maps URL: opens the maps app on Android and iOS.
MAPS_SEARCH = "https://www.google.com/maps/search/?api=1&query="


def maps_url(address: str) -> str:
    return MAPS_SEARCH + quote(address.strip(), safe="")


def _where_and_when(request: Request[Any, Any, Any], services: Services) -> dict[str, Any]:
    """What a job card needs beside the job: its window as words, and a maps link."""
    t = translator(request)
    zone, today = services.schedule.zone, services.schedule.today()

    def when(job: Job) -> str:
        return window_text(job.window_start, job.window_end, today=today, zone=zone, t=t)

    shown: dict[str, Callable[..., str]] = {"when": when, "maps_url": maps_url}
    return shown


@get("/tech", name="portal:tech")
async def my_jobs(
    request: Request[Any, Any, Any], services: Services, actor: Actor
) -> Response[str]:
    # Always the whole page, htmx or not: the live refresh selects its part, and the service
    # worker keeps whatever it last got as the list to show offline.
    jobs = await services.field.my_jobs(actor=actor)
    lookups = await Lookups.load(services)
    return render(
        request,
        "tech/jobs.html",
        {
            "actor": actor,
            "jobs": jobs,
            "detail": False,
            "attachments": await services.media.attachments(jobs),
            "lookups": lookups,
            "notice": DONE.get(request.query_params.get("done") or ""),
            "push_key": services.notifications.push_key,
            **_where_and_when(request, services),
        },
    )


@get("/tech/jobs/{job_id:uuid}", name="portal:tech-job")
async def my_job(
    request: Request[Any, Any, Any], services: Services, actor: Actor, job_id: UUID
) -> Response[str]:
    """The page an alert links to; another technician's job is not found (404)."""
    job = await services.field.get(job_id, actor=actor)
    return render(
        request,
        "tech/job.html",
        {
            "actor": actor,
            "job": job,
            "detail": True,
            "attachments": await services.media.attachments([job]),
            "lookups": await Lookups.load(services),
            "notice": DONE.get(request.query_params.get("done") or ""),
            **_where_and_when(request, services),
        },
    )


def _back(form: Any, job_id: UUID, *, detail: str, listed: str) -> Response[None]:
    """Back to the job's own page when the form was sent from it, else to the list."""
    if form.get("next") == f"/tech/jobs/{job_id}":
        return see_other(detail)
    return see_other(listed)


@post("/tech/jobs/{job_id:uuid}/accept", name="portal:tech-accept")
async def accept(
    request: Request[Any, Any, Any], services: Services, actor: Actor, job_id: UUID
) -> Response[None]:
    await services.field.accept(job_id, actor=actor)
    return _back(
        await request.form(),
        job_id,
        detail=f"/tech/jobs/{job_id}?done=accepted",
        listed=f"/tech?done=accepted#job-{job_id}",
    )


@post("/tech/jobs/{job_id:uuid}/complete", name="portal:tech-complete")
async def complete(
    request: Request[Any, Any, Any], services: Services, actor: Actor, job_id: UUID
) -> Response[None]:
    form = await request.form()
    report = Completion(
        notes=views.text(form, "notes") or "",
        labour_minutes=views.required_int(form, "labour_minutes"),
        parts=parse_parts(str(form.get("parts") or "")),
    )
    await services.field.complete(job_id, report, actor=actor)
    return _back(
        form, job_id, detail=f"/tech/jobs/{job_id}?done=completed", listed="/tech?done=completed"
    )


TECH_HANDLERS = [my_jobs, my_job, accept, complete]
