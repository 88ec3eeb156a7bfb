"""The outbox: each message we send is recorded first, then sent once by a task.

A text goes by SMS. An alert to a technician who allowed notifications goes by Web Push first;
when no push gets through, or the phone does not acknowledge it in time, the same task sends
it by SMS. A send is never repeated blindly: the row is marked SENDING before the carrier is
called, and a task that finds it so asks the carrier's record before sending again.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any
from uuid import UUID

import attrs

from sm2_core.domain.records import (
    Channel,
    DomainEvent,
    OptOut,
    OutboundSms,
    OutboundStatus,
)
from sm2_core.errors import IntegrationError, NotConfigured
from sm2_core.optout import optout_event
from sm2_core.ports import (
    OPTED_OUT_CODE,
    Clock,
    PushSender,
    SmsSender,
    UnitOfWork,
    UnitOfWorkFactory,
)
from sm2_core.tasks import SendSms

#: Twilio's MessageStatus → ours; statuses before "sent" (queued, accepted, sending) change
#: nothing we have not recorded already.
_CARRIER_STATUS = {
    "sent": OutboundStatus.SENT,
    "delivered": OutboundStatus.DELIVERED,
    "read": OutboundStatus.DELIVERED,
    "undelivered": OutboundStatus.UNDELIVERED,
    "failed": OutboundStatus.FAILED,
    "canceled": OutboundStatus.FAILED,
}
#: A later callback never takes a message back (they may arrive out of order).
_RANK = {
    OutboundStatus.QUEUED: 0,
    OutboundStatus.SENDING: 1,
    OutboundStatus.PUSHED: 1,
    OutboundStatus.SENT: 2,
    OutboundStatus.DELIVERED: 3,
    OutboundStatus.UNDELIVERED: 3,
    OutboundStatus.FAILED: 3,
    OutboundStatus.NOT_CONFIGURED: 3,
    OutboundStatus.OPTED_OUT: 4,
}
#: Failures after which the carrier may have the text all the same (no answer was read).
_MAYBE_SENT = frozenset({"timeout", "connection", "bad_response"})
#: How long a push may wait in the push service for a phone that is off.
PUSH_TTL_SECONDS = 3600
#: Texts one send task takes: a task and two transactions for 32 texts, where each text had
#: its own (its confirmation cost a worker 1.4 ms of CPU and 16 round trips; docs/performance.md).
SEND_BATCH = 32
#: Carrier calls in flight per send task: a batch waits on the slowest of 8, not on the sum
#: of 32. A worker running 4 tasks has up to 32 calls in flight; a call beyond the account's
#: concurrency limit is refused with a 429, a transient failure tried again on its own task.
CARRIER_CALLS = 8
#: How long the other texts of a batch are the task's: well past a batch's worst case (four
#: rounds of calls that each time out after 15 s), so a task never sends a text its batch
#: still holds. A batch that never finished (its worker died) leaves its texts to their own
#: tasks after it; each asks the carrier's record first.
SEND_LEASE_SECONDS = 180.0
#: When a batched text the carrier refused for now is tried again, on its own task (then
#: with the queue's backoff, as any task's retry).
RETRY_SECONDS = 2.0


@attrs.define(kw_only=True, frozen=True)
class OutboxService:
    uow: UnitOfWorkFactory
    sms: SmsSender
    push: PushSender | None = None
    clock: Clock | None = None
    public_url: str = "http://127.0.0.1:8000"
    ack_seconds: float = 60.0
    """How long a pushed alert waits for the phone's acknowledgement before the SMS goes."""
    batch_size: int = SEND_BATCH
    carrier_calls: int = CARRIER_CALLS
    lease_seconds: float = SEND_LEASE_SECONDS
    retry_seconds: float = RETRY_SECONDS

    def _now(self, fallback: datetime) -> datetime:
        return self.clock.now() if self.clock is not None else fallback

    async def send(self, outbox_id: UUID) -> OutboundSms:
        """The send task: one outbox message, once; it stays recorded whatever happens. A
        text never tried takes with it up to ``batch_size - 1`` other texts waiting for their
        first send (their own tasks leased, ``SendBacklog``)."""
        batch: list[OutboundSms] = []
        async with self.uow() as uow:
            message = await uow.outbox.get(outbox_id)
            opted_out = await uow.opt_outs.get(message.to_number)
            # The common case, a text never tried: marked SENDING, with the batch it leads, by
            # the unit of work that read it (one transaction fewer than reading, then marking).
            if opted_out is None and _first_try_by_sms(message):
                others = await uow.send_backlog.lease(
                    outbox_id, more=self.batch_size - 1, seconds=self.lease_seconds
                )
                batch = [_sending(m) for m in (message, *others)]
                await uow.outbox.update_many(batch)
        if batch:
            return await self._hand_to_carrier(batch)
        if message.is_settled:
            return message
        if opted_out is not None:
            return await self._settle(
                message, OutboundStatus.OPTED_OUT, error="the number texted STOP"
            )
        if message.channel is Channel.PUSH and message.status is OutboundStatus.QUEUED:
            pushed = await self._push(message)
            if pushed is not None:
                return pushed
        return await self._text(message)

    # --- Web Push ------------------------------------------------------------------------------

    async def _push(self, message: OutboundSms) -> OutboundSms | None:
        """Push to each of the technician's browsers; the message PUSHED when one took it (its
        SMS fallback queued for when the acknowledgement is due), else None: send the SMS."""
        if self.push is None or self.push.public_key is None or message.technician_id is None:
            return None
        async with self.uow() as uow:
            subscriptions = await uow.push_subscriptions.for_technician(message.technician_id)
        accepted = False
        for subscription in subscriptions:
            try:
                outcome = await self.push.push(
                    subscription, self._payload(message), ttl_seconds=PUSH_TTL_SECONDS
                )
            except (IntegrationError, NotConfigured):
                continue  # this browser is unreachable now: the others, or the SMS, tell them
            if outcome.gone:
                async with self.uow() as uow:
                    await uow.push_subscriptions.remove(subscription.endpoint)
            accepted = accepted or outcome.accepted
        if not accepted:
            return None
        now = self._now(message.created_at)
        async with self.uow() as uow:
            current = await uow.outbox.get(message.id, for_update=True)
            if current.status is not OutboundStatus.QUEUED:
                return current  # acknowledged already (or sent by a twin task)
            pushed = attrs.evolve(current, status=OutboundStatus.PUSHED, sent_at=now)
            await uow.outbox.update(pushed)
            # The same task again when the acknowledgement is due: SMS unless acknowledged.
            uow.tasks.add(
                SendSms(outbox_id=message.id), at=now + timedelta(seconds=self.ack_seconds)
            )
        return pushed

    def _payload(self, message: OutboundSms) -> dict[str, Any]:
        base = self.public_url.rstrip("/")
        url = (
            f"{base}/tech/jobs/{message.job_ids[0]}"
            if len(message.job_ids) == 1
            else f"{base}/tech"
        )
        return {
            "id": str(message.id),
            "title": message.title or "SM2 Dispatch",
            "body": message.body,
            "url": url,
            "tag": str(message.id),
        }

    # --- SMS -----------------------------------------------------------------------------------

    async def _text(self, message: OutboundSms) -> OutboundSms:
        if message.status is OutboundStatus.SENDING:
            # An earlier try may have reached the carrier without its answer reaching us.
            found = await self._find_sent(message)
            if found is not None:
                return await self._settle(message, OutboundStatus.SENT, provider_sid=found)
        message = _sending(message)
        async with self.uow() as uow:
            await uow.outbox.update(message)
        return await self._hand_to_carrier([message])

    async def _hand_to_carrier(self, batch: Sequence[OutboundSms]) -> OutboundSms:
        """Send each text of ``batch``, recorded SENDING by a committed unit of work, at most
        ``carrier_calls`` at once, and record in one unit of work what the carrier answered.

        The first is the task's own: returned as recorded, or its transient failure raised for
        the queue's retry. The others' tasks leave the queue with their texts settled; a text
        to try again has its task due on its own, with the queue's retries, in
        ``retry_seconds``. An error the carrier's adapter does not name leaves its text
        SENDING and is raised once the others are recorded: its task, due when its lease runs
        out, asks the carrier's record before sending again."""
        gate = asyncio.Semaphore(self.carrier_calls)

        async def answer(message: OutboundSms) -> str | Exception:
            async with gate:
                try:
                    return await self.sms.send(to=message.to_number, body=message.body)
                except Exception as exc:  # recorded, or raised once the others are
                    return exc

        answers = await asyncio.gather(*map(answer, batch))
        now = self._now(batch[0].created_at)
        recorded = {
            m.id: _recorded(m, a, now)
            for m, a in zip(batch, answers, strict=True)
            if isinstance(a, str | NotConfigured | IntegrationError)
        }
        async with self.uow() as uow:
            await uow.outbox.update_many([r.message for r in recorded.values()])
            for r in recorded.values():
                if r.carrier_opt_out:
                    await _carrier_opt_out(uow, r.message, now)
                if r.settled:
                    uow.events.add(status_event(r.message, now))
            others = [m.id for m in batch[1:]]
            await uow.send_backlog.done(
                [i for i in others if i in recorded and recorded[i].settled]
            )
            await uow.send_backlog.again(
                [i for i in others if i in recorded and not recorded[i].settled],
                seconds=self.retry_seconds,
            )
        unnamed = [
            a
            for a in answers
            if isinstance(a, Exception) and not isinstance(a, NotConfigured | IntegrationError)
        ]
        if unnamed:
            raise unnamed[0]
        own, first = recorded[batch[0].id], answers[0]
        if not own.settled and isinstance(first, Exception):
            raise first  # the task queue retries with backoff
        return own.message

    async def _find_sent(self, message: OutboundSms) -> str | None:
        try:
            return await self.sms.find_sent(
                to=message.to_number, body=message.body, since=message.created_at
            )
        except NotConfigured:
            return None

    async def _settle(
        self,
        message: OutboundSms,
        status: OutboundStatus,
        *,
        provider_sid: str | None = None,
        error: str | None = None,
    ) -> OutboundSms:
        now = self._now(message.created_at)
        settled = _settled(message, status, now, provider_sid=provider_sid, error=error)
        async with self.uow() as uow:
            await uow.outbox.update(settled)
            uow.events.add(status_event(settled, now))
        return settled

    # --- what the carrier and the phones tell us -----------------------------------------------

    async def delivery_report(
        self, *, sid: str, status: str, error_code: str | None
    ) -> OutboundSms | None:
        """A carrier's status callback: the message it names moves on (never back). None when
        the sid is none of ours."""
        target = _CARRIER_STATUS.get(status.strip().lower())
        if error_code == OPTED_OUT_CODE:
            target = OutboundStatus.OPTED_OUT
        async with self.uow() as uow:
            message = await uow.outbox.by_provider_sid(sid, for_update=True)
            if message is None:
                return None
            if target is None or _RANK[target] <= _RANK[message.status]:
                return message
            now = self._now(message.created_at)
            updated = attrs.evolve(
                message, status=target, error_code=error_code or message.error_code
            )
            await uow.outbox.update(updated)
            if target is OutboundStatus.OPTED_OUT:
                await _carrier_opt_out(uow, updated, now)
            uow.events.add(status_event(updated, now))
        return updated

    async def acknowledged(self, uow: UnitOfWork, message: OutboundSms, now: datetime) -> None:
        """The technician's phone showed the pushed alert: no SMS needed."""
        if message.status is not OutboundStatus.PUSHED:
            return
        done = attrs.evolve(message, status=OutboundStatus.DELIVERED, channel=Channel.PUSH)
        await uow.outbox.update(done)
        uow.events.add(status_event(done, now))


async def _carrier_opt_out(uow: UnitOfWork, message: OutboundSms, now: datetime) -> None:
    """Twilio refuses the number (it texted STOP to Twilio itself): recorded as ours, and
    announced as a STOP texted to us is."""
    await uow.opt_outs.add(OptOut(message.to_number, now, "carrier"))
    uow.events.add(
        optout_event(
            phone=message.to_number,
            opted_out=True,
            subject_id=message.id,
            now=now,
            dealership_id=message.dealership_id,
        )
    )


def status_event(message: OutboundSms, now: datetime) -> DomainEvent:
    """For the board and the Messages page: a message's delivery moved on. Named for the
    admins only (``technician_id``, not ``tech_id``: technicians' streams skip it)."""
    return DomainEvent(
        name="message.status",
        subject_id=message.id,
        occurred_at=now,
        data={
            "outbox_id": str(message.id),
            "to": message.to_number,
            "status": message.status.value,
            "kind": message.kind.value,
            "channel": message.channel.value,
            "technician_id": str(message.technician_id) if message.technician_id else None,
            "job_ids": [str(job_id) for job_id in message.job_ids],
            "error_code": message.error_code,
        },
    )


def _first_try_by_sms(message: OutboundSms) -> bool:
    """A text no task has tried yet, to go by SMS: nothing to look up or push first."""
    return message.status is OutboundStatus.QUEUED and message.channel is not Channel.PUSH


def _sending(message: OutboundSms) -> OutboundSms:
    """``message`` as recorded before it is handed to the carrier."""
    return attrs.evolve(message, status=OutboundStatus.SENDING, channel=Channel.SMS)


@attrs.frozen
class _Recorded:
    """A text as the carrier's answer leaves it."""

    message: OutboundSms
    settled: bool
    """False: to be tried again (a transient failure)."""
    carrier_opt_out: bool = False
    """The carrier refused the number: it texted STOP to the carrier itself."""


def _recorded(
    message: OutboundSms, answer: str | NotConfigured | IntegrationError, now: datetime
) -> _Recorded:
    """``message``, handed to the carrier, as its answer (a sid, or the error) leaves it."""
    if isinstance(answer, str):
        return _Recorded(_settled(message, OutboundStatus.SENT, now, provider_sid=answer), True)
    if isinstance(answer, NotConfigured):
        return _Recorded(
            _settled(message, OutboundStatus.NOT_CONFIGURED, now, error=answer.message), True
        )
    if answer.code == OPTED_OUT_CODE:
        status = OutboundStatus.OPTED_OUT
        opted = _settled(message, status, now, error=answer.message, error_code=answer.code)
        return _Recorded(opted, True, carrier_opt_out=True)
    if answer.transient:
        # A refusal the carrier answered was not sent: FAILED until the retry. A timeout or a
        # dropped connection may have been: SENDING, looked up first.
        status = OutboundStatus.SENDING if answer.code in _MAYBE_SENT else OutboundStatus.FAILED
        return _Recorded(attrs.evolve(message, status=status, error=answer.message), False)
    failed = _settled(
        message, OutboundStatus.FAILED, now, error=answer.message, error_code=answer.code
    )
    return _Recorded(failed, True)


def _settled(
    message: OutboundSms,
    status: OutboundStatus,
    now: datetime,
    *,
    provider_sid: str | None = None,
    error: str | None = None,
    error_code: str | None = None,
) -> OutboundSms:
    return attrs.evolve(
        message,
        status=status,
        provider_sid=provider_sid or message.provider_sid,
        error=error,
        error_code=error_code,
        sent_at=now if status is OutboundStatus.SENT else message.sent_at,
    )
