"""Server-Sent Events for a technician: their own jobs' events only, resumable like the admins'.

The stream follows the same broadcaster as ``/api/events`` (one reader per process) and replays
from Last-Event-ID the same way, keeping only ``job.created`` and ``job.updated`` of jobs that
are the caller's, or were until this change. Each event is cut down to what the jobs page needs:
no invoice or message events, and another technician's id never leaves the server.
"""

from __future__ import annotations

from typing import Annotated, Any
from uuid import UUID

from litestar import get
from litestar.di import Provide
from litestar.params import Parameter
from litestar.response import ServerSentEvent, ServerSentEventMessage

from sm2_core.domain.records import Actor, StoredEvent
from sm2_web.auth import tech_actor
from sm2_web.config import WebConfig
from sm2_web.dependencies import Feed
from sm2_web.problems import problem_responses
from sm2_web.routes.events import (
    MAX_EVENT_ID,
    Broadcaster,
    Shape,
    event_message,
    event_stream,
    resume_point,
)

#: The events of a job's life; invoices, texts and conversations are the dispatchers' business.
TECHNICIAN_EVENTS = frozenset({"job.created", "job.updated"})
#: What a technician's page needs to know of a change to refresh itself.
_FIELDS = ("job_id", "job_code", "action", "status", "urgency", "version")


def technician_shape(technician_id: UUID | None) -> Shape:
    """The technician's view of the event log: their own jobs' events, with their own id in
    ``tech_id`` / ``previous_tech_id`` (null in ``tech_id`` when the job went to someone else).

    A login not linked to a technician has no jobs, so it gets no event at all."""
    mine = str(technician_id) if technician_id is not None else None

    def shape(stored: StoredEvent) -> ServerSentEventMessage | None:
        event = stored.event
        current, previous = event.data.get("tech_id"), event.data.get("previous_tech_id")
        if mine is None or event.name not in TECHNICIAN_EVENTS or mine not in (current, previous):
            return None
        data: dict[str, Any] = {key: event.data[key] for key in _FIELDS if key in event.data}
        data["tech_id"] = mine if current == mine else None
        if previous == mine:
            data["previous_tech_id"] = mine
        return event_message(stored, data)

    return shape


@get(
    "/api/technician/events",
    operation_id="technicianEvents",
    tags=["technician"],
    security=[{"bearer": []}],
    dependencies={"actor": Provide(tech_actor)},
    summary="Server-Sent Events for the caller's own jobs: job.created, job.updated (with "
    "previous_tech_id when the job was taken from them); reset when Last-Event-ID cannot be "
    "resumed",
    media_type="text/event-stream",
    responses=problem_responses(401, 422),
)
async def technician_events(
    actor: Actor,
    broadcaster: Broadcaster,
    events_feed: Feed,
    config: WebConfig,
    last_event_id: Annotated[str | None, Parameter(header="Last-Event-ID")] = None,
    since: Annotated[int | None, Parameter(query="last_event_id", ge=0, le=MAX_EVENT_ID)] = None,
) -> ServerSentEvent:
    """The technician portal's cookie opens it too (a browser's EventSource sends no header)."""
    return event_stream(
        events_feed,
        broadcaster,
        config,
        resume_point(last_event_id, since),
        technician_shape(actor.technician_id),
    )
