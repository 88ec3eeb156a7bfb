"""The ``ParseBacklog`` on the memory store and its task queue, keeping the PostgreSQL one's
promises: leases in arrival order of texts never tried, due again (and never leased twice)
when they run out, and tasks taken off the queue only when the unit of work commits."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING
from uuid import UUID

from sm2_core.domain.records import InboundMessage, MessageStatus
from sm2_core.errors import NotFound
from sm2_core.tasks import ParseMessage

if TYPE_CHECKING:
    from sm2_adapters.memory.store import MemoryStore

#: When a lease runs out on a queue without a clock: never (nothing would move the time).
_NEVER = datetime.max.replace(tzinfo=UTC)


class MemoryParseBacklog:
    def __init__(self, store: MemoryStore) -> None:
        self._store = store
        self._leased: list[ParseMessage] = []
        self._until = _NEVER
        self._done: set[UUID] = set()

    async def lease(self, message_id: UUID, *, more: int, seconds: float) -> list[InboundMessage]:
        messages = self._store.tables.messages
        if message_id not in messages:
            raise NotFound("message", message_id)
        queue = self._store.tasks
        due = [
            task
            for task in queue.pending
            if isinstance(task, ParseMessage)
            and task.message_id != message_id
            and task not in queue.tried
        ][: max(more, 0)]
        self._leased += due
        if queue.clock is not None:
            self._until = queue.clock.now() + timedelta(seconds=seconds)
        found = {message_id: messages[message_id]}
        for task in due:
            if task.message_id in messages:
                found.setdefault(task.message_id, messages[task.message_id])
        return list(found.values())

    async def hold(self, message_ids: Sequence[UUID]) -> list[InboundMessage]:
        self._done.update(message_ids)
        messages = self._store.tables.messages
        return [
            messages[i]
            for i in message_ids
            if i in messages and messages[i].status is MessageStatus.RECEIVED
        ]

    def commit(self) -> None:
        """What the unit of work's statements would have done, now that it commits."""
        queue = self._store.tasks
        for task in self._leased:
            # The very objects leased: another equal task queued meanwhile stays as it is.
            if any(task is waiting for waiting in queue.pending):
                queue.pending = [waiting for waiting in queue.pending if waiting is not task]
                queue.scheduled.append((self._until, task))
                queue.tried.append(task)
        if self._done:
            queue.pending = [t for t in queue.pending if not self._parses_done(t)]
            queue.scheduled = [(at, t) for at, t in queue.scheduled if not self._parses_done(t)]

    def _parses_done(self, task: object) -> bool:
        return isinstance(task, ParseMessage) and task.message_id in self._done
