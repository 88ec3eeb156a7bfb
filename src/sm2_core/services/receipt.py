"""Receipt: a dealership's text is stored and its parsing queued; nothing else.

This is all that sits between the carrier and its 200: even the sender is matched later, in the
parse task, so receipt is one write whatever the text says or who sent it.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from uuid import uuid4

import attrs

from sm2_core.domain.media import MediaRef
from sm2_core.domain.phone import normalize_phone
from sm2_core.domain.records import InboundMessage, ReceivedMedia, ReceivedSms
from sm2_core.errors import InvalidInput
from sm2_core.ports import CarrierInbox, Clock, InboundStore, TaskQueue, UnitOfWorkFactory
from sm2_core.tasks import FetchMedia, ParseMessage, TaskPayload

#: Twilio concatenates at most 10 segments; anything longer is not an SMS.
MAX_BODY_CHARS = 1600
#: Twilio attaches at most 10 media to one message.
MAX_MEDIA = 10
MAX_SID_CHARS = 64
#: Twilio's media URLs are about 150 characters; a content type a few dozen.
MAX_MEDIA_URL_CHARS = 2048
MAX_CONTENT_TYPE_CHARS = 200


@attrs.frozen
class Receipt:
    message: InboundMessage
    created: bool
    """False when this sid was already received (a repeated delivery)."""


@attrs.frozen
class RefusedText:
    """A text of the carrier's record that receipt would not take (it cannot be an SMS)."""

    sid: str
    reason: str
    """The fields at fault, as ``InvalidInput`` named them."""


@attrs.frozen
class ReconcileReport:
    """What reconciling with the carrier's record found: ``seen`` texts since ``since``, each
    either stored now, already here, or refused."""

    since: datetime
    seen: int = 0
    stored: int = 0
    """Texts we lacked (their webhook never reached us), stored and queued for parsing now."""
    already_had: int = 0
    refused: tuple[RefusedText, ...] = ()


@attrs.frozen
class StoreAndQueue:
    """An ``InboundStore`` on any unit of work: the text and its parse task commit together.
    Adapters that can do it in fewer round trips provide their own store."""

    uow: UnitOfWorkFactory

    async def store_and_queue(self, message: InboundMessage) -> tuple[InboundMessage, bool]:
        async with self.uow() as uow:
            stored, new = await uow.messages.add(message)
            if new:
                for task in receipt_tasks(stored):
                    uow.tasks.add(task)
        return stored, new


def receipt_tasks(message: InboundMessage) -> list[TaskPayload]:
    """What a newly stored text queues: its parse, and the fetch of each of its media items."""
    fetches = [FetchMedia(message_id=message.id, media_id=ref.id) for ref in message.media]
    return [ParseMessage(message_id=message.id), *fetches]


@attrs.define(kw_only=True, frozen=True)
class ReceiptService:
    uow: UnitOfWorkFactory
    clock: Clock
    tasks: TaskQueue
    inbound: InboundStore
    inbox: CarrierInbox
    """The carrier's own record of what our number received (reconciliation)."""

    async def receive_sms(self, sms: ReceivedSms) -> Receipt:
        """Store the text and queue its parsing (idempotent on sid). Raises InvalidInput,
        naming every field at fault, for a text that cannot be an SMS."""
        message = self._validated(sms)
        stored, new = await self.inbound.store_and_queue(message)
        return Receipt(message=stored, created=new)

    def _validated(self, sms: ReceivedSms) -> InboundMessage:
        problems = {name: "required" for name, value in _required(sms).items() if value is None}
        sid, body = (sms.sid or "").strip(), sms.body or ""
        sender, to_number = sms.from_number or "", sms.to_number or ""
        if "MessageSid" not in problems and (not sid or len(sid) > MAX_SID_CHARS):
            problems["MessageSid"] = f"required, at most {MAX_SID_CHARS} characters"
        if len(body) > MAX_BODY_CHARS:
            problems["Body"] = f"longer than {MAX_BODY_CHARS} characters"
        num_media = _small_count(sms.num_media or "0")
        if num_media is None or num_media > MAX_MEDIA:
            problems["NumMedia"] = f"must be 0..{MAX_MEDIA}"
        problems.update(_media_problems(sms.media))
        for name, value in (("Body", body), ("From", sender), ("To", to_number)):
            if "\x00" in value:
                problems[name] = "contains a NUL character"
        if "From" not in problems:
            try:
                sender = normalize_phone(sender)
            except InvalidInput:
                problems["From"] = "not a phone number"
        if problems:
            raise InvalidInput("invalid inbound message", fields=problems)
        return InboundMessage(
            id=uuid4(),
            sid=sid,
            from_number=sender,
            to_number=to_number.strip(),
            body=body,
            received_at=sms.sent_at or self.clock.now(),
            num_media=num_media or 0,
            media=tuple(
                MediaRef(id=uuid4(), url=(m.url or "").strip(), content_type=_type(m.content_type))
                for m in sms.media
            ),
        )

    async def reconcile(self, *, since: datetime) -> ReconcileReport:
        """Store every text the carrier received since ``since`` that we lack (a webhook that
        never arrived: our process down, the network), through receipt itself: the same checks
        and the same store, idempotent on sid. A text receipt refuses is counted and skipped.
        Raises NotConfigured or IntegrationError from the carrier, before storing anything."""
        texts = await self.inbox.received(since=since)
        stored = already_had = 0
        refused: list[RefusedText] = []
        for sms in texts:
            try:
                receipt = await self.receive_sms(sms)
            except InvalidInput as exc:
                reason = "; ".join(f"{k}: {v}" for k, v in exc.fields.items()) or exc.message
                refused.append(RefusedText(sid=sms.sid or "", reason=reason))
                continue
            if receipt.created:
                stored += 1
            else:
                already_had += 1
        return ReconcileReport(
            since=since,
            seen=len(texts),
            stored=stored,
            already_had=already_had,
            refused=tuple(refused),
        )

    async def requeue_waiting(self, *, older_than: timedelta = timedelta(minutes=2)) -> int:
        """Queue the parse again for texts left unparsed with no parse task waiting or running:
        a task that failed for good, or an ``InboundStore`` that queues after storing. A text
        still in a long backlog already has its task and gets no second one."""
        async with self.uow() as uow:
            waiting = await uow.messages.waiting(received_before=self.clock.now() - older_than)
        lost = await self.tasks.not_queued([ParseMessage(message_id=m.id) for m in waiting])
        for task in lost:
            await self.tasks.defer(task)
        return len(lost)


def _required(sms: ReceivedSms) -> dict[str, str | None]:
    """The fields every carrier request carries, by their wire names."""
    return {"MessageSid": sms.sid, "From": sms.from_number, "Body": sms.body}


def _media_problems(media: tuple[ReceivedMedia, ...]) -> dict[str, str]:
    """Each item's fields at fault, by their wire names (``MediaUrl0``, ``MediaContentType0``).
    Only what cannot be stored is refused here: the URL itself is judged when it is fetched."""
    if len(media) > MAX_MEDIA:
        return {"MediaUrl": f"at most {MAX_MEDIA} items"}
    problems = {}
    for n, item in enumerate(media):
        url, content_type = (item.url or "").strip(), item.content_type or ""
        if not url or len(url) > MAX_MEDIA_URL_CHARS or "\x00" in url:
            problems[f"MediaUrl{n}"] = f"required, at most {MAX_MEDIA_URL_CHARS} characters"
        if len(content_type) > MAX_CONTENT_TYPE_CHARS or "\x00" in content_type:
            problems[f"MediaContentType{n}"] = f"at most {MAX_CONTENT_TYPE_CHARS} characters"
    return problems


def _type(content_type: str | None) -> str | None:
    return (content_type or "").strip().lower() or None


def _small_count(raw: str) -> int | None:
    """Plain ASCII digits only: int() would also take "1_0", " 3" or other scripts' digits."""
    if raw.isascii() and raw.isdigit() and len(raw) <= 3:
        return int(raw)
    return None
