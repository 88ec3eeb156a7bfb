"""The inbox: texts that made no job, and what a dispatcher does about them.

A text from an unknown number can become a dealership (its number is the sender's), and any of
them can become a job typed in by hand, which goes through the same ranking and review rules.
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

from litestar import Request, Response, get, post

from sm2_core.domain.enums import Language, ReferenceKind
from sm2_core.domain.records import Actor, InboundMessage
from sm2_core.errors import NotFound
from sm2_core.services import Services
from sm2_web.portal import views
from sm2_web.portal.jobs import see_other
from sm2_web.portal.render import render
from sm2_web.portal.views import Lookups

INBOX_SIZE = 200
DONE = {"dealership": "Dealership registered: this number's next texts will make jobs."}


async def _message(services: Services, message_id: UUID) -> InboundMessage:
    # The intake service has no "one message" query yet; the inbox is small and recent.
    for message in await services.intake.inbox(limit=INBOX_SIZE):
        if message.id == message_id:
            return message
    raise NotFound("message", message_id)


@get("/inbox", name="portal:inbox")
async def inbox(request: Request[Any, Any, Any], services: Services, actor: Actor) -> Response[str]:
    lookups = await Lookups.load(services)
    messages = await services.intake.inbox(limit=INBOX_SIZE)
    return render(
        request,
        "admin/inbox.html",
        {
            "actor": actor,
            "messages": messages,
            "media_of": await services.media.items(messages),
            "lookups": lookups,
            "dealerships": sorted(
                (d for d in lookups.dealerships.values() if d.is_active), key=lambda d: d.name
            ),
            "services": sorted(
                (s for s in lookups.services.values() if s.is_active), key=lambda s: s.code
            ),
            "zones": sorted(
                (z for z in lookups.zones.values() if z.is_active), key=lambda z: z.name
            ),
            "languages": list(Language),
            "notice": DONE.get(request.query_params.get("done") or ""),
        },
    )


@post("/inbox/{message_id:uuid}/job", name="portal:inbox-job")
async def create_job(
    request: Request[Any, Any, Any], services: Services, actor: Actor, message_id: UUID
) -> Response[None]:
    message = await _message(services, message_id)
    form = await request.form()
    job = await services.intake.create_job(
        dealership_id=views.required_uuid(form, "dealership_id"),
        service_code=views.text(form, "service_code"),
        vehicle=views.vehicle(form),
        actor=actor,
        request_text=message.body,
        source_message_id=message.id,
    )
    return see_other(f"/jobs/{job.id}?done=created")


@post("/inbox/{message_id:uuid}/dealership", name="portal:inbox-dealership")
async def register_dealership(
    request: Request[Any, Any, Any], services: Services, actor: Actor, message_id: UUID
) -> Response[None]:
    message = await _message(services, message_id)
    form = await request.form()
    fields = {
        "name": views.required(form, "name"),
        "phone": views.text(form, "phone") or message.from_number,
        "email": views.required(form, "email"),
        "zone_id": views.uuid(form, "zone_id"),
        "language": views.choice(Language, form, "language") or Language.FR,
    }
    await services.admin.create(ReferenceKind.DEALERSHIPS, fields, actor=actor)
    return see_other("/inbox?done=dealership")


INBOX_HANDLERS = [inbox, create_job, register_dealership]
