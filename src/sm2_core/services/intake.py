"""Intake: a stored text becomes ranked jobs, and the dealership hears back."""

from __future__ import annotations

from datetime import timedelta
from uuid import UUID, uuid4
from zoneinfo import ZoneInfo

import attrs

from sm2_core.domain.conversations import conversation_updated
from sm2_core.domain.entities import Dealership, Service
from sm2_core.domain.enums import Urgency
from sm2_core.domain.job import Job, Vehicle
from sm2_core.domain.records import (
    Actor,
    DomainEvent,
    InboundMessage,
    MessageStatus,
    OptOut,
    OutboundKind,
    OutboundSms,
)
from sm2_core.domain.window import resolve
from sm2_core.drafting import confirmation_text, draft_job, vehicle_from_request
from sm2_core.errors import NotFound, PermissionDenied
from sm2_core.lifecycle import created
from sm2_core.optout import Keyword, keyword, optout_event
from sm2_core.parsing import ParseResult
from sm2_core.policies import PolicyConfig
from sm2_core.ports import Clock, MessageParser, UnitOfWork, UnitOfWorkFactory
from sm2_core.services.common import add_new_job
from sm2_core.tasks import SendSms

_INTAKE = Actor.system("intake")
#: How long after a dispatcher's reply a text naming no service is taken as its answer.
REPLY_WINDOW = timedelta(hours=24)


@attrs.define(kw_only=True, frozen=True)
class IntakeService:
    """A received text becomes ranked jobs (or waits in the inbox); admins type jobs in."""

    uow: UnitOfWorkFactory
    parser: MessageParser
    clock: Clock
    config: PolicyConfig = attrs.field(factory=PolicyConfig)
    timezone: str = "America/Toronto"
    """The company's time zone (``SM2_TIMEZONE``): where "demain matin" is."""

    async def process_message(self, message_id: UUID) -> tuple[Job, ...]:
        """The parse task: jobs from one stored text. Running it twice creates nothing new."""
        async with self.uow() as uow:
            message = await uow.messages.get(message_id)
            dealership = await uow.dealerships.by_phone(message.from_number)
        if message.status is not MessageStatus.RECEIVED:
            return await self._existing_jobs(message)
        known = dealership if dealership is not None and dealership.is_active else None
        if (word := keyword(message.body)) is not None:
            # From any number, known or not: carriers require STOP to be honoured by whoever
            # sends it, and it must never become a job.
            await self._opt(message_id, word, known)
            return ()
        if dealership is None or not dealership.is_active:
            await self._unmatched(message_id)
            return ()
        # Parsing may call an LLM: never inside a transaction.
        result = await self.parser.parse(message.body, dealership_id=dealership.id)
        async with self.uow() as uow:
            # Locked and checked again: a second run of this task may have got here first.
            message = await uow.messages.get(message_id, for_update=True)
            if message.status is MessageStatus.RECEIVED:
                return await self._create_jobs(uow, message, dealership, result)
        return await self._existing_jobs(message)

    async def _opt(self, message_id: UUID, word: Keyword, dealership: Dealership | None) -> None:
        """STOP or START: the number is opted out (or back in); the text asks for no work and
        gets no confirmation. The event lets the board and the conversations show it at once."""
        async with self.uow() as uow:
            message = await uow.messages.get(message_id, for_update=True)
            if message.status is not MessageStatus.RECEIVED:
                return
            now = self.clock.now()
            opted_out = word == "stop"
            if opted_out:
                await uow.opt_outs.add(OptOut(message.from_number, now, "STOP"))
            else:
                await uow.opt_outs.remove(message.from_number)
            await uow.messages.update(
                attrs.evolve(
                    message,
                    status=MessageStatus.NO_WORK,
                    dealership_id=dealership.id if dealership is not None else None,
                )
            )
            uow.events.add(
                optout_event(
                    phone=message.from_number,
                    opted_out=opted_out,
                    subject_id=message.id,
                    now=now,
                    message_id=message.id,
                    dealership_id=dealership.id if dealership is not None else None,
                )
            )
            # The STOP itself is a text of the number's thread, like any other.
            uow.events.add(_conversation_event(message, self.clock))

    async def _unmatched(self, message_id: UUID) -> None:
        """An unknown or inactive sender: the text waits in the inbox, announced once."""
        async with self.uow() as uow:
            message = await uow.messages.get(message_id, for_update=True)
            if message.status is MessageStatus.RECEIVED:
                message = attrs.evolve(message, status=MessageStatus.UNMATCHED)
                await uow.messages.update(message)
                uow.events.add(_message_event(message, self.clock))
                uow.events.add(_conversation_event(message, self.clock))

    async def _existing_jobs(self, message: InboundMessage) -> tuple[Job, ...]:
        if not message.job_ids:
            return ()
        async with self.uow() as uow:
            return tuple([await uow.jobs.get(job_id) for job_id in message.job_ids])

    async def _create_jobs(
        self, uow: UnitOfWork, message: InboundMessage, dealership: Dealership, result: ParseResult
    ) -> tuple[Job, ...]:
        done = attrs.evolve(
            message,
            dealership_id=dealership.id,
            parser=result.parser,
            parse_confidence=result.confidence,
            language=result.language,
        )
        if not result.is_work or await _answers_a_reply(uow, message, result):
            await uow.messages.update(attrs.evolve(done, status=MessageStatus.NO_WORK))
            uow.events.add(_conversation_event(message, self.clock))
            return ()
        services = {s.code: s for s in await uow.services.all()}
        # "demain matin" proposes a window, read from when the text was received.
        zone = ZoneInfo(self.timezone)
        proposed = resolve(result.when, message.received_at, zone) if result.when else None
        rules = await uow.rules.all()
        now = self.clock.now()
        jobs = []
        for request in result.requests:
            job = draft_job(
                job_code=await uow.jobs.next_code(now.year),
                dealership=dealership,
                service=services.get(request.service_code or ""),
                vehicle=vehicle_from_request(request),
                base_urgency=result.urgency,
                rules=rules,
                confidence=result.confidence,
                config=self.config,
                now=now,
                warnings=result.warnings,
                source_message_id=message.id,
                request_text=message.body,
            )
            if proposed is not None:
                job = attrs.evolve(job, proposed_start=proposed.start, proposed_end=proposed.end)
            jobs.append(await add_new_job(uow, created(job, actor=_INTAKE)))
        await uow.messages.update(
            attrs.evolve(done, status=MessageStatus.PROCESSED, job_ids=tuple(j.id for j in jobs))
        )
        sms = OutboundSms(
            id=uuid4(),
            to_number=dealership.phone,
            created_at=now,
            job_ids=tuple(job.id for job in jobs),
            dealership_id=dealership.id,
            body=confirmation_text(jobs, services, result.language),
        )
        await uow.outbox.add(sms)
        # Queued by this transaction: the confirmation is sent if and only if the jobs exist.
        uow.tasks.add(SendSms(outbox_id=sms.id))
        # One event for the text and its confirmation: the thread shows both.
        uow.events.add(_conversation_event(message, self.clock))
        return tuple(jobs)

    async def create_job(
        self,
        *,
        dealership_id: UUID,
        service_code: str | None,
        vehicle: Vehicle,
        actor: Actor,
        request_text: str = "",
        source_message_id: UUID | None = None,
    ) -> Job:
        """An admin types a job in by hand (e.g. from an inbox message); same rules apply."""
        if not actor.is_admin:
            raise PermissionDenied("Only an admin may create a job by hand")
        async with self.uow() as uow:
            dealership = await uow.dealerships.get(dealership_id)
            service = await self._service(uow, service_code)
            now = self.clock.now()
            job = draft_job(
                job_code=await uow.jobs.next_code(now.year),
                dealership=dealership,
                service=service,
                vehicle=vehicle,
                base_urgency=Urgency.MEDIUM,
                rules=await uow.rules.all(),
                confidence=None,
                config=self.config,
                now=now,
                source_message_id=source_message_id,
                request_text=request_text,
            )
            saved = await add_new_job(uow, created(job, actor=actor))
            if source_message_id is not None:
                await self._attach(uow, source_message_id, saved)
            return saved

    @staticmethod
    async def _attach(uow: UnitOfWork, message_id: UUID, job: Job) -> None:
        """A text turned into a job by hand leaves the inbox and remembers its job."""
        message = await uow.messages.get(message_id, for_update=True)
        await uow.messages.update(
            attrs.evolve(
                message,
                status=MessageStatus.PROCESSED,
                job_ids=(*message.job_ids, job.id),
                dealership_id=message.dealership_id or job.dealership_id,
            )
        )

    async def message(self, message_id: UUID) -> InboundMessage:
        async with self.uow() as uow:
            return await uow.messages.get(message_id)

    @staticmethod
    async def _service(uow: UnitOfWork, code: str | None) -> Service | None:
        if code is None:
            return None
        service = await uow.services.by_code(code)
        if service is None or not service.is_active:
            raise NotFound("service", code)
        return service

    async def inbox(self, *, limit: int = 100) -> list[InboundMessage]:
        async with self.uow() as uow:
            return await uow.messages.inbox(limit=limit)


async def _answers_a_reply(uow: UnitOfWork, message: InboundMessage, result: ParseResult) -> bool:
    """A text that names no service, arriving within a day of a dispatcher's reply to its
    number, answers that reply ("VIN is WA1…"): it stays in the conversation, where the
    dispatcher applies it to the job asked about, instead of becoming a job of its own."""
    if any(request.service_code for request in result.requests):
        return False
    reply = await uow.outbox.last_sent(message.from_number, kind=OutboundKind.REPLY)
    if reply is None:
        return False
    sent = reply.sent_at or reply.created_at
    return sent <= message.received_at <= sent + REPLY_WINDOW


def _conversation_event(message: InboundMessage, clock: Clock) -> DomainEvent:
    return conversation_updated(message.from_number, subject_id=message.id, at=clock.now())


def _message_event(message: InboundMessage, clock: Clock) -> DomainEvent:
    return DomainEvent(
        name="message.unmatched",
        subject_id=message.id,
        occurred_at=clock.now(),
        data={
            "message_id": str(message.id),
            "from": message.from_number,
            "body": message.body[:160],
        },
    )
