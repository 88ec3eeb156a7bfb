"""Telling technicians and dealerships: notices become messages, push subscriptions, the
morning summary.

Notices are recorded with the job change that calls for them (``common.queue_notices``); the
``FlushNotices`` task turns a recipient's waiting notices into one outbox message, composed at
that moment from the jobs as they are then.
"""

from __future__ import annotations

import base64
import binascii
import ipaddress
from collections.abc import Sequence
from datetime import datetime, time, timedelta
from urllib.parse import urlsplit
from uuid import UUID, uuid4
from zoneinfo import ZoneInfo

import attrs

from sm2_core.domain.entities import Dealership, Technician
from sm2_core.domain.enums import JobStatus, Language, Role
from sm2_core.domain.job import Job
from sm2_core.domain.notices import Audience, Notice, NoticeKind, Recipient
from sm2_core.domain.push import PushSubscription
from sm2_core.domain.records import Actor, Channel, OutboundKind, OutboundSms
from sm2_core.domain.window import local_day
from sm2_core.errors import InvalidInput, NotFound, PermissionDenied
from sm2_core.notices import (
    Context,
    dealership_status,
    latest_per_job,
    morning_summary,
    relevant,
    technician_alert,
)
from sm2_core.ports import Clock, PushSender, UnitOfWork, UnitOfWorkFactory
from sm2_core.services.outbox import OutboxService
from sm2_core.tasks import SendSms

#: A summary is not sent later than this after its time (a worker that was down all morning
#: does not send "good morning" at 3 pm).
SUMMARY_GRACE = timedelta(hours=2)
_DAY = (JobStatus.SCHEDULED, JobStatus.IN_PROGRESS)
_MAX_ENDPOINT = 2048


@attrs.define(kw_only=True, frozen=True)
class NotificationService:
    uow: UnitOfWorkFactory
    clock: Clock
    outbox: OutboxService
    push: PushSender | None = None
    public_url: str = "http://127.0.0.1:8000"
    timezone: str = "America/Toronto"
    summary_at: time = time(6, 30)

    # --- notices → messages --------------------------------------------------------------------

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    async def flush(self, recipient_key: str) -> OutboundSms | None:
        """The ``FlushNotices`` task: the recipient's waiting notices as one message (None when
        none wait, or none is worth a message). Safe to run twice: the notices are taken once."""
        recipient = Recipient.parse(recipient_key)
        async with self.uow() as uow:
            pending = await uow.notices.pending(recipient)
            if not pending:
                return None
            now = self.clock.now()
            if recipient.audience is Audience.TECHNICIAN:
                message = await self._technician_message(uow, recipient.id, pending, now)
            else:
                message = await self._dealership_message(uow, recipient.id, pending, now)
            ids = [notice.id for notice in pending]
            if message is not None:
                await uow.outbox.add(message)
                uow.tasks.add(SendSms(outbox_id=message.id))
            await uow.notices.mark_sent(ids, outbox_id=message.id if message else None, at=now)
        return message

    async def _technician_message(
        self, uow: UnitOfWork, tech_id: UUID, pending: Sequence[Notice], now: datetime
    ) -> OutboundSms | None:
        tech = await uow.technicians.get(tech_id)
        if not tech.is_active:
            return None
        context = await _context(uow, [n.job_id for n in pending], self.zone)
        notices = _still_news(relevant(pending), context, tech_id)
        if not notices:
            return None
        job_ids = tuple(dict.fromkeys(n.job_id for n in notices))
        link = self._link(job_ids)
        return OutboundSms(
            id=uuid4(),
            to_number=tech.phone,
            body=technician_alert(notices, context, tech.language, link),
            created_at=now,
            kind=OutboundKind.ALERT,
            channel=await self._channel(uow, tech),
            job_ids=job_ids,
            technician_id=tech.id,
            title=_ALERT_TITLE[tech.language],
        )

    async def _dealership_message(
        self, uow: UnitOfWork, dealership_id: UUID, pending: Sequence[Notice], now: datetime
    ) -> OutboundSms | None:
        dealership = await uow.dealerships.get(dealership_id)
        if not dealership.is_active:
            return None
        wanted = latest_per_job([n for n in pending if n.kind in dealership.notify_on])
        context = await _context(uow, [n.job_id for n in wanted], self.zone)
        # A technician assigned and taken off again within the window was never news.
        notices = [
            n
            for n in wanted
            if n.kind is not NoticeKind.ASSIGNED or context.jobs[n.job_id].tech_id is not None
        ]
        if not notices:
            return None
        language = await _conversation_language(uow, dealership, list(context.jobs.values()))
        return OutboundSms(
            id=uuid4(),
            to_number=dealership.phone,
            body=dealership_status(notices, context, language),
            created_at=now,
            kind=OutboundKind.STATUS,
            job_ids=tuple(dict.fromkeys(n.job_id for n in notices)),
            dealership_id=dealership.id,
        )

    async def _channel(self, uow: UnitOfWork, tech: Technician) -> Channel:
        if self.push is None or self.push.public_key is None:
            return Channel.SMS
        subscriptions = await uow.push_subscriptions.for_technician(tech.id)
        return Channel.PUSH if subscriptions else Channel.SMS

    def _link(self, job_ids: Sequence[UUID]) -> str:
        base = self.public_url.rstrip("/")
        return f"{base}/tech/jobs/{job_ids[0]}" if len(job_ids) == 1 else f"{base}/tech"

    # --- the morning summary -------------------------------------------------------------------

    async def morning_summary(self) -> list[OutboundSms]:
        """Each technician's jobs of the day, once a day, from ``summary_at`` in the company's
        time zone (a periodic task calls this every minute; the first call past the time of a
        day sends it)."""
        now = self.clock.now()
        local = now.astimezone(ZoneInfo(self.timezone))
        start = datetime.combine(local.date(), self.summary_at, tzinfo=local.tzinfo)
        if not start <= local < start + SUMMARY_GRACE:
            return []
        sent: list[OutboundSms] = []
        async with self.uow() as uow:
            if not await uow.notices.claim_summary(local.date(), at=now):
                return []
            for tech in await uow.technicians.all():
                message = await self._summary(uow, tech, now)
                if message is not None:
                    await uow.outbox.add(message)
                    uow.tasks.add(SendSms(outbox_id=message.id))
                    sent.append(message)
        return sent

    async def _summary(
        self, uow: UnitOfWork, tech: Technician, now: datetime
    ) -> OutboundSms | None:
        if not tech.is_active:
            return None
        today = local_day(now.astimezone(self.zone).date(), self.zone)
        jobs = [
            j
            for j in await uow.jobs.for_technician(tech.id, list(_DAY))
            # Work booked for a later day is not today's; work with no window, or from an
            # earlier day and not done, is.
            if j.window_start is None or j.window_start < today.end
        ]
        if not jobs:
            return None
        jobs = sorted(jobs, key=_in_day_order)
        context = await _context(uow, [j.id for j in jobs], self.zone)
        job_ids = tuple(j.id for j in jobs)
        return OutboundSms(
            id=uuid4(),
            to_number=tech.phone,
            body=morning_summary(jobs, context, tech.language, self._link(())),
            created_at=now,
            kind=OutboundKind.SUMMARY,
            channel=await self._channel(uow, tech),
            job_ids=job_ids,
            technician_id=tech.id,
            title=_ALERT_TITLE[tech.language],
        )

    async def failed_alerts(self, *, hours: int = 24) -> FailedAlerts:
        """Alerts of the last ``hours`` that did not reach their technician: the dispatcher
        calls them instead."""
        since = self.clock.now() - timedelta(hours=hours)
        async with self.uow() as uow:
            messages = await uow.outbox.failed_alerts(since=since, limit=20)
            codes = {}
            for message in messages:
                for job_id in message.job_ids:
                    if job_id not in codes:
                        codes[job_id] = (await uow.jobs.get(job_id)).job_code
        return FailedAlerts(tuple(messages), codes)

    # --- the technician's browsers -------------------------------------------------------------

    @property
    def push_key(self) -> str | None:
        """The VAPID public key browsers subscribe with; None when push is off."""
        return self.push.public_key if self.push is not None else None

    async def subscribe(
        self, *, actor: Actor, endpoint: str, p256dh: str, auth: str, user_agent: str | None
    ) -> PushSubscription:
        tech_id = _technician_of(actor)
        _check_endpoint(endpoint)
        _check_key("keys.p256dh", p256dh, 65)
        _check_key("keys.auth", auth, 16)
        subscription = PushSubscription(
            id=uuid4(),
            technician_id=tech_id,
            endpoint=endpoint,
            p256dh=p256dh,
            auth=auth,
            created_at=self.clock.now(),
            user_agent=(user_agent or None) and user_agent[:300],
        )
        async with self.uow() as uow:
            await uow.technicians.get(tech_id)
            return await uow.push_subscriptions.save(subscription)

    async def unsubscribe(self, *, actor: Actor, endpoint: str) -> bool:
        tech_id = _technician_of(actor)
        async with self.uow() as uow:
            return await uow.push_subscriptions.remove(endpoint, technician_id=tech_id)

    async def acknowledge(self, outbox_id: UUID, *, actor: Actor) -> None:
        """The technician's phone displayed the pushed alert: the SMS fallback is not sent."""
        tech_id = _technician_of(actor)
        async with self.uow() as uow:
            try:
                message = await uow.outbox.get(outbox_id, for_update=True)
            except NotFound:
                raise NotFound("message", outbox_id) from None
            if message.technician_id != tech_id:
                raise NotFound("message", outbox_id)
            await self.outbox.acknowledged(uow, message, self.clock.now())


def _in_day_order(job: Job) -> tuple[bool, datetime | None, bool, int]:
    """By window, then work with none: in progress first, most urgent next."""
    return (
        job.window_start is None,
        job.window_start,
        job.status is not JobStatus.IN_PROGRESS,
        -job.urgency.rank,
    )


@attrs.frozen
class FailedAlerts:
    messages: tuple[OutboundSms, ...]
    job_codes: dict[UUID, str]


_ALERT_TITLE = {Language.FR: "SM2 : votre journée", Language.EN: "SM2: your day"}


async def _context(uow: UnitOfWork, job_ids: Sequence[UUID], zone: ZoneInfo) -> Context:
    jobs = {job_id: await uow.jobs.get(job_id) for job_id in dict.fromkeys(job_ids)}
    services = {}
    dealerships = {}
    zones = {}
    technicians = {}
    for job in jobs.values():
        if job.service_id and job.service_id not in services:
            services[job.service_id] = await uow.services.get(job.service_id)
        if job.dealership_id not in dealerships:
            dealerships[job.dealership_id] = await uow.dealerships.get(job.dealership_id)
        if job.zone_id and job.zone_id not in zones:
            zones[job.zone_id] = await uow.zones.get(job.zone_id)
        if job.tech_id and job.tech_id not in technicians:
            technicians[job.tech_id] = await uow.technicians.get(job.tech_id)
    return Context(
        jobs=jobs,
        services=services,
        dealerships=dealerships,
        zones=zones,
        technicians=technicians,
        zone=zone,
    )


def _still_news(notices: Sequence[Notice], context: Context, tech_id: UUID) -> list[Notice]:
    """A job given to the technician and taken back before they heard of it is not news."""
    given_back = {
        n.job_id
        for n in notices
        if n.kind is NoticeKind.ASSIGNED and context.jobs[n.job_id].tech_id != tech_id
    }
    return [n for n in notices if n.job_id not in given_back]


async def _conversation_language(
    uow: UnitOfWork, dealership: Dealership, jobs: Sequence[Job]
) -> Language:
    """The language the dealership last wrote to us in (its jobs' texts), else its own."""
    newest: tuple[datetime, Language] | None = None
    for job in jobs:
        if job.source_message_id is None:
            continue
        message = await uow.messages.get(job.source_message_id)
        if message.language is not None and (newest is None or message.received_at > newest[0]):
            newest = (message.received_at, message.language)
    return newest[1] if newest else dealership.language


def _technician_of(actor: Actor) -> UUID:
    if actor.role is not Role.TECH or actor.technician_id is None:
        raise PermissionDenied("Only a technician's own login manages their notifications")
    return actor.technician_id


def _check_endpoint(endpoint: str) -> None:
    parts = urlsplit(endpoint)
    loopback = False
    try:
        loopback = ipaddress.ip_address(parts.hostname or "").is_loopback
    except ValueError:
        loopback = parts.hostname == "localhost"
    secure = parts.scheme == "https" or (parts.scheme == "http" and loopback)
    if not secure or not parts.hostname or len(endpoint) > _MAX_ENDPOINT:
        raise InvalidInput(
            "endpoint must be the push service's https URL",
            fields={"endpoint": "not an https URL"},
        )


def _check_key(name: str, value: str, size: int) -> None:
    try:
        raw = base64.urlsafe_b64decode(value + "=" * (-len(value) % 4))
    except (binascii.Error, ValueError):
        raw = b""
    if len(raw) != size:
        raise InvalidInput(
            f"{name} must be {size} bytes, base64url", fields={name: f"not {size} bytes"}
        )
