"""The owner's figures: what each dealership brought in, how fast jobs turn around, how busy each
technician is, and how often the parser needed a correction.

Pure: the period a report covers, the percentile, the shares and the rounding are decided here;
the adapters count (``ports.ReportSource``) and the service names the rows
(``services.reports``).

The dealerships', turnaround and parser figures are about the jobs created in the period (and
the texts received in it), by their creation (or receipt) time in the company's time zone: a job
created on the 31st counts in that month's report even when it is completed, invoiced or paid in
the next. The technicians' figures are about the work started in the period: a job created on
the 31st and started on the 1st is the next month's work (its working day is in that month).
"""

from __future__ import annotations

import enum
from collections.abc import Mapping, Sequence
from datetime import date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import TypeVar
from uuid import UUID
from zoneinfo import ZoneInfo

import attrs

from sm2_core.domain.corrections import ParsedField
from sm2_core.domain.window import local_day
from sm2_core.errors import InvalidInput

T = TypeVar("T")

MAX_DAYS = 366
"""The longest period a report covers: a year, leap day included."""
PERCENTS = (50, 90)
"""The percentiles every turnaround figure carries."""
DEFAULT_WORKING_DAY_HOURS = 8.0
"""How long a technician's working day is, for the share of it spent on jobs."""
MICROSECOND = timedelta(microseconds=1)


# --- the period ---------------------------------------------------------------------------------


@attrs.frozen
class Period:
    """From ``first`` to ``last`` (both included), whole local days in ``timezone``."""

    first: date
    last: date
    timezone: str = "America/Toronto"

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    @property
    def start(self) -> datetime:
        """The first day's local midnight (UTC)."""
        return local_day(self.first, self.zone).start

    @property
    def end(self) -> datetime:
        """The local midnight after the last day (UTC), excluded."""
        return local_day(self.last, self.zone).end

    @property
    def bounds(self) -> tuple[datetime, datetime]:
        """``start`` and ``end``."""
        return self.start, self.end

    @property
    def days(self) -> int:
        return (self.last - self.first).days + 1

    def each_day(self) -> list[date]:
        return [self.first + timedelta(days=n) for n in range(self.days)]


def period(first: date | None, last: date | None, *, today: date, timezone: str) -> Period:
    """The period a report is asked for. ``last`` defaults to ``today`` and ``first`` to the
    first day of ``last``'s month: with neither, this month so far. Raises InvalidInput naming
    the field at fault when ``last`` is before ``first`` or the period is longer than
    ``MAX_DAYS``."""
    last = today if last is None else last
    first = last.replace(day=1) if first is None else first
    if last < first:
        raise InvalidInput(
            f"The period ends ({last}) before it begins ({first})", fields={"to": "before from"}
        )
    days = (last - first).days + 1
    if days > MAX_DAYS:
        reason = f"at most {MAX_DAYS} days apart"
        raise InvalidInput(
            f"A report covers at most {MAX_DAYS} days; {first} to {last} is {days}",
            fields={"from": reason, "to": reason},
        )
    checked = Period(first, last, timezone)
    try:
        checked.bounds  # noqa: B018 - the calendar's last day has no midnight after it
    except OverflowError:
        raise InvalidInput(
            "The period is outside the calendar", fields={"to": "out of range"}
        ) from None
    return checked


# --- percentiles ----------------------------------------------------------------------------------


def rank(percent: int, count: int) -> int:
    """The nearest-rank position (1-based) of the ``percent``-th percentile among ``count``
    values: the smallest rank at which ``percent``% of the values are at or below it,
    ⌈percent × count / 100⌉, in integers (no floating point to round it up a rank)."""
    return -(-percent * count // 100)


def nearest_rank(ordered: Sequence[T], percent: int) -> T | None:
    """The ``percent``-th percentile of ``ordered`` (sorted ascending), by nearest rank: always
    one of the values, never an interpolation. None when there is none."""
    if not ordered:
        return None
    return ordered[rank(percent, len(ordered)) - 1]


@attrs.frozen
class Durations:
    """How long jobs took to reach one milestone, as adapters count it: how many reached it and
    the nearest-rank p50 and p90 of their durations, in whole seconds (``whole_seconds``; exact
    on every adapter)."""

    count: int = 0
    p50: int | None = None
    p90: int | None = None


def durations_of(microseconds: Sequence[int]) -> Durations:
    """``Durations`` of these values (any order). Each is rounded to whole seconds before they
    are ranked, as an adapter that keeps whole seconds does: rounding keeps their order, so the
    percentiles are the same as rounded after."""
    ordered = sorted(whole_seconds(us) for us in microseconds)
    return Durations(len(ordered), nearest_rank(ordered, 50), nearest_rank(ordered, 90))


def elapsed_us(start: datetime, end: datetime) -> int:
    return (end - start) // MICROSECOND


def whole_seconds(microseconds: int) -> int:
    """Microseconds as whole seconds, halves rounded away from zero (up, for a duration)."""
    return int((Decimal(microseconds) / 1_000_000).quantize(Decimal(1), rounding=ROUND_HALF_UP))


class Milestone(enum.StrEnum):
    """How far a job got, timed from when its text was received (a job typed in by hand: from
    its creation, so its ``created`` is 0 s)."""

    CREATED = "created"
    ASSIGNED = "assigned"
    """Given to a technician: the last time it went from the board to one (``Job.assigned_at``)."""
    STARTED = "started"
    """Accepted by the technician (``Job.started_at``)."""
    COMPLETED = "completed"


# --- what the adapters count ------------------------------------------------------------------------


@attrs.frozen
class DealershipFigures:
    """One dealership's figures for the period."""

    dealership_id: UUID
    texts: int = 0
    """Texts received from it (matched to it) in the period."""
    jobs_created: int = 0
    completed: int = 0
    """Of the jobs created, those COMPLETED now."""
    cancelled: int = 0
    invoiced: Decimal = Decimal("0.00")
    """The invoices of those jobs: QuickBooks' total, else SM2's subtotal; voided ones left out."""
    paid: Decimal = Decimal("0.00")
    """What was paid of them (``Invoice.paid``: total − balance, nothing for a voided one)."""
    overdue: Decimal = Decimal("0.00")
    """What is owed on those whose invoice is OVERDUE: the balance (the total when unknown)."""


@attrs.frozen
class TurnaroundFigures:
    overall: Mapping[Milestone, Durations]
    by_service: Mapping[str | None, Mapping[Milestone, Durations]]
    """By the job's service code as it is now (None: no service)."""
    by_dealership: Mapping[UUID, Mapping[Milestone, Durations]]


@attrs.frozen
class TechnicianFigures:
    """One technician's figures over the jobs they started (accepted) in the period, whenever
    those were created."""

    technician_id: UUID
    completed: int = 0
    """Of the jobs started, those COMPLETED now."""
    labour_minutes: int = 0
    """The labour minutes the technician reported on completing them."""
    busy_us: int = 0
    """Time on the jobs completed: from start (accepted) to completion, summed."""
    working_days: int = 0
    """Local days of the period on which the technician started a job."""
    km: float = 0.0
    """Each working day, the jobs in the order they were started, the distance between
    consecutive jobs' zones (as the crow flies) summed; a job of unknown zone is skipped with
    both its legs."""


@attrs.frozen
class ParserFigures:
    parsed_jobs: int = 0
    """Jobs the parser made from a text (``corrections.is_parsed``)."""
    corrected_jobs: int = 0
    """Of them, those a dispatcher corrected (any field)."""
    by_field: Mapping[ParsedField, int] = attrs.field(factory=dict)
    """Of them, how many had each field corrected."""


@attrs.frozen
class ExportedJob:
    """A job as ``sm2 export jobs`` writes it, with its invoice's amounts when it has one."""

    job_id: UUID
    job_code: str
    created_at: datetime
    dealership_id: UUID
    service_code: str | None
    year: int | None
    make: str | None
    model: str | None
    vin: str | None
    stock_no: str | None
    status: str
    invoice_state: str
    qb_invoice_id: str | None
    completed_at: datetime | None = None
    subtotal: Decimal | None = None
    total: Decimal | None = None
    balance: Decimal | None = None
    due_date: date | None = None
    voided: bool = False

    @property
    def paid(self) -> Decimal | None:
        """As ``Invoice.paid``; None without an invoice."""
        if self.subtotal is None:
            return None
        if self.total is None or self.balance is None or self.voided:
            return Decimal("0.00")
        return self.total - self.balance


# --- the reports -------------------------------------------------------------------------------------


@attrs.frozen
class DealershipRow:
    name: str
    figures: DealershipFigures


@attrs.frozen
class DealershipReport:
    period: Period
    rows: tuple[DealershipRow, ...]
    """By name (then id): active dealerships, and inactive ones with figures."""

    @property
    def totals(self) -> DealershipFigures:
        rows = [r.figures for r in self.rows]
        return DealershipFigures(
            dealership_id=UUID(int=0),
            texts=sum(f.texts for f in rows),
            jobs_created=sum(f.jobs_created for f in rows),
            completed=sum(f.completed for f in rows),
            cancelled=sum(f.cancelled for f in rows),
            invoiced=sum((f.invoiced for f in rows), Decimal("0.00")),
            paid=sum((f.paid for f in rows), Decimal("0.00")),
            overdue=sum((f.overdue for f in rows), Decimal("0.00")),
        )


@attrs.frozen
class Spread:
    """One milestone's turnaround: how many jobs reached it, and p50/p90 in whole seconds."""

    count: int
    p50: int | None
    p90: int | None


def spread(durations: Durations | None) -> Spread:
    if durations is None:
        return Spread(0, None, None)
    return Spread(durations.count, durations.p50, durations.p90)


def spreads(found: Mapping[Milestone, Durations] | None) -> dict[Milestone, Spread]:
    """Every milestone, in order, those no job reached with a count of 0."""
    return {m: spread((found or {}).get(m)) for m in Milestone}


@attrs.frozen
class TurnaroundRow:
    key: str
    """The service code or the dealership's id; "" for jobs without a service."""
    name: str
    milestones: Mapping[Milestone, Spread]


@attrs.frozen
class TurnaroundReport:
    period: Period
    overall: Mapping[Milestone, Spread]
    by_service: tuple[TurnaroundRow, ...]
    """By service code (jobs without a service last); only services with jobs."""
    by_dealership: tuple[TurnaroundRow, ...]
    """By name; only dealerships with jobs."""


@attrs.frozen
class TechnicianRow:
    name: str
    figures: TechnicianFigures
    busy_share: float | None
    """Time on jobs over the working days' hours (``working_day_hours`` each); None without a
    working day. Above 1 when the jobs took longer than the working days."""
    km: float
    """``figures.km`` to 0.1 km."""


@attrs.frozen
class TechnicianReport:
    period: Period
    working_day_hours: float
    rows: tuple[TechnicianRow, ...]
    """By name (then id): active technicians, and inactive ones with figures."""


def busy_share(figures: TechnicianFigures, working_day_hours: float) -> float | None:
    if figures.working_days == 0:
        return None
    available_us = figures.working_days * working_day_hours * 3600 * 1_000_000
    return round(figures.busy_us / available_us, 4)


@attrs.frozen
class FieldShare:
    field: ParsedField
    corrected: int
    share: float | None
    """Of the parsed jobs; None when there were none."""


@attrs.frozen
class ParserReport:
    period: Period
    parsed_jobs: int
    corrected_jobs: int
    corrected_share: float | None
    fields: tuple[FieldShare, ...]
    """Every parsed field, in the corpus's order."""


def share(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None


def parser_report(period: Period, figures: ParserFigures) -> ParserReport:
    n = figures.parsed_jobs
    return ParserReport(
        period=period,
        parsed_jobs=n,
        corrected_jobs=figures.corrected_jobs,
        corrected_share=share(figures.corrected_jobs, n),
        fields=tuple(
            FieldShare(f, figures.by_field.get(f, 0), share(figures.by_field.get(f, 0), n))
            for f in ParsedField
        ),
    )


# --- the jobs export -----------------------------------------------------------------------------

EXPORT_COLUMNS = (
    "job_code",
    "created_at",
    "dealership_id",
    "dealership",
    "service_code",
    "year",
    "make",
    "model",
    "vin",
    "stock_no",
    "status",
    "completed_at",
    "invoice_state",
    "qb_invoice_id",
    "subtotal",
    "total",
    "paid",
    "balance",
    "due_date",
)
"""``sm2 export jobs``'s columns (CSV) and keys (JSONL), in order."""


def export_record(job: ExportedJob, dealership: str, zone: ZoneInfo) -> dict[str, str | int | None]:
    """A job as a record of the export: times in ISO 8601 with the company's offset, amounts as
    decimal strings (two places), None where there is nothing (no invoice, no VIN)."""

    def amount(value: Decimal | None) -> str | None:
        return None if value is None else str(value.quantize(Decimal("0.01")))

    def moment(value: datetime | None) -> str | None:
        return None if value is None else value.astimezone(zone).isoformat()

    return {
        "job_code": job.job_code,
        "created_at": moment(job.created_at),
        "dealership_id": str(job.dealership_id),
        "dealership": dealership,
        "service_code": job.service_code,
        "year": job.year,
        "make": job.make,
        "model": job.model,
        "vin": job.vin,
        "stock_no": job.stock_no,
        "status": job.status,
        "completed_at": moment(job.completed_at),
        "invoice_state": job.invoice_state,
        "qb_invoice_id": job.qb_invoice_id,
        "subtotal": amount(job.subtotal),
        "total": amount(job.total),
        "paid": amount(job.paid),
        "balance": amount(job.balance),
        "due_date": job.due_date.isoformat() if job.due_date else None,
    }
