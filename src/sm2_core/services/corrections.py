"""Corrections: what dispatchers' edits of parsed jobs teach the parser, kept, counted, exported,
and turned into suggested service terms."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import datetime, timedelta
from uuid import UUID

import attrs

from sm2_core.corrections import (
    CorrectionSource,
    CorrectionSummary,
    LabeledText,
    changed_fields,
    labeled_text,
    plan_corrections,
    summarize,
)
from sm2_core.domain.corrections import ParseCorrection, ParsedField
from sm2_core.domain.entities import Service
from sm2_core.domain.enums import Language, ReferenceKind
from sm2_core.domain.job import Job
from sm2_core.domain.records import Actor, InboundMessage
from sm2_core.errors import InvalidInput, NotFound, PermissionDenied
from sm2_core.ports import Clock, Page, UnitOfWork, UnitOfWorkFactory, WordList
from sm2_core.services.admin import AdminService
from sm2_core.suggestions import CorrectedText, TermSuggestion, fold, suggest_terms, term_field

MAX_PAGE = 200
#: The period the corrections page counts over.
SUMMARY_DAYS = 30
#: How far back suggested terms look.
SUGGESTION_DAYS = 90
MAX_DAYS = 3660
_BATCH = 500


async def record_corrections(
    uow: UnitOfWork, before: Job, after: Job, *, actor: Actor, now: datetime
) -> None:
    """Keep what an admin's edit of a parsed job corrected, in the edit's unit of work (call it
    once the job is saved, so its row is locked and the corrections read are current)."""
    if not changed_fields(before, after):
        return
    assert before.source_message_id is not None  # a parsed job has its text
    message = await uow.messages.get(before.source_message_id)
    language = message.language or (await uow.dealerships.get(before.dealership_id)).language
    source = CorrectionSource(
        message_id=message.id, sender=message.from_number, body=message.body, language=language
    )
    existing = await uow.corrections.for_job(before.id)
    plan = plan_corrections(before, after, existing, source=source, actor=actor, now=now)
    for correction in plan.save:
        await uow.corrections.save(correction)
    for field in plan.drop:
        await uow.corrections.remove(before.id, field)


async def _since(uow: UnitOfWork, since: datetime | None) -> AsyncIterator[ParseCorrection]:
    cursor: str | None = None
    while True:
        page = await uow.corrections.page(since=since, limit=_BATCH, cursor=cursor)
        for correction in page.items:
            yield correction
        if page.next_cursor is None:
            return
        cursor = page.next_cursor


def _days(days: int) -> timedelta:
    if not 1 <= days <= MAX_DAYS:
        raise InvalidInput(f"days must be 1..{MAX_DAYS}", fields={"days": "out of range"})
    return timedelta(days=days)


@attrs.define(kw_only=True, frozen=True)
class CorrectionService:
    uow: UnitOfWorkFactory
    clock: Clock
    admin: AdminService
    """Adds a suggested term as any admin change of a service is made (and audited)."""
    ignored: WordList
    """Everyday, filler, brand and model words: never suggested as a service's term."""

    async def page(
        self, *, since: datetime | None = None, limit: int = 50, cursor: str | None = None
    ) -> Page[ParseCorrection]:
        """Oldest first."""
        if not 1 <= limit <= MAX_PAGE:
            raise InvalidInput(f"limit must be 1..{MAX_PAGE}", fields={"limit": "out of range"})
        async with self.uow() as uow:
            return await uow.corrections.page(since=since, limit=limit, cursor=cursor)

    async def export(self, *, since: datetime | None = None) -> list[LabeledText]:
        """Every text with a correction changed at or after ``since``, as a labeled-corpus
        line: the jobs made from it as they are now. Oldest text first."""
        async with self.uow() as uow:
            languages: dict[UUID, Language] = {}
            async for correction in _since(uow, since):
                languages.setdefault(correction.message_id, correction.language)
            messages = [await uow.messages.get(message_id) for message_id in languages]
            messages.sort(key=lambda m: (m.received_at, m.sid))
            return [await _labeled(uow, m, languages[m.id]) for m in messages]

    async def summary(self, *, days: int = SUMMARY_DAYS) -> CorrectionSummary:
        since = self.clock.now() - _days(days)
        async with self.uow() as uow:
            tallies = await uow.corrections.tally(since=since)
        return summarize(tallies, since=since, days=days)

    async def suggestions(self, *, days: int = SUGGESTION_DAYS) -> tuple[TermSuggestion, ...]:
        """Words to add to a service's terms, from the texts corrected to it (see
        ``sm2_core.suggestions``)."""
        since = self.clock.now() - _days(days)
        async with self.uow() as uow:
            texts = [
                CorrectedText(c.message_id, c.body, c.language, c.corrected)
                async for c in _since(uow, since)
                if c.field is ParsedField.SERVICE_CODE and c.corrected is not None
            ]
            services = await uow.services.all()
        return suggest_terms(texts, services, self.ignored)

    async def add_term(
        self, service_code: str, word: str, language: Language, *, actor: Actor
    ) -> Service:
        """Add ``word`` to the service's terms of ``language``, as an admin's change of the
        service (audited); a word it already has changes nothing."""
        if not actor.is_admin:
            raise PermissionDenied("Only an admin may change a service")
        term = fold(word).strip()
        if not term.isalpha():
            raise InvalidInput("a suggested term is one word", fields={"word": "one word"})
        async with self.uow() as uow:
            service = await uow.services.by_code(service_code)
        if service is None:
            raise NotFound("service", service_code)
        field = term_field(language)
        terms: tuple[str, ...] = getattr(service, field)
        if any(fold(t) == term for t in terms):
            return service
        return await self.admin.update(
            ReferenceKind.SERVICES, service.id, {field: (*terms, term)}, actor=actor
        )


async def _labeled(uow: UnitOfWork, message: InboundMessage, fallback: Language) -> LabeledText:
    jobs = [await uow.jobs.get(job_id) for job_id in message.job_ids]
    return labeled_text(
        sid=message.sid,
        sender=message.from_number,
        body=message.body,
        language=message.language or fallback,
        jobs=jobs,
    )
