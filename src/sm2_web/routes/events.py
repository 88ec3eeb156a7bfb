"""Server-Sent Events for admins: live job, message and invoice events, resumable.

One reader per process follows the event log and fans out to every connected dashboard; a
reconnecting browser sends Last-Event-ID and first gets what it missed. When that cannot be done
— an id beyond the newest event, one no longer kept, or more missed than a replay sends — it
gets a ``reset`` event instead: reload the page, then follow the live events.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections.abc import AsyncGenerator, Callable, Mapping
from typing import Annotated, Any, TypeAlias

from litestar import get
from litestar.di import Provide
from litestar.params import Parameter
from litestar.response import ServerSentEvent, ServerSentEventMessage

from sm2_core.domain.records import Actor, StoredEvent
from sm2_core.ports import EventFeed
from sm2_web.auth import admin_actor
from sm2_web.config import WebConfig
from sm2_web.dependencies import Feed
from sm2_web.problems import problem_responses

QUEUE_SIZE = 1000
RETRY_SECONDS = 1.0
REPLAY_LIMIT = 10_000
"""At most this many missed events are replayed; a client that missed more is told to reset."""
MAX_EVENT_ID = 2**63 - 1
log = logging.getLogger(__name__)


class Broadcaster:
    """Fans one feed out to many subscribers; a subscriber too slow to keep up is dropped (its
    browser reconnects with Last-Event-ID and replays)."""

    def __init__(self, feed: EventFeed) -> None:
        self.feed = feed
        self._subscribers: set[asyncio.Queue[StoredEvent | None]] = set()
        self._task: asyncio.Task[None] | None = None

    async def start(self) -> None:
        position = await self.feed.last_id()
        self._task = asyncio.create_task(self._run(position))

    async def stop(self) -> None:
        # Open streams end now, rather than holding the server's shutdown until they time out.
        self.drop_all()
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task

    async def _run(self, position: int) -> None:
        # One failed read (a database restart) must not end live events for the process.
        while True:
            try:
                async for _ in self.feed.wakeups():
                    for stored in await self.feed.read_after(position):
                        position = stored.id
                        self._fan_out(stored)
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("event feed failed; following it again in %ss", RETRY_SECONDS)
                await asyncio.sleep(RETRY_SECONDS)

    def _fan_out(self, stored: StoredEvent) -> None:
        for queue in list(self._subscribers):
            try:
                queue.put_nowait(stored)
            except asyncio.QueueFull:
                # Make room for the "you were dropped" marker at the end.
                self._subscribers.discard(queue)
                queue.get_nowait()
                queue.put_nowait(None)

    def drop_all(self) -> None:
        """End every stream, as for a subscriber too slow to keep up (their browsers reconnect
        and replay)."""
        for queue in list(self._subscribers):
            self._subscribers.discard(queue)
            if queue.full():
                queue.get_nowait()
            queue.put_nowait(None)

    def subscribe(self) -> asyncio.Queue[StoredEvent | None]:
        queue: asyncio.Queue[StoredEvent | None] = asyncio.Queue(maxsize=QUEUE_SIZE)
        self._subscribers.add(queue)
        return queue

    def unsubscribe(self, queue: asyncio.Queue[StoredEvent | None]) -> None:
        self._subscribers.discard(queue)

    @property
    def subscribers(self) -> int:
        return len(self._subscribers)


Shape: TypeAlias = Callable[[StoredEvent], ServerSentEventMessage | None]
"""What one stream makes of an event: its message, or None when this stream does not carry it
(the technicians' stream, ``technician_events``, keeps each technician's own jobs only)."""


def event_message(stored: StoredEvent, data: Mapping[str, Any]) -> ServerSentEventMessage:
    """The message for ``stored`` carrying ``data`` besides the event's name, subject and time."""
    event = stored.event
    payload = {
        "name": event.name,
        "subject_id": str(event.subject_id),
        "occurred_at": event.occurred_at.isoformat(),
        **data,
    }
    return ServerSentEventMessage(data=json.dumps(payload), event=event.name, id=str(stored.id))


def _message(stored: StoredEvent) -> ServerSentEventMessage:
    return event_message(stored, stored.event.data)


def _reset(requested: str, position: int) -> ServerSentEventMessage:
    """What a client that cannot resume gets: reload, then follow from ``position`` (the id, so
    a browser that only reconnects resumes from there rather than being reset again)."""
    payload = {
        "name": "reset",
        "reason": "Last-Event-ID cannot be resumed: reload to see the current state",
        "last_event_id": requested,
    }
    return ServerSentEventMessage(data=json.dumps(payload), event="reset", id=str(position))


def _event_id(text: str) -> int | None:
    """An event id as this stream sends them (ASCII digits within bigint), else None."""
    if not (text.isascii() and text.isdigit() and len(text) <= 19):
        return None
    value = int(text)
    return value if value <= MAX_EVENT_ID else None


async def _backlog(feed: EventFeed, last_id: int) -> list[StoredEvent] | None:
    """The events after ``last_id``; None when they cannot all be replayed."""
    if not await feed.resumable(last_id):
        return None
    missed = await feed.read_after(last_id, limit=REPLAY_LIMIT)
    return None if len(missed) >= REPLAY_LIMIT else missed


async def _stream(
    feed: EventFeed,
    broadcaster: Broadcaster,
    queue: asyncio.Queue[StoredEvent | None],
    heartbeat_seconds: float,
    resume: str | None,
    shape: Shape = _message,
) -> AsyncGenerator[ServerSentEventMessage, None]:
    replayed: set[int] = set()
    try:
        yield ServerSentEventMessage(comment="connected", retry=3000)
        if resume is not None:
            event_id = _event_id(resume)
            backlog = None if event_id is None else await _backlog(feed, event_id)
            if backlog is None:
                yield _reset(resume, await feed.last_id())
            for stored in backlog or ():
                replayed.add(stored.id)
                if (message := shape(stored)) is not None:
                    yield message
        while True:
            try:
                async with asyncio.timeout(heartbeat_seconds):
                    item = await queue.get()
            except TimeoutError:
                yield ServerSentEventMessage(comment="heartbeat")
                continue
            if item is None:
                return  # dropped for being too slow; the browser reconnects and replays
            if item.id not in replayed and (message := shape(item)) is not None:
                yield message
    finally:
        broadcaster.unsubscribe(queue)


def resume_point(header: str | None, since: int | None) -> str | None:
    """Where a reconnecting client resumes: ``Last-Event-ID``, else the ``last_event_id`` query."""
    text = (header or "").strip()
    return text or (None if since is None else str(since))


def event_stream(
    feed: EventFeed,
    broadcaster: Broadcaster,
    config: WebConfig,
    resume: str | None,
    shape: Shape = _message,
) -> ServerSentEvent:
    """The response of a stream over the process's one broadcaster, uncached and unbuffered.

    It subscribes now, before the response's headers go: a browser counts itself connected when
    they arrive, and an event published from then on must reach it. (Should the response never
    start, the broadcaster drops the queue once it is full, as it drops a slow client's.)"""
    queue = broadcaster.subscribe()
    return ServerSentEvent(
        _stream(feed, broadcaster, queue, config.heartbeat_seconds, resume, shape),
        headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"},
    )


@get(
    "/api/events",
    operation_id="events",
    tags=["events"],
    security=[{"bearer": []}],
    dependencies={"actor": Provide(admin_actor)},
    summary="Server-Sent Events: job.created, job.updated, message.unmatched, invoice.* "
    "(synced, failed, updated: paid, partly paid, overdue, voided); "
    "reset when Last-Event-ID cannot be resumed",
    media_type="text/event-stream",
    responses=problem_responses(401, 422),
)
async def events(
    actor: Actor,
    broadcaster: Broadcaster,
    events_feed: Feed,
    config: WebConfig,
    last_event_id: Annotated[str | None, Parameter(header="Last-Event-ID")] = None,
    since: Annotated[int | None, Parameter(query="last_event_id", ge=0, le=MAX_EVENT_ID)] = None,
) -> ServerSentEvent:
    """A ``Last-Event-ID`` (or ``last_event_id``) that cannot be resumed gets a ``reset`` event:
    the client reloads what it shows, then follows the live events."""
    return event_stream(events_feed, broadcaster, config, resume_point(last_event_id, since))
