"""The technician's portal, for a phone: my jobs, accept, photos of the work, complete.

The list is the field service's own order (in progress, then today's windows, then later days',
then jobs without a window as on the board); each job says when (in the company's time zone),
where (the dealership's address, opening the phone's maps app) and what the dispatcher noted.
A refusal (the 20 km rule) comes back as a message on the same screen. Photos are sent by a
plain form (no script needed): several at once, from the camera or the gallery; each refused
one is named on the job's page, the others are kept.
"""

from __future__ import annotations

import re
from typing import Any
from uuid import UUID

from litestar import Request, Response, get, post
from litestar.datastructures import UploadFile

from sm2_core.domain.job import Completion, Job, Part
from sm2_core.domain.records import Actor
from sm2_core.errors import NotFound, Sm2Error
from sm2_core.media import MAX_PHOTO_BYTES, MAX_PHOTOS_PER_JOB, size_label
from sm2_core.policies import may_add_photos
from sm2_core.services import Services
from sm2_web.maps import maps_url
from sm2_web.portal import views
from sm2_web.portal.jobs import see_other
from sm2_web.portal.render import render, translator
from sm2_web.portal.views import Lookups
from sm2_web.portal.windows import window_text
from sm2_web.problems import status_of

DONE = {
    "accepted": "Job accepted: it is in progress.",
    "completed": "Job completed. Thank you!",
    "photos": "Photos added.",
    "photo_removed": "Photo removed.",
}
#: One sending of the photo form: several phone photos at once (each still at most 10 MB).
PHOTO_FORM_BYTES = 50 * 1024 * 1024
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


def _where_and_when(request: Request[Any, Any, Any], services: Services) -> dict[str, Any]:
    """What a job card needs beside the job: its window as words, and a maps link."""
    t = translator(request)
    zone, today = services.schedule.zone, services.schedule.today()

    def when(job: Job) -> str:
        return window_text(job.window_start, job.window_end, today=today, zone=zone, t=t)

    shown: dict[str, Any] = {
        "when": when,
        "maps_url": maps_url,
        "may_add_photos": may_add_photos,
        "max_photos": MAX_PHOTOS_PER_JOB,
        "max_photo_size": size_label(MAX_PHOTO_BYTES),
    }
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
            "photo_errors": [],
            "push_key": services.notifications.push_key,
            **_where_and_when(request, services),
        },
    )


@get("/tech/jobs/{job_id:uuid}", name="portal:tech-job")
async def my_job(
    request: Request[Any, Any, Any], services: Services, actor: Actor, job_id: UUID
) -> Response[str]:
    """The page an alert links to; another technician's job is not found (404)."""
    return await _job_page(request, services, actor, job_id)


async def _job_page(
    request: Request[Any, Any, Any],
    services: Services,
    actor: Actor,
    job_id: UUID,
    *,
    notice: str | None = None,
    photo_errors: list[tuple[str, str]] | None = None,
    photo_errors_title: str | None = None,
    status: int = 200,
) -> Response[str]:
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
            "notice": notice or DONE.get(request.query_params.get("done") or ""),
            "photo_errors": photo_errors or [],
            "photo_errors_title": photo_errors_title,
            **_where_and_when(request, services),
        },
        status=status,
        # Rendered by the form's POST: the address stays the job's page.
        headers={"HX-Push-Url": "false"} if status != 200 or photo_errors else None,
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


@post(
    "/tech/jobs/{job_id:uuid}/photos",
    name="portal:tech-photos",
    request_max_body_size=PHOTO_FORM_BYTES,
)
async def add_photos(
    request: Request[Any, Any, Any], services: Services, actor: Actor, job_id: UUID
) -> Response[Any]:
    """Each photo chosen is attached on its own: those refused are named on the job's page
    with why (too large, not a photo, the job is full), the others are kept."""
    form = await request.form()
    files = [f for f in form.getall("file", []) if isinstance(f, UploadFile) and f.filename]
    t = translator(request)
    errors: list[tuple[str, str]] = []
    statuses: list[int] = []
    added = 0
    if not files:
        errors.append(("", t("No photo chosen: take a photo or choose one, then send.")))
        statuses.append(422)
    for upload in files:
        try:
            await services.photos.attach(job_id, await upload.read(), actor=actor)
            added += 1
        except NotFound:
            raise  # not the caller's job: the error page, as for any other form
        except Sm2Error as exc:
            # The core's own words: they say why ("image/gif is not taken", "at most 20").
            errors.append((upload.filename, exc.message))
            statuses.append(status_of(exc))
        finally:
            await upload.close()
    if not errors:
        return _back(
            form,
            job_id,
            detail=f"/tech/jobs/{job_id}?done=photos",
            listed=f"/tech?done=photos#job-{job_id}",
        )
    return await _job_page(
        request,
        services,
        actor,
        job_id,
        notice=t("{n} photo(s) added.", n=added) if added else None,
        photo_errors=errors,
        status=statuses[0] if not added else 200,
    )


@post("/tech/jobs/{job_id:uuid}/photos/{photo_id:uuid}/remove", name="portal:tech-photo-remove")
async def remove_photo(
    request: Request[Any, Any, Any], services: Services, actor: Actor, job_id: UUID, photo_id: UUID
) -> Response[Any]:
    """A photo removed; a refusal (the last photo a completed job's service requires, an
    approved job) is said on the job's page, the photo still there."""
    form = await request.form()
    try:
        await services.photos.remove(job_id, photo_id, actor=actor)
    except NotFound:
        raise  # not the caller's job or photo: the error page, as for any other form
    except Sm2Error as exc:
        return await _job_page(
            request,
            services,
            actor,
            job_id,
            photo_errors=[("", exc.message)],
            photo_errors_title="Not removed",
            status=status_of(exc),
        )
    return _back(
        form,
        job_id,
        detail=f"/tech/jobs/{job_id}?done=photo_removed",
        listed=f"/tech?done=photo_removed#job-{job_id}",
    )


TECH_HANDLERS = [my_jobs, my_job, accept, complete, add_photos, remove_photo]
