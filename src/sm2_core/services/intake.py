"""Intake: stored texts become ranked jobs, and the dealerships hear back.

A parse task takes its text and, in the same go, the oldest other texts still waiting for
theirs (``ParseBacklog``): it reads their senders and the reference data once, parses them,
and writes what became of all of them in one unit of work (``parse_batch``). Under a burst a
worker thus pays one task's overhead and one commit for many texts; with nothing else
waiting, a batch is the one text.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncGenerator, Sequence
from contextlib import aclosing
from uuid import UUID

import attrs

from sm2_core.domain.entities import Service
from sm2_core.domain.enums import Urgency
from sm2_core.domain.job import Job, Vehicle
from sm2_core.domain.records import Actor, InboundMessage, MessageStatus
from sm2_core.domain.reference import IntakeReference
from sm2_core.drafting import draft_job
from sm2_core.errors import NotFound, PermissionDenied
from sm2_core.lifecycle import created
from sm2_core.optout import keyword
from sm2_core.policies import PolicyConfig
from sm2_core.ports import (
    Clock,
    MessageParser,
    ReferenceSource,
    UnitOfWork,
    UnitOfWorkFactory,
)
from sm2_core.services.common import add_new_job, paced
from sm2_core.services.parse_batch import BatchWriter, Reading, ReadReference

#: Texts one parse task takes at most: its own and the oldest others waiting. A burst of 3,000
#: texts became jobs 15–20% sooner with 128 than with 32 (fewer transactions and leases, each
#: statement's rows written together; ``bench/scale.py``, docs/performance.md).
BATCH_SIZE = 128
#: How long the other texts of a batch are the worker's: longer than a batch can take (an LLM
#: reading has a 30 s deadline, and a batch's readings run together). A text whose batch never
#: finished is due again after it, on its own task.
LEASE_SECONDS = 60.0

Outcome = tuple[dict[UUID, tuple[Job, ...]], dict[UUID, Exception]]
"""Each text's jobs, and the error of each text that could not be written."""


@attrs.define(kw_only=True, frozen=True)
class IntakeService:
    """Received texts become ranked jobs (or wait in the inbox); admins type jobs in."""

    uow: UnitOfWorkFactory
    parser: MessageParser
    clock: Clock
    config: PolicyConfig = attrs.field(factory=PolicyConfig)
    timezone: str = "America/Toronto"
    """The company's time zone (``SM2_TIMEZONE``): where "demain matin" is."""
    reference: ReferenceSource | None = None
    """Dealerships, services and rules, read once per batch (a cache in production); None
    reads them through ``uow``."""
    batch_size: int = BATCH_SIZE
    lease_seconds: float = LEASE_SECONDS

    async def process_message(self, message_id: UUID) -> tuple[Job, ...]:
        """The parse task: jobs from one stored text, and from up to ``batch_size - 1`` other
        texts waiting for theirs; this text's jobs. Running it twice creates nothing new.

        A text of the batch that cannot be written alone keeps its error: raised here for this
        task's own text, left to its own task otherwise (its lease runs out)."""
        async with self.uow() as uow:
            texts = await uow.backlog.lease(
                message_id, more=self.batch_size - 1, seconds=self.lease_seconds
            )
        first = texts[0]
        made, failed = await self._batch(
            [text for text in texts if text.status is MessageStatus.RECEIVED]
        )
        if first.id in failed:
            raise failed[first.id]
        if first.id in made:
            return made[first.id]
        if first.status is MessageStatus.RECEIVED:
            first = await self.message(first.id)  # another run of its task got there first
        return await self._existing_jobs(first)

    async def _batch(self, texts: Sequence[InboundMessage]) -> Outcome:
        if not texts:
            return {}, {}
        source = self.reference or ReadReference(self.uow)
        reference = await source.current()
        made: dict[UUID, tuple[Job, ...]] = {}
        failed: dict[UUID, Exception] = {}
        # Closed on the way out, even cancelled: no reading goes on without its batch.
        async with aclosing(self._readings(texts, reference)) as waves:
            async for readings, unread in waves:
                failed |= unread
                if readings:
                    wrote, unwritten = await self._write(readings, reference)
                    made |= wrote
                    failed |= unwritten
        return made, failed

    async def _readings(
        self, texts: Sequence[InboundMessage], reference: IntakeReference
    ) -> AsyncGenerator[tuple[list[Reading], dict[UUID, Exception]], None]:
        """The texts' readings in waves, each written as soon as it is complete: the offline
        readings come together at once, and a text the LLM reads (up to its deadline) holds
        back no other. Parsing may call an LLM: never inside a transaction."""
        order = {text.id: n for n, text in enumerate(texts)}
        pending: dict[asyncio.Future[Reading], InboundMessage] = {}
        try:
            async for text in paced(texts):
                pending[asyncio.ensure_future(self._read(text, reference))] = text
            while pending:
                done, _ = await asyncio.wait(pending, return_when=asyncio.FIRST_COMPLETED)
                readings: list[Reading] = []
                errors: dict[UUID, Exception] = {}
                for future in done:
                    text = pending.pop(future)
                    error = future.exception()
                    if error is None:
                        readings.append(future.result())
                    elif isinstance(error, Exception):
                        errors[text.id] = error
                    else:
                        raise error
                readings.sort(key=lambda reading: order[reading.message.id])
                yield readings, errors
        finally:
            for future in pending:
                future.cancel()

    async def _read(self, message: InboundMessage, reference: IntakeReference) -> Reading:
        sender = reference.sender(message.from_number)
        if (word := keyword(message.body)) is not None:
            # From any number, known or not: carriers require STOP to be honoured by whoever
            # sends it, and it must never become a job.
            return Reading(message=message, sender=sender, word=word)
        if sender is None:
            return Reading(message=message, sender=None)
        result = await self.parser.parse(message.body, dealership_id=sender.id)
        return Reading(message=message, sender=sender, result=result)

    async def _write(self, readings: Sequence[Reading], reference: IntakeReference) -> Outcome:
        writer = BatchWriter(clock=self.clock, config=self.config, timezone=self.timezone)
        try:
            async with self.uow() as uow:
                return await writer.write(uow, readings, reference), {}
        except Exception as error:
            if len(readings) == 1:
                return {}, {readings[0].message.id: error}
        # One text's fault (a value the database refuses) must not cost the others their jobs:
        # each goes alone, and only the one at fault keeps its error.
        made: dict[UUID, tuple[Job, ...]] = {}
        failed: dict[UUID, Exception] = {}
        for reading in readings:
            wrote, unwritten = await self._write([reading], reference)
            made |= wrote
            failed |= unwritten
        return made, failed

    async def _existing_jobs(self, message: InboundMessage) -> tuple[Job, ...]:
        if not message.job_ids:
            return ()
        async with self.uow() as uow:
            return tuple([await uow.jobs.get(job_id) for job_id in message.job_ids])

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
