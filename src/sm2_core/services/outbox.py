"""The outbox: each message we send is recorded first, then sent once by a task.

A text goes by SMS. An alert to a technician who allowed notifications goes by Web Push first;
when no push gets through, or the phone does not acknowledge it in time, the same task sends
it by SMS. A send is never repeated blindly: the row is marked SENDING before the carrier is
called, and a task that finds it so asks the carrier's record before sending again.
"""

from __future__ import annotations

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


@attrs.define(kw_only=True, frozen=True)
class OutboxService:
    uow: UnitOfWorkFactory
    sms: SmsSender
    push: PushSender | None = None
    clock: Clock | None = None
    public_url: str = "http://127.0.0.1:8000"
    ack_seconds: float = 60.0
    """How long a pushed alert waits for the phone's acknowledgement before the SMS goes."""

    def _now(self, fallback: datetime) -> datetime:
        return self.clock.now() if self.clock is not None else fallback

    async def send(self, outbox_id: UUID) -> OutboundSms:
        """The send task: one outbox message, once; it stays recorded whatever happens."""
        async with self.uow() as uow:
            message = await uow.outbox.get(outbox_id)
            opted_out = await uow.opt_outs.get(message.to_number)
            # The common case, a text never tried: marked SENDING by the unit of work that read
            # it (one transaction fewer per text than reading, then marking).
            texted_now = opted_out is None and _first_try_by_sms(message)
            if texted_now:
                message = _sending(message)
                await uow.outbox.update(message)
        if texted_now:
            return await self._hand_to_carrier(message)
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
        return await self._hand_to_carrier(message)

    async def _hand_to_carrier(self, message: OutboundSms) -> OutboundSms:
        """Send ``message``, recorded SENDING by a committed unit of work, and settle it."""
        try:
            sid = await self.sms.send(to=message.to_number, body=message.body)
        except NotConfigured as exc:
            return await self._settle(message, OutboundStatus.NOT_CONFIGURED, error=exc.message)
        except IntegrationError as exc:
            if exc.code == OPTED_OUT_CODE:
                return await self._settle(
                    message, OutboundStatus.OPTED_OUT, error=exc.message, error_code=exc.code
                )
            if exc.transient:
                # A refusal the carrier answered was not sent: FAILED until the retry. A
                # timeout or a dropped connection may have been: SENDING, looked up first.
                status = (
                    OutboundStatus.SENDING if exc.code in _MAYBE_SENT else OutboundStatus.FAILED
                )
                async with self.uow() as uow:
                    await uow.outbox.update(attrs.evolve(message, status=status, error=exc.message))
                raise  # the task queue retries with backoff
            return await self._settle(
                message, OutboundStatus.FAILED, error=exc.message, error_code=exc.code
            )
        return await self._settle(message, OutboundStatus.SENT, provider_sid=sid)

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
        error_code: str | None = None,
    ) -> OutboundSms:
        now = self._now(message.created_at)
        settled = attrs.evolve(
            message,
            status=status,
            provider_sid=provider_sid or message.provider_sid,
            error=error,
            error_code=error_code,
            sent_at=now if status is OutboundStatus.SENT else message.sent_at,
        )
        async with self.uow() as uow:
            await uow.outbox.update(settled)
            if status is OutboundStatus.OPTED_OUT and error_code == OPTED_OUT_CODE:
                await _carrier_opt_out(uow, settled, now)
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
