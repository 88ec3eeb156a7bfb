"""Dispatchers' corrections of parsed jobs, in memory, keeping the PostgreSQL adapter's promises."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING
from uuid import UUID

import attrs

from sm2_adapters.cursor import decode_time_cursor, encode_time_cursor
from sm2_core.domain.corrections import (
    ParseCorrection,
    ParsedField,
    ServiceTally,
    is_parsed,
)
from sm2_core.errors import InvalidInput
from sm2_core.ports import CorrectionRepository, Page

if TYPE_CHECKING:
    from sm2_adapters.memory.store import Tables

_ORDER = {field: n for n, field in enumerate(ParsedField)}


def _key(c: ParseCorrection) -> tuple[datetime, UUID]:
    return c.corrected_at.astimezone(UTC), c.id


class MemoryCorrectionRepository:
    def __init__(self, tables: Tables) -> None:
        self._t = tables

    async def for_job(self, job_id: UUID) -> list[ParseCorrection]:
        rows = [c for c in self._t.corrections.values() if c.job_id == job_id]
        return sorted(rows, key=lambda c: _ORDER[c.field])

    async def save(self, correction: ParseCorrection) -> None:
        # The references the database checks: the job and the text must exist.
        if correction.job_id not in self._t.jobs or correction.message_id not in self._t.messages:
            raise InvalidInput("parse correction: a referenced record does not exist")
        if any("\x00" in (v or "") for v in (correction.parsed, correction.corrected)):
            raise InvalidInput("a correction contains a NUL character")
        slot = (correction.job_id, correction.field)
        stored = self._t.corrections.get(slot)
        self._t.corrections[slot] = (
            correction if stored is None else attrs.evolve(correction, id=stored.id)
        )

    async def remove(self, job_id: UUID, field: ParsedField) -> None:
        self._t.corrections.pop((job_id, field), None)

    async def page(
        self, *, since: datetime | None = None, limit: int, cursor: str | None = None
    ) -> Page[ParseCorrection]:
        if limit < 1:
            raise InvalidInput("limit must be at least 1", fields={"limit": "< 1"})
        after = decode_time_cursor(cursor) if cursor else None
        rows = sorted(
            (
                c
                for c in self._t.corrections.values()
                if (since is None or c.corrected_at >= since) and (after is None or _key(c) > after)
            ),
            key=_key,
        )
        page = rows[:limit]
        more = len(rows) > limit
        return Page(
            items=tuple(page),
            next_cursor=encode_time_cursor(*_key(page[-1])) if more else None,
        )

    async def tally(self, *, since: datetime) -> list[ServiceTally]:
        jobs = {j.id: j for j in self._t.jobs.values() if is_parsed(j) and j.created_at >= since}
        parsed: dict[str | None, int] = {}
        corrected: dict[str | None, dict[ParsedField, int]] = {}
        for job in jobs.values():
            parsed[job.service_code] = parsed.get(job.service_code, 0) + 1
        for (job_id, field), _ in self._t.corrections.items():
            if job_id in jobs:
                counts = corrected.setdefault(jobs[job_id].service_code, {})
                counts[field] = counts.get(field, 0) + 1
        return [
            ServiceTally(service_code=code, parsed_jobs=n, corrected=corrected.get(code, {}))
            for code, n in sorted(parsed.items(), key=lambda item: item[0] or "")
        ]


def _conforms(repo: MemoryCorrectionRepository) -> CorrectionRepository:
    """Checked by mypy: the fake has the shape of the port."""
    return repo
