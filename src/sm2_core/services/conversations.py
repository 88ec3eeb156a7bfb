"""Conversations: every text to and from a phone number, and dispatchers' replies to them."""

from __future__ import annotations

from collections.abc import Sequence
from uuid import UUID, uuid4

import attrs

from sm2_core.domain.conversations import (
    Conversation,
    Direction,
    JobRef,
    ThreadMessage,
    conversation_updated,
)
from sm2_core.domain.entities import Dealership
from sm2_core.domain.enums import JobStatus
from sm2_core.domain.job import Job
from sm2_core.domain.phone import normalize_phone
from sm2_core.domain.records import Actor, OutboundKind, OutboundSms
from sm2_core.errors import InvalidInput, NotFound, OptedOut, PermissionDenied
from sm2_core.parsing import ParsedRequest
from sm2_core.ports import Clock, JobFilter, MessageParser, Page, UnitOfWork, UnitOfWorkFactory
from sm2_core.tasks import SendSms

#: A text of up to ten segments: Twilio refuses a longer body.
MAX_BODY = 1600
PAGE_SIZE = 50
#: The jobs a dealer's reply may be applied to: those still to be done.
OPEN = (JobStatus.PENDING, JobStatus.SCHEDULED, JobStatus.IN_PROGRESS)
_OPEN_JOBS_SHOWN = 50


@attrs.frozen
class Thread:
    """One number's conversation, and who the number is."""

    phone: str
    messages: tuple[ThreadMessage, ...]
    dealership: Dealership | None = None


@attrs.frozen
class ApplyOffer:
    """What a dealership's texts offer as edits of its open jobs ("apply to job")."""

    readings: dict[UUID, tuple[ParsedRequest, ...]]
    """Text in that made no job → what the offline parser reads in it, one entry per vehicle
    named; only texts that name something are here."""
    jobs: tuple[Job, ...]
    """The dealership's open jobs, newest first."""
    preselected: UUID | None = None
    """The open job our newest text naming one is about: what the dealer is answering."""


@attrs.define(kw_only=True, frozen=True)
class ConversationService:
    uow: UnitOfWorkFactory
    clock: Clock
    reader: MessageParser
    """Reads dealers' replies for the "apply to job" offer: the offline parser (a page must
    never wait for, nor spend, an LLM call)."""

    async def list(
        self, *, limit: int = PAGE_SIZE, cursor: str | None = None
    ) -> Page[Conversation]:
        """One entry per number, newest activity first."""
        async with self.uow() as uow:
            return await uow.conversations.page(limit=limit, cursor=cursor)

    async def thread(self, phone: str, *, limit: int | None = None, start: bool = False) -> Thread:
        """The number's texts oldest first (the newest ``limit`` of them). NotFound when it has
        none, unless ``start`` and the number is a dealership's or a technician's (a
        conversation to start). ``phone`` as people write it."""
        number = normalize_phone(phone)
        async with self.uow() as uow:
            messages = await uow.conversations.thread(number, limit=limit)
            dealership = await uow.dealerships.by_phone(number)
            if not messages and not (
                start and (dealership or await uow.technicians.by_phone(number))
            ):
                raise NotFound("conversation", number)
        return Thread(phone=number, messages=tuple(messages), dealership=dealership)

    async def mark_read(self, phone: str, *, actor: Actor) -> None:
        """Every text the number has sent so far is read; other dispatchers' lists are told."""
        _admin(actor, "read a conversation")
        number = normalize_phone(phone)
        async with self.uow() as uow:
            latest = await uow.conversations.latest_inbound(number)
            if latest is None:
                return
            # Read up to the newest text shown, not up to "now": a text that arrives while
            # the page is being sent stays unread.
            if await uow.conversations.mark_read(number, at=latest.received_at):
                uow.events.add(
                    conversation_updated(number, subject_id=latest.id, at=self.clock.now())
                )

    async def reply(self, phone: str, body: str, *, actor: Actor) -> ThreadMessage:
        """A dispatcher's text to the number, recorded and queued for sending in one unit of
        work. Only to a number we know: a dealership's, a technician's, or one with a
        conversation (a mistyped number never reaches a stranger)."""
        _admin(actor, "reply to a text")
        number = normalize_phone(phone)
        text = _body(body)
        async with self.uow() as uow:
            if await uow.opt_outs.get(number) is not None:
                raise OptedOut(number)
            dealership = await uow.dealerships.by_phone(number)
            technician = await uow.technicians.by_phone(number)
            latest = await uow.conversations.latest_inbound(number)
            known = dealership or technician or latest
            if known is None and not await uow.conversations.thread(number, limit=1):
                raise NotFound("conversation", number)
            # What the dealer last wrote about is what the answer is about.
            job_ids = latest.job_ids if latest is not None else ()
            sms = OutboundSms(
                id=uuid4(),
                to_number=number,
                body=text,
                created_at=self.clock.now(),
                kind=OutboundKind.REPLY,
                job_id=job_ids[0] if job_ids else None,
                job_ids=job_ids,
                dealership_id=dealership.id if dealership else None,
                technician_id=technician.id if technician else None,
                sent_by=actor.name,
            )
            await uow.outbox.add(sms)
            uow.tasks.add(SendSms(outbox_id=sms.id))
            uow.events.add(conversation_updated(number, subject_id=sms.id, at=sms.created_at))
            jobs = await _refs(uow, job_ids)
        return ThreadMessage(
            id=sms.id,
            direction=Direction.OUT,
            body=sms.body,
            at=sms.created_at,
            status=sms.status,
            kind=sms.kind,
            jobs=jobs,
            sent_by=sms.sent_by,
            dealership_id=sms.dealership_id,
        )

    async def offer(self, thread: Thread) -> ApplyOffer:
        """What the dealership's texts in ``thread`` offer to apply to its open jobs; nothing
        for a number that is no dealership's."""
        if thread.dealership is None:
            return ApplyOffer(readings={}, jobs=())
        jobs = await self.open_jobs(thread.dealership.id)
        if not jobs:
            return ApplyOffer(readings={}, jobs=())
        readings = {}
        for message in thread.messages:
            # A text that made jobs was a request, not an answer to apply to one.
            if message.is_inbound and not message.jobs:
                found = await self._reading(message.body, thread.dealership.id)
                if found:
                    readings[message.id] = found
        return ApplyOffer(
            readings=readings, jobs=jobs, preselected=_answered(thread.messages, jobs)
        )

    async def _reading(self, body: str, dealership_id: UUID) -> tuple[ParsedRequest, ...]:
        result = await self.reader.parse(body, dealership_id=dealership_id)
        return tuple(r for r in result.requests if any(attrs.astuple(r)))

    async def open_jobs(self, dealership_id: UUID) -> tuple[Job, ...]:
        """The dealership's jobs still to be done, newest first."""
        found: list[Job] = []
        async with self.uow() as uow:
            for status in OPEN:
                query = JobFilter(dealership_id=dealership_id, status=status)
                found.extend((await uow.jobs.search(query, limit=_OPEN_JOBS_SHOWN)).items)
        found.sort(key=lambda j: (j.created_at, str(j.id)), reverse=True)
        return tuple(found[:_OPEN_JOBS_SHOWN])


def _admin(actor: Actor, what: str) -> None:
    if not actor.is_admin:
        raise PermissionDenied(f"Only an admin may {what}")


def _body(body: str) -> str:
    text = body.strip()
    if not text:
        raise InvalidInput("the text is empty", fields={"body": "empty"})
    if len(text) > MAX_BODY:
        raise InvalidInput(
            f"a text has at most {MAX_BODY} characters ({len(text)} given)",
            fields={"body": f"longer than {MAX_BODY} characters"},
        )
    return text


async def _refs(uow: UnitOfWork, job_ids: Sequence[UUID]) -> tuple[JobRef, ...]:
    return tuple([JobRef(i, (await uow.jobs.get(i)).job_code) for i in job_ids])


def _answered(messages: Sequence[ThreadMessage], jobs: Sequence[Job]) -> UUID | None:
    """The open job named by our newest text that names one."""
    open_ids = {j.id for j in jobs}
    for message in reversed(messages):
        if message.direction is Direction.OUT and message.job_ids:
            return next((i for i in message.job_ids if i in open_ids), None)
    return None
