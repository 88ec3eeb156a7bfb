"""What a dispatcher's edit teaches the parser, as decisions: pure functions, the caller persists.

- :func:`plan_corrections`: which corrections an edit of a parsed job records, updates or drops.
- :func:`summarize`: how often the parser was corrected, per service and field.
- :func:`labeled_text`: a corrected text as a line of the labeled corpus (what it should read).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from uuid import UUID, uuid4

import attrs

from sm2_core.domain.corrections import (
    ParseCorrection,
    ParsedField,
    ServiceTally,
    field_value,
    is_parsed,
    same_value,
)
from sm2_core.domain.enums import Language
from sm2_core.domain.job import Job
from sm2_core.domain.records import Actor
from sm2_core.parsing import ParsedRequest

FIELDS: tuple[ParsedField, ...] = tuple(ParsedField)

# --- recording -----------------------------------------------------------------------------------


@attrs.frozen
class CorrectionSource:
    """The text a parsed job came from, as a correction keeps it."""

    message_id: UUID
    sender: str
    body: str
    language: Language


@attrs.frozen
class CorrectionPlan:
    save: tuple[ParseCorrection, ...] = ()
    """New corrections, and existing ones with their new value (same id, parser's value kept)."""
    drop: tuple[ParsedField, ...] = ()
    """Fields set back to what the parser read: their correction goes."""


def changed_fields(before: Job, after: Job) -> tuple[ParsedField, ...]:
    """The parsed fields an edit changed, in corpus order; none for a job typed in by hand."""
    if not is_parsed(before):
        return ()
    return tuple(f for f in FIELDS if field_value(before, f) != field_value(after, f))


def plan_corrections(
    before: Job,
    after: Job,
    existing: Iterable[ParseCorrection],
    *,
    source: CorrectionSource,
    actor: Actor,
    now: datetime,
) -> CorrectionPlan:
    """The corrections an edit from ``before`` to ``after`` makes.

    A field without a correction still holds what the parser read, so the value before the edit
    is the parser's. A field corrected before keeps the parser's value and takes the new one; one
    set back to what the parser read (as the parser is judged: case and punctuation aside) has
    no correction any more.
    """
    known = {c.field: c for c in existing if c.job_id == before.id}
    save: list[ParseCorrection] = []
    drop: list[ParsedField] = []
    for field in changed_fields(before, after):
        previous = known.get(field)
        parsed = previous.parsed if previous else field_value(before, field)
        corrected = field_value(after, field)
        if same_value(parsed, corrected):
            if previous is not None:
                drop.append(field)
            continue
        save.append(
            ParseCorrection(
                id=previous.id if previous else uuid4(),
                job_id=before.id,
                message_id=source.message_id,
                field=field,
                parsed=parsed,
                corrected=corrected,
                corrected_by=actor.name,
                corrected_at=now,
                sender=source.sender,
                body=source.body,
                language=source.language,
            )
        )
    return CorrectionPlan(save=tuple(save), drop=tuple(drop))


# --- how often ---------------------------------------------------------------------------------


@attrs.frozen
class FieldRate:
    field: ParsedField
    count: int
    """Parsed jobs of the period with this field corrected."""
    share: float
    """``count`` over the parsed jobs of the period (0 when there were none)."""


@attrs.frozen
class ServiceRates:
    service_code: str | None
    """None: jobs whose service nobody recognised (or set)."""
    parsed_jobs: int
    fields: tuple[FieldRate, ...]
    """One per parsed field, in corpus order."""

    @property
    def corrected(self) -> int:
        return sum(f.count for f in self.fields)


@attrs.frozen
class CorrectionSummary:
    """Jobs the parser made in the period (by creation) and how many had each field corrected,
    per service as the jobs are now."""

    since: datetime
    days: int
    services: tuple[ServiceRates, ...]
    """Most corrected first, then by service code (None last)."""
    total: ServiceRates
    """Every service together (``service_code`` None)."""


def _rates(service_code: str | None, parsed: int, counts: dict[ParsedField, int]) -> ServiceRates:
    fields = tuple(
        FieldRate(f, counts.get(f, 0), counts.get(f, 0) / parsed if parsed else 0.0) for f in FIELDS
    )
    return ServiceRates(service_code=service_code, parsed_jobs=parsed, fields=fields)


def summarize(tallies: Iterable[ServiceTally], *, since: datetime, days: int) -> CorrectionSummary:
    rows: dict[str | None, tuple[int, dict[ParsedField, int]]] = {}
    for tally in tallies:
        parsed, counts = rows.get(tally.service_code, (0, {}))
        for field, count in tally.corrected.items():
            counts[field] = counts.get(field, 0) + count
        rows[tally.service_code] = (parsed + tally.parsed_jobs, counts)
    services = [_rates(code, parsed, counts) for code, (parsed, counts) in rows.items()]
    services.sort(key=lambda r: (-r.corrected, r.service_code is None, r.service_code or ""))
    totals: dict[ParsedField, int] = {
        f: sum(counts.get(f, 0) for _, counts in rows.values()) for f in FIELDS
    }
    total = _rates(None, sum(parsed for parsed, _ in rows.values()), totals)
    return CorrectionSummary(since=since, days=days, services=tuple(services), total=total)


# --- the labeled corpus --------------------------------------------------------------------------


@attrs.frozen
class LabeledText:
    """A text and what a parser should read from it: a line of the labeled corpus
    (``tests/data/sms_corpus.jsonl``), its labels being the jobs as dispatchers corrected them."""

    id: str
    """Stable: the carrier's id of the text."""
    sender: str
    body: str
    language: Language
    expected: tuple[ParsedRequest, ...]
    """One per job made from the text, in the order they were made."""


def expected_request(job: Job) -> ParsedRequest:
    """The job as a parser should have read it (it is what the dispatcher left)."""
    v = job.vehicle
    return ParsedRequest(
        year=v.year,
        make=v.make,
        model=v.model,
        vin=v.vin,
        stock_no=v.stock_no,
        service_code=job.service_code,
    )


def labeled_text(
    *, sid: str, sender: str, body: str, language: Language, jobs: Sequence[Job]
) -> LabeledText:
    return LabeledText(
        id=sid,
        sender=sender,
        body=body,
        language=language,
        expected=tuple(expected_request(job) for job in jobs),
    )
