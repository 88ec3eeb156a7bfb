"""Intake: a dealership's text becomes ranked jobs, and the dealership hears back."""

from __future__ import annotations

from datetime import timedelta
from uuid import UUID, uuid4

import attrs

from sm2_core.domain.entities import Dealership, Service
from sm2_core.domain.enums import Urgency
from sm2_core.domain.job import Job, Vehicle
from sm2_core.domain.phone import normalize_phone
from sm2_core.domain.records import (
    Actor,
    DomainEvent,
    InboundMessage,
    MessageStatus,
    OutboundSms,
)
from sm2_core.drafting import confirmation_text, draft_job, vehicle_from_request
from sm2_core.errors import (
    IntegrationError,
    InvalidInput,
    NotConfigured,
    NotFound,
    PermissionDenied,
)
from sm2_core.lifecycle import created
from sm2_core.parsing import ParseResult
from sm2_core.policies import PolicyConfig
from sm2_core.ports import (
    Clock,
    InboundStore,
    MessageParser,
    SmsSender,
    TaskQueue,
    UnitOfWork,
    UnitOfWorkFactory,
)
from sm2_core.services.common import add_new_job

#: Twilio concatenates at most 10 segments; anything longer is not an SMS.
MAX_BODY_CHARS = 1600
#: Twilio attaches at most 10 media to one message.
MAX_MEDIA = 10
PARSE_TASK = "parse_message"
SMS_TASK = "send_sms"
_INTAKE = Actor.system("intake")


@attrs.frozen
class Receipt:
    message: InboundMessage
    created: bool
    """False when this sid was already received (a repeated delivery)."""


@attrs.frozen
class StoreAndQueue:
    """An ``InboundStore`` on any unit of work: the text and its task commit together.
    Adapters that can do it in fewer round trips provide their own store."""

    uow: UnitOfWorkFactory

    async def store_and_queue(
        self, message: InboundMessage, *, task: str
    ) -> tuple[InboundMessage, bool]:
        async with self.uow() as uow:
            stored, new = await uow.messages.add(message)
            if new:
                uow.tasks.add(task, {"message_id": str(stored.id)})
        return stored, new


@attrs.define(kw_only=True, frozen=True)
class IntakeService:
    uow: UnitOfWorkFactory
    parser: MessageParser
    clock: Clock
    tasks: TaskQueue
    sms: SmsSender
    config: PolicyConfig = attrs.field(factory=PolicyConfig)
    inbound: InboundStore | None = None
    """Where receipt writes; by default a ``StoreAndQueue`` on ``uow``."""

    async def receive_sms(
        self, *, sid: str, from_number: str, to_number: str, body: str, num_media: int = 0
    ) -> Receipt:
        """Store the raw text and queue its parsing (idempotent on sid); nothing else.

        This is all that sits between Twilio and its 200: even the sender is matched in the
        task, so receipt is one write whatever the text says or who sent it.
        """
        message = self._validated_message(sid, from_number, to_number, body, num_media)
        inbound = self.inbound or StoreAndQueue(self.uow)
        stored, new = await inbound.store_and_queue(message, task=PARSE_TASK)
        return Receipt(message=stored, created=new)

    def _validated_message(
        self, sid: str, from_number: str, to_number: str, body: str, num_media: int
    ) -> InboundMessage:
        problems: dict[str, str] = {}
        if not sid.strip() or len(sid) > 64:
            problems["MessageSid"] = "required, at most 64 characters"
        if len(body) > MAX_BODY_CHARS:
            problems["Body"] = f"longer than {MAX_BODY_CHARS} characters"
        if not 0 <= num_media <= MAX_MEDIA:
            problems["NumMedia"] = f"must be 0..{MAX_MEDIA}"
        for name, value in (("Body", body), ("From", from_number), ("To", to_number)):
            if "\x00" in value:
                problems[name] = "contains a NUL character"
        try:
            sender = normalize_phone(from_number)
        except InvalidInput:
            problems["From"] = "not a phone number"
            sender = ""
        if problems:
            raise InvalidInput("invalid inbound message", fields=problems)
        return InboundMessage(
            id=uuid4(),
            sid=sid.strip(),
            from_number=sender,
            to_number=to_number.strip(),
            body=body,
            received_at=self.clock.now(),
            num_media=num_media,
        )

    async def process_message(self, message_id: UUID) -> tuple[Job, ...]:
        """The parse task: jobs from one stored text. Running it twice creates nothing new."""
        async with self.uow() as uow:
            message = await uow.messages.get(message_id)
            dealership = await uow.dealerships.by_phone(message.from_number)
        if message.status is not MessageStatus.RECEIVED:
            return await self._existing_jobs(message)
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

    async def _unmatched(self, message_id: UUID) -> None:
        """An unknown or inactive sender: the text waits in the inbox, announced once."""
        async with self.uow() as uow:
            message = await uow.messages.get(message_id, for_update=True)
            if message.status is MessageStatus.RECEIVED:
                message = attrs.evolve(message, status=MessageStatus.UNMATCHED)
                await uow.messages.update(message)
                uow.events.add(_message_event(message, self.clock))

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
        )
        if not result.is_work:
            await uow.messages.update(attrs.evolve(done, status=MessageStatus.NO_WORK))
            return ()
        services = {s.code: s for s in await uow.services.all()}
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
            jobs.append(await add_new_job(uow, created(job, actor=_INTAKE)))
        await uow.messages.update(
            attrs.evolve(done, status=MessageStatus.PROCESSED, job_ids=tuple(j.id for j in jobs))
        )
        sms = OutboundSms(
            id=uuid4(),
            to_number=dealership.phone,
            created_at=now,
            job_id=jobs[0].id,
            body=confirmation_text(jobs, services, result.language),
        )
        await uow.outbox.add(sms)
        # Queued by this transaction: the confirmation is sent if and only if the jobs exist.
        uow.tasks.add(SMS_TASK, {"outbox_id": str(sms.id)})
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

    async def requeue_waiting(self, *, older_than: timedelta = timedelta(minutes=2)) -> int:
        """Queue the parse again for texts left unparsed with no parse task waiting or running:
        a task that failed for good, or an ``InboundStore`` that queues after storing. A text
        still in a long backlog already has its task and gets no second one."""
        async with self.uow() as uow:
            waiting = await uow.messages.waiting(received_before=self.clock.now() - older_than)
        payloads = [{"message_id": str(message.id)} for message in waiting]
        lost = await self.tasks.not_queued(PARSE_TASK, payloads)
        for payload in lost:
            await self.tasks.defer(PARSE_TASK, payload)
        return len(lost)

    async def inbox(self, *, limit: int = 100) -> list[InboundMessage]:
        async with self.uow() as uow:
            return await uow.messages.inbox(limit=limit)

    async def send_sms(self, outbox_id: UUID) -> OutboundSms:
        """The SMS task: send one outbox text once; it stays recorded whatever happens."""
        async with self.uow() as uow:
            sms = await uow.outbox.get(outbox_id)
        if sms.status in ("SENT", "NOT_CONFIGURED"):
            return sms
        try:
            sent = attrs.evolve(
                sms,
                status="SENT",
                error=None,
                provider_sid=await self.sms.send(to=sms.to_number, body=sms.body),
            )
        except NotConfigured as exc:
            sent = attrs.evolve(sms, status="NOT_CONFIGURED", error=exc.message)
        except IntegrationError as exc:
            sent = attrs.evolve(sms, status="FAILED", error=exc.message)
            async with self.uow() as uow:
                await uow.outbox.update(sent)
            if exc.transient:
                raise  # the task queue retries with backoff
            return sent
        async with self.uow() as uow:
            await uow.outbox.update(sent)
        return sent


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
