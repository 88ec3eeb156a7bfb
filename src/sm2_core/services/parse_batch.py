"""What became of a batch of texts, written in one unit of work with one write per table.

A parse task reads many texts (``IntakeService.process_message``); this module writes their
outcome: the jobs of each text that asks for work, with their audit entries, events and the
confirmation each dealership gets back, or the inbox, or the opt-out. The rules are those of a
lone text; only the writes are shared.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import datetime, timedelta
from uuid import UUID, uuid4
from zoneinfo import ZoneInfo

import attrs

from sm2_core.domain.conversations import conversation_updated
from sm2_core.domain.entities import Dealership
from sm2_core.domain.job import Job
from sm2_core.domain.records import (
    Actor,
    DomainEvent,
    InboundMessage,
    MessageStatus,
    OptOut,
    OutboundKind,
    OutboundSms,
)
from sm2_core.domain.reference import IntakeReference
from sm2_core.domain.window import resolve
from sm2_core.drafting import confirmation_text, draft_job, vehicle_from_request
from sm2_core.lifecycle import Change, created
from sm2_core.optout import Keyword, optout_event
from sm2_core.parsing import ParseResult
from sm2_core.policies import PolicyConfig
from sm2_core.ports import Clock, UnitOfWork, UnitOfWorkFactory
from sm2_core.services.common import add_new_jobs, created_event, paced
from sm2_core.tasks import SendSms

INTAKE = Actor.system("intake")
#: How long after a dispatcher's reply a text naming no service is taken as its answer.
REPLY_WINDOW = timedelta(hours=24)


@attrs.frozen
class Reading:
    """One text and what intake made of it before writing anything."""

    message: InboundMessage
    sender: Dealership | None
    """Its active dealership; None for a stranger or a dealership that left."""
    word: Keyword | None = None
    """STOP or START: the whole text is an opt-out keyword, whoever sent it."""
    result: ParseResult | None = None
    """The parser's reading of a known dealership's text; None for a keyword or a stranger."""


@attrs.frozen
class ReadReference:
    """A ``ReferenceSource`` that reads the tables each time: where reads cost nothing (the
    memory store), or where no cache is wanted."""

    uow: UnitOfWorkFactory

    async def current(self) -> IntakeReference:
        async with self.uow() as uow:
            return IntakeReference.of(
                dealerships=await uow.dealerships.all(include_inactive=True),
                services=await uow.services.all(),
                rules=await uow.rules.all(),
            )


@attrs.define(kw_only=True, frozen=True)
class BatchWriter:
    clock: Clock
    config: PolicyConfig
    timezone: str

    async def write(
        self, uow: UnitOfWork, readings: Sequence[Reading], reference: IntakeReference
    ) -> dict[UUID, tuple[Job, ...]]:
        """Write what became of each text still waiting, in ``uow``; each text's jobs (none for
        the inbox or an opt-out). A text parsed meanwhile by another run of its task is left
        alone and absent from the answer."""
        held = {m.id: m for m in await uow.backlog.hold([r.message.id for r in readings])}
        now = self.clock.now()
        made: dict[UUID, tuple[Job, ...]] = {}
        updates: list[InboundMessage] = []
        working: list[tuple[Reading, InboundMessage]] = []
        for reading in readings:
            message = held.get(reading.message.id)
            if message is None:
                continue
            settled = await self._without_jobs(uow, reading, message, now)
            if settled is None:
                working.append((reading, message))
            else:
                updates.append(settled)
                made[message.id] = ()
        if working:
            made |= await self._with_jobs(uow, working, reference, updates, now)
        await uow.messages.update_many(updates)
        return made

    async def _without_jobs(
        self, uow: UnitOfWork, reading: Reading, message: InboundMessage, now: datetime
    ) -> InboundMessage | None:
        """The text as it ends when it makes no job (an opt-out keyword, a stranger, thanks,
        an answer to a dispatcher's question); None when it asks for work."""
        if reading.word is not None:
            return await self._opt(uow, reading.word, message, reading.sender, now)
        if reading.sender is None:
            # An unknown or inactive sender: the text waits in the inbox, announced once.
            message = attrs.evolve(message, status=MessageStatus.UNMATCHED)
            uow.events.add(_unmatched_event(message, now))
            uow.events.add(_conversation_event(message, now))
            return message
        result = reading.result
        assert result is not None
        if not result.is_work or await _answers_a_reply(uow, message, result):
            uow.events.add(_conversation_event(message, now))
            return attrs.evolve(
                _parsed(message, reading.sender, result), status=MessageStatus.NO_WORK
            )
        return None

    @staticmethod
    async def _opt(
        uow: UnitOfWork,
        word: Keyword,
        message: InboundMessage,
        dealership: Dealership | None,
        now: datetime,
    ) -> InboundMessage:
        """STOP or START: the number is opted out (or back in); the text asks for no work and
        gets no confirmation. The event lets the board and the conversations show it at once."""
        opted_out = word == "stop"
        if opted_out:
            await uow.opt_outs.add(OptOut(message.from_number, now, "STOP"))
        else:
            await uow.opt_outs.remove(message.from_number)
        dealership_id = dealership.id if dealership is not None else None
        uow.events.add(
            optout_event(
                phone=message.from_number,
                opted_out=opted_out,
                subject_id=message.id,
                now=now,
                message_id=message.id,
                dealership_id=dealership_id,
            )
        )
        # The STOP itself is a text of the number's thread, like any other.
        uow.events.add(_conversation_event(message, now))
        return attrs.evolve(message, status=MessageStatus.NO_WORK, dealership_id=dealership_id)

    async def _with_jobs(
        self,
        uow: UnitOfWork,
        working: Sequence[tuple[Reading, InboundMessage]],
        reference: IntakeReference,
        updates: list[InboundMessage],
        now: datetime,
    ) -> dict[UUID, tuple[Job, ...]]:
        """One job per vehicle of each text, ranked by the rules; each dealership's confirmation
        queued by this transaction: it is sent if and only if the jobs exist."""
        wanted = sum(len(_result(reading).requests) for reading, _ in working)
        codes = iter(await uow.jobs.next_codes(now.year, wanted))
        made: dict[UUID, tuple[Job, ...]] = {}
        changes: list[Change] = []
        events: list[DomainEvent] = []
        confirmations: list[OutboundSms] = []
        async for reading, message in paced(working):
            result, dealership = _result(reading), reading.sender
            assert dealership is not None
            jobs = self._drafts(message, dealership, result, reference, codes, now)
            news = [created(job, actor=INTAKE) for job in jobs]
            changes += news
            # One event per job, then one for the text and its confirmation: the thread shows both.
            events += [*map(created_event, news), _conversation_event(message, now)]
            updates.append(
                attrs.evolve(
                    _parsed(message, dealership, result),
                    status=MessageStatus.PROCESSED,
                    job_ids=tuple(job.id for job in jobs),
                )
            )
            sms = OutboundSms(
                id=uuid4(),
                to_number=dealership.phone,
                created_at=now,
                job_ids=tuple(job.id for job in jobs),
                dealership_id=dealership.id,
                body=confirmation_text(jobs, dict(reference.services), result.language),
            )
            confirmations.append(sms)
            uow.tasks.add(SendSms(outbox_id=sms.id))
            made[message.id] = tuple(jobs)
        await add_new_jobs(uow, changes)
        for event in events:
            uow.events.add(event)
        await uow.outbox.add_many(confirmations)
        return made

    def _drafts(
        self,
        message: InboundMessage,
        dealership: Dealership,
        result: ParseResult,
        reference: IntakeReference,
        codes: Iterator[str],
        now: datetime,
    ) -> list[Job]:
        # "demain matin" proposes a window, read from when the text was received.
        zone = ZoneInfo(self.timezone)
        proposed = resolve(result.when, message.received_at, zone) if result.when else None
        jobs = []
        for request in result.requests:
            job = draft_job(
                job_code=next(codes),
                dealership=dealership,
                service=reference.services.get(request.service_code or ""),
                vehicle=vehicle_from_request(request),
                base_urgency=result.urgency,
                rules=reference.rules,
                confidence=result.confidence,
                config=self.config,
                now=now,
                warnings=result.warnings,
                source_message_id=message.id,
                request_text=message.body,
            )
            if proposed is not None:
                job = attrs.evolve(job, proposed_start=proposed.start, proposed_end=proposed.end)
            jobs.append(job)
        return jobs


def _result(reading: Reading) -> ParseResult:
    assert reading.result is not None
    return reading.result


def _parsed(message: InboundMessage, dealership: Dealership, result: ParseResult) -> InboundMessage:
    return attrs.evolve(
        message,
        dealership_id=dealership.id,
        parser=result.parser,
        parse_confidence=result.confidence,
        language=result.language,
    )


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


def _conversation_event(message: InboundMessage, now: datetime) -> DomainEvent:
    return conversation_updated(message.from_number, subject_id=message.id, at=now)


def _unmatched_event(message: InboundMessage, now: datetime) -> DomainEvent:
    return DomainEvent(
        name="message.unmatched",
        subject_id=message.id,
        occurred_at=now,
        data={
            "message_id": str(message.id),
            "from": message.from_number,
            "body": message.body[:160],
        },
    )
