"""The ``ParseBacklog`` and ``SendBacklog`` on the memory store and its task queue, keeping the
PostgreSQL ones' promises: leases in the order tasks were queued, of tasks never tried, due again
(and never leased twice) when they run out, and tasks taken off the queue only when the unit of
work commits."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any
from uuid import UUID

from sm2_core.domain.records import (
    Channel,
    InboundMessage,
    MessageStatus,
    OutboundSms,
    OutboundStatus,
)
from sm2_core.errors import NotFound
from sm2_core.tasks import ParseMessage, SendSms

if TYPE_CHECKING:
    from sm2_adapters.memory.store import MemoryStore

#: When a lease runs out on a queue without a clock: never (nothing would move the time).
_NEVER = datetime.max.replace(tzinfo=UTC)


class _Leases:
    """What a unit of work did to one kind of task: applied to the queue when it commits."""

    def __init__(self, store: MemoryStore) -> None:
        self._store = store
        self._leased: list[Any] = []
        self._until = _NEVER
        self._done: set[UUID] = set()
        self._again: set[UUID] = set()
        self._again_at = _NEVER

    def _key(self, task: object) -> UUID | None:
        """The id a task of this kind names; None for a task of another kind."""
        raise NotImplementedError

    def _due(self, own: UUID) -> list[Any]:
        """Tasks of this kind a lease may take: waiting, never tried, not ``own``'s."""
        queue = self._store.tasks
        return [
            task
            for task in queue.pending
            if self._key(task) not in (None, own) and task not in queue.tried
        ]

    def _at(self, seconds: float) -> datetime:
        clock = self._store.tasks.clock
        return _NEVER if clock is None else clock.now() + timedelta(seconds=seconds)

    def _lease(self, tasks: list[Any], seconds: float) -> None:
        self._leased += tasks
        self._until = self._at(seconds)

    def commit(self) -> None:
        queue = self._store.tasks
        for task in self._leased:
            # The very objects leased: another equal task queued meanwhile stays as it is.
            if any(task is waiting for waiting in queue.pending):
                queue.pending = [waiting for waiting in queue.pending if waiting is not task]
                queue.scheduled.append((self._until, task))
                queue.tried.append(task)
        if self._done:
            queue.pending = [t for t in queue.pending if self._key(t) not in self._done]
            queue.scheduled = [
                (at, t) for at, t in queue.scheduled if self._key(t) not in self._done
            ]
        if self._again:
            queue.scheduled = [
                (self._again_at if self._key(t) in self._again and t in queue.tried else at, t)
                for at, t in queue.scheduled
            ]


class MemoryParseBacklog(_Leases):
    def _key(self, task: object) -> UUID | None:
        return task.message_id if isinstance(task, ParseMessage) else None

    async def lease(self, message_id: UUID, *, more: int, seconds: float) -> list[InboundMessage]:
        messages = self._store.tables.messages
        if message_id not in messages:
            raise NotFound("message", message_id)
        due = self._due(message_id)[: max(more, 0)]
        self._lease(due, seconds)
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


class MemorySendBacklog(_Leases):
    def _key(self, task: object) -> UUID | None:
        return task.outbox_id if isinstance(task, SendSms) else None

    def _may_go(self, outbox_id: UUID) -> bool:
        tables = self._store.tables
        sms = tables.outbox.get(outbox_id)
        return (
            sms is not None
            and sms.status is OutboundStatus.QUEUED
            and sms.channel is not Channel.PUSH
            and sms.to_number not in tables.opt_outs
        )

    async def lease(self, outbox_id: UUID, *, more: int, seconds: float) -> list[OutboundSms]:
        due = [task for task in self._due(outbox_id) if self._may_go(task.outbox_id)]
        due = due[: max(more, 0)]
        self._lease(due, seconds)
        found: dict[UUID, OutboundSms] = {}
        for task in due:
            found.setdefault(task.outbox_id, self._store.tables.outbox[task.outbox_id])
        return list(found.values())

    async def done(self, outbox_ids: Sequence[UUID]) -> None:
        self._done.update(outbox_ids)

    async def again(self, outbox_ids: Sequence[UUID], *, seconds: float) -> None:
        self._again.update(outbox_ids)
        self._again_at = self._at(seconds)
