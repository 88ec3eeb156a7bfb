"""The Messages pages: a conversation per phone number, a reply box, and a dealer's answer
applied to one of its jobs in one click.

Opening a conversation marks it read. A dealer's text is offered as an edit of one of its open
jobs: what the offline parser reads in it fills the form, the dispatcher checks it, and the
edit goes through the same use case as any edit of the job (its rules may refuse it).
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from litestar import Request, Response, get, post

from sm2_core.domain.enums import ReferenceKind
from sm2_core.domain.records import Actor
from sm2_core.errors import InvalidInput
from sm2_core.services import Services
from sm2_web.portal import views
from sm2_web.portal.bubbles import bubble_context
from sm2_web.portal.jobs import see_other
from sm2_web.portal.render import render

PATH = "/messages"
LIST_SIZE = 50
THREAD_SIZE = 200
DONE = {"sent": "Reply queued: it goes out in a moment."}
#: The vehicle fields a reply may fill in, in the form's order.
VEHICLE_FIELDS = ("year", "make", "model", "vin", "stock_no")


def thread_url(phone: str) -> str:
    return f"{PATH}/{quote(phone, safe='')}"


@get(PATH, name="portal:messages")
async def conversations_page(
    request: Request[Any, Any, Any], services: Services, actor: Actor
) -> Response[str]:
    cursor = request.query_params.get("cursor") or None
    page = await services.conversations.list(limit=LIST_SIZE, cursor=cursor)
    return render(
        request,
        "admin/messages.html",
        {
            "actor": actor,
            "conversations": page.items,
            "next_cursor": page.next_cursor,
            "first_page": cursor is None,
            "thread_url": thread_url,
        },
    )


@get(f"{PATH}/{{phone:str}}", name="portal:thread")
async def thread_page(
    request: Request[Any, Any, Any], services: Services, actor: Actor, phone: str
) -> Response[str]:
    # Read first: what the page shows is what the dispatcher has read.
    await services.conversations.mark_read(phone, actor=actor)
    thread = await services.conversations.thread(phone, limit=THREAD_SIZE, start=True)
    offer = await services.conversations.offer(thread)
    catalog = await services.admin.all(ReferenceKind.SERVICES)
    return render(
        request,
        "admin/thread.html",
        {
            "actor": actor,
            "phone": thread.phone,
            "url": thread_url(thread.phone),
            "dealership": thread.dealership,
            "messages": thread.messages,
            "offer": offer,
            "services": sorted((s for s in catalog if s.is_active), key=lambda s: s.code),
            "title": thread.dealership.name if thread.dealership else thread.phone,
            **bubble_context(),
            "notice": DONE.get(request.query_params.get("done") or ""),
        },
    )


@post(f"{PATH}/{{phone:str}}/reply", name="portal:reply")
async def reply(
    request: Request[Any, Any, Any], services: Services, actor: Actor, phone: str
) -> Response[None]:
    form = await request.form()
    await services.conversations.reply(phone, str(form.get("body") or ""), actor=actor)
    return see_other(f"{thread_url(phone)}?done=sent")


@post(f"{PATH}/{{phone:str}}/apply", name="portal:apply-reply")
async def apply_to_job(
    request: Request[Any, Any, Any], services: Services, actor: Actor, phone: str
) -> Response[None]:
    """The fields the dispatcher kept, as an edit of the chosen job."""
    form = await request.form()
    job_id = views.required_uuid(form, "job_id")
    vehicle = _vehicle_changes(form)
    service_code = views.text(form, "service_code")
    if not vehicle and service_code is None:
        raise InvalidInput(
            "nothing to apply: fill in at least one field", fields={"fields": "all empty"}
        )
    job = (await services.dispatch.detail(job_id)).job
    await services.dispatch.update(
        job_id,
        actor=actor,
        expected_version=job.version,
        vehicle=vehicle or None,
        service_code=service_code,
    )
    return see_other(f"/jobs/{job_id}?done=applied")


def _vehicle_changes(form: Any) -> dict[str, object]:
    """The vehicle fields given (an empty one is left as the job has it)."""
    changes: dict[str, object] = {}
    for name in VEHICLE_FIELDS:
        value: object = views.integer(form, name) if name == "year" else views.text(form, name)
        if value is not None:
            changes[name] = value
    if "vin" in changes:
        changes["vin"] = str(changes["vin"]).replace(" ", "").upper()
    return changes


MESSAGE_HANDLERS = [conversations_page, thread_page, reply, apply_to_job]
