"""Server-Sent Events for admins: live job, message and invoice events, resumable.

One reader per process follows the event log and fans out to every connected dashboard; a
reconnecting browser sends Last-Event-ID and first gets what it missed.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections.abc import AsyncGenerator
from typing import Annotated

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


def _message(stored: StoredEvent) -> ServerSentEventMessage:
    event = stored.event
    payload = {
        "name": event.name,
        "subject_id": str(event.subject_id),
        "occurred_at": event.occurred_at.isoformat(),
        **event.data,
    }
    return ServerSentEventMessage(data=json.dumps(payload), event=event.name, id=str(stored.id))


async def _stream(
    feed: EventFeed, broadcaster: Broadcaster, heartbeat_seconds: float, last_id: int | None
) -> AsyncGenerator[ServerSentEventMessage, None]:
    queue = broadcaster.subscribe()
    replayed: set[int] = set()
    try:
        yield ServerSentEventMessage(comment="connected", retry=3000)
        if last_id is not None:
            for stored in await feed.read_after(last_id, limit=10_000):
                replayed.add(stored.id)
                yield _message(stored)
        while True:
            try:
                async with asyncio.timeout(heartbeat_seconds):
                    item = await queue.get()
            except TimeoutError:
                yield ServerSentEventMessage(comment="heartbeat")
                continue
            if item is None:
                return  # dropped for being too slow; the browser reconnects and replays
            if item.id not in replayed:
                yield _message(item)
    finally:
        broadcaster.unsubscribe(queue)


@get(
    "/api/events",
    operation_id="events",
    tags=["events"],
    security=[{"bearer": []}],
    dependencies={"actor": Provide(admin_actor)},
    summary="Server-Sent Events: job.created, job.updated, message.unmatched, invoice.*",
    media_type="text/event-stream",
    responses=problem_responses(401, 422),
)
async def events(
    actor: Actor,
    broadcaster: Broadcaster,
    events_feed: Feed,
    config: WebConfig,
    last_event_id: Annotated[str | None, Parameter(header="Last-Event-ID")] = None,
    since: Annotated[int | None, Parameter(query="last_event_id", ge=0)] = None,
) -> ServerSentEvent:
    resume = since
    if last_event_id is not None and last_event_id.strip().isdigit():
        resume = int(last_event_id.strip())
    return ServerSentEvent(
        _stream(events_feed, broadcaster, config.heartbeat_seconds, resume),
        headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"},
    )
