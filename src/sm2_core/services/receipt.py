"""Receipt: a dealership's text is stored and its parsing queued; nothing else.

This is all that sits between the carrier and its 200: even the sender is matched later, in the
parse task, so receipt is one write whatever the text says or who sent it.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from uuid import uuid4

import attrs

from sm2_core.domain.phone import normalize_phone
from sm2_core.domain.records import InboundMessage, ReceivedSms
from sm2_core.errors import InvalidInput
from sm2_core.ports import CarrierInbox, Clock, InboundStore, TaskQueue, UnitOfWorkFactory
from sm2_core.tasks import ParseMessage

#: Twilio concatenates at most 10 segments; anything longer is not an SMS.
MAX_BODY_CHARS = 1600
#: Twilio attaches at most 10 media to one message.
MAX_MEDIA = 10
MAX_SID_CHARS = 64


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
                uow.tasks.add(ParseMessage(message_id=stored.id))
        return stored, new


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


def _small_count(raw: str) -> int | None:
    """Plain ASCII digits only: int() would also take "1_0", " 3" or other scripts' digits."""
    if raw.isascii() and raw.isdigit() and len(raw) <= 3:
        return int(raw)
    return None
