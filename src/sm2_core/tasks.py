"""The task registry: every queued task's name, payload and handler, declared once.

A task is named by its payload's type: a use case queues ``SendSms(outbox_id=...)``. The queue
adapters write ``TASKS.encode(payload)`` (the task's name and its arguments as strings), the
receipt statement reads the parse task's name and argument from ``PARSE_MESSAGE``, and a worker
turns what it fetched back into a payload with ``TASKS.decode`` and runs it with
``Services.run_task``. Adding a task is adding one ``TaskKind`` to ``TASKS``.

Every handler is safe to run twice: the queue delivers at least once.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from typing import TYPE_CHECKING, Any, Generic, TypeVar
from uuid import UUID

import attrs
from attrs import AttrsInstance

from sm2_core.errors import InvalidInput

if TYPE_CHECKING:
    from sm2_core.services import Services


@attrs.frozen
class ParseMessage:
    """A received text, to be turned into jobs."""

    message_id: UUID


@attrs.frozen
class SendSms:
    """A text in the outbox, to be sent once."""

    outbox_id: UUID


@attrs.frozen
class SyncInvoice:
    """An approved job, to be invoiced in the accounting system exactly once."""

    job_id: UUID


@attrs.frozen
class FetchMedia:
    """A photo or file a dealership texted (MMS), to be fetched from the carrier and kept."""

    message_id: UUID
    media_id: UUID


@attrs.frozen
class FlushNotices:
    """A technician's or dealership's waiting notices, to go out as one message."""

    recipient: str
    """``Recipient.key``: ``tech:<id>`` or ``dealer:<id>``."""


@attrs.frozen
class RefreshFromQuickBooks:
    """A change QuickBooks notified (an invoice or a payment), to be read and applied."""

    realm_id: str
    entity: str
    """``Invoice`` or ``Payment`` (``QbEntity``)."""
    entity_id: str
    operation: str
    """``Create``, ``Update``, ``Delete``, ``Void`` ... (``QbOperation``)."""
    last_updated: str
    """When QuickBooks says it changed (ISO 8601), or "" when the notification did not say."""


TaskPayload = (
    ParseMessage | SendSms | SyncInvoice | FetchMedia | FlushNotices | RefreshFromQuickBooks
)
P = TypeVar("P", bound=AttrsInstance)

#: How each payload field type travels: as a string in the queue's JSON arguments.
_DECODERS: dict[Any, Callable[[str], object]] = {UUID: UUID, str: str, int: int}


@attrs.frozen
class TaskKind(Generic[P]):
    name: str
    """The queue's task name: stored with every queued task, so never renamed lightly."""
    payload: type[P]
    handle: Callable[[Services, P], Awaitable[object]]
    priority: int = 0
    """Which waiting task a worker takes first: the highest, then the oldest."""

    def __attrs_post_init__(self) -> None:
        attrs.resolve_types(self.payload)
        for field in attrs.fields(self.payload):
            if field.type not in _DECODERS:
                raise TypeError(f"task {self.name}: field {field.name} cannot travel as a string")

    @property
    def argument_names(self) -> tuple[str, ...]:
        return tuple(field.name for field in attrs.fields(self.payload))

    def encode(self, payload: P) -> dict[str, str]:
        return {name: str(getattr(payload, name)) for name in self.argument_names}

    def decode(self, args: Mapping[str, Any]) -> P:
        try:
            values = {
                field.name: _DECODERS[field.type](args[field.name])
                for field in attrs.fields(self.payload)
            }
        except (KeyError, ValueError, TypeError, AttributeError) as exc:
            raise InvalidInput(f"bad arguments for task {self.name}: {dict(args)!r}") from exc
        return self.payload(**values)


async def _parse_message(services: Services, task: ParseMessage) -> object:
    return await services.intake.process_message(task.message_id)


async def _send_sms(services: Services, task: SendSms) -> object:
    return await services.outbox.send(task.outbox_id)


async def _sync_invoice(services: Services, task: SyncInvoice) -> object:
    return await services.billing.sync_invoice(task.job_id)


async def _fetch_media(services: Services, task: FetchMedia) -> object:
    return await services.media.fetch(task.message_id, task.media_id)


async def _flush_notices(services: Services, task: FlushNotices) -> object:
    return await services.notifications.flush(task.recipient)


async def _refresh_from_quickbooks(services: Services, task: RefreshFromQuickBooks) -> object:
    return await services.payments.notified_change(task)


#: Texts become jobs before anything else is done: under a burst the confirmations, alerts and
#: media fetches wait for the backlog of texts to be parsed (a batch of texts queues as many
#: of them, and each costs more than its text's share of a batch).
PARSE_MESSAGE = TaskKind("parse_message", ParseMessage, _parse_message, priority=1)
SEND_SMS = TaskKind("send_sms", SendSms, _send_sms)
SYNC_INVOICE = TaskKind("sync_invoice", SyncInvoice, _sync_invoice)
FETCH_MEDIA = TaskKind("fetch_media", FetchMedia, _fetch_media)
FLUSH_NOTICES = TaskKind("flush_notices", FlushNotices, _flush_notices)
REFRESH_FROM_QUICKBOOKS = TaskKind(
    "refresh_from_quickbooks", RefreshFromQuickBooks, _refresh_from_quickbooks
)


@attrs.frozen
class TaskRegistry:
    kinds: tuple[TaskKind[Any], ...]
    _by_name: dict[str, TaskKind[Any]] = attrs.field(init=False)
    _by_type: dict[type, TaskKind[Any]] = attrs.field(init=False)

    def __attrs_post_init__(self) -> None:
        object.__setattr__(self, "_by_name", {kind.name: kind for kind in self.kinds})
        object.__setattr__(self, "_by_type", {kind.payload: kind for kind in self.kinds})
        if len(self._by_name) != len(self.kinds) or len(self._by_type) != len(self.kinds):
            raise ValueError("task names and payload types must each be unique")

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(self._by_name)

    def kind_of(self, payload: TaskPayload) -> TaskKind[Any]:
        return self._by_type[type(payload)]

    def encode(self, payload: TaskPayload) -> tuple[str, dict[str, str]]:
        kind = self.kind_of(payload)
        return kind.name, kind.encode(payload)

    def decode(self, name: str, args: Mapping[str, Any]) -> TaskPayload:
        kind = self._by_name.get(name)
        if kind is None:
            raise InvalidInput(f"unknown task {name!r}")
        payload: TaskPayload = kind.decode(args)
        return payload

    async def run(self, services: Services, payload: TaskPayload) -> object:
        return await self.kind_of(payload).handle(services, payload)


TASKS = TaskRegistry(
    (
        PARSE_MESSAGE,
        SEND_SMS,
        SYNC_INVOICE,
        FETCH_MEDIA,
        FLUSH_NOTICES,
        REFRESH_FROM_QUICKBOOKS,
    )
)
