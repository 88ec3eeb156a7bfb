"""The reports' figures counted in memory, keeping the PostgreSQL adapter's promises (the same
definitions, in Python: ``sm2_core.reports``)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import date, datetime
from decimal import Decimal
from itertools import pairwise
from typing import TYPE_CHECKING
from uuid import UUID

import attrs

from sm2_core.domain.corrections import ParsedField, is_parsed
from sm2_core.domain.entities import Zone
from sm2_core.domain.enums import InvoiceState, JobStatus
from sm2_core.domain.job import Job
from sm2_core.policies import haversine_km
from sm2_core.ports import ReportSource
from sm2_core.reports import (
    DealershipFigures,
    Durations,
    ExportedJob,
    Milestone,
    ParserFigures,
    Period,
    TechnicianFigures,
    TurnaroundFigures,
    durations_of,
    elapsed_us,
)

if TYPE_CHECKING:
    from sm2_adapters.memory.store import Tables

ZERO = Decimal("0.00")


class MemoryReportSource:
    def __init__(self, tables: Tables) -> None:
        self._t = tables

    def _jobs(self, period: Period) -> list[Job]:
        start, end = period.bounds
        return [j for j in self._t.jobs.values() if start <= j.created_at < end]

    async def dealerships(self, period: Period) -> list[DealershipFigures]:
        start, end = period.bounds
        found: dict[UUID, _Tally] = defaultdict(_Tally)
        for message in self._t.messages.values():
            if message.dealership_id is not None and start <= message.received_at < end:
                found[message.dealership_id].texts += 1
        for job in self._jobs(period):
            tally = found[job.dealership_id]
            tally.jobs_created += 1
            tally.completed += job.status is JobStatus.COMPLETED
            tally.cancelled += job.status is JobStatus.CANCELLED
            invoice = self._t.invoices.get(job.id)
            if invoice is None or invoice.voided:
                continue
            tally.invoiced += invoice.total if invoice.total is not None else invoice.subtotal
            tally.paid += invoice.paid
            if job.invoice_state is InvoiceState.OVERDUE:
                tally.overdue += next(
                    a for a in (invoice.balance, invoice.total, invoice.subtotal) if a is not None
                )
        return [
            DealershipFigures(dealership_id=d, **attrs.asdict(tally)) for d, tally in found.items()
        ]

    async def turnaround(self, period: Period) -> TurnaroundFigures:
        overall: dict[Milestone, list[int]] = defaultdict(list)
        services: dict[str | None, dict[Milestone, list[int]]] = defaultdict(
            lambda: defaultdict(list)
        )
        dealers: dict[UUID, dict[Milestone, list[int]]] = defaultdict(lambda: defaultdict(list))
        for job in self._jobs(period):
            origin = self._received_at(job)
            for milestone, reached in _milestones(job):
                if reached is None:
                    continue
                took = elapsed_us(origin, reached)
                for bucket in (overall, services[job.service_code], dealers[job.dealership_id]):
                    bucket[milestone].append(took)
        return TurnaroundFigures(
            overall=_spread(overall),
            by_service={code: _spread(found) for code, found in services.items()},
            by_dealership={d: _spread(found) for d, found in dealers.items()},
        )

    def _received_at(self, job: Job) -> datetime:
        message = self._t.messages.get(job.source_message_id) if job.source_message_id else None
        return message.received_at if message is not None else job.created_at

    async def technicians(self, period: Period) -> list[TechnicianFigures]:
        start, end = period.bounds
        mine: dict[UUID, list[Job]] = defaultdict(list)
        for job in self._t.jobs.values():
            if job.tech_id is not None and job.started_at and start <= job.started_at < end:
                mine[job.tech_id].append(job)
        return [self._technician(tech_id, jobs, period) for tech_id, jobs in mine.items()]

    def _technician(self, tech_id: UUID, jobs: list[Job], period: Period) -> TechnicianFigures:
        done = [j for j in jobs if j.status is JobStatus.COMPLETED]
        busy = sum(
            elapsed_us(j.started_at, j.completed_at)
            for j in done
            if j.started_at is not None and j.completed_at is not None
        )
        days: dict[date, list[Job]] = defaultdict(list)
        for job in jobs:
            assert job.started_at is not None  # technicians() takes the jobs started
            days[job.started_at.astimezone(period.zone).date()].append(job)
        km = sum(self._km(sorted(day, key=lambda j: (j.started_at, j.id))) for day in days.values())
        return TechnicianFigures(
            technician_id=tech_id,
            completed=len(done),
            labour_minutes=sum(j.completion.labour_minutes for j in done if j.completion),
            busy_us=busy,
            working_days=len(days),
            km=km,
        )

    def _km(self, day: Iterable[Job]) -> float:
        zones = [self._zone(job) for job in day]
        return sum(haversine_km(a, b) for a, b in pairwise(zones) if a and b)

    def _zone(self, job: Job) -> Zone | None:
        return self._t.zones.get(job.zone_id) if job.zone_id else None

    async def parser(self, period: Period) -> ParserFigures:
        parsed = {j.id for j in self._jobs(period) if is_parsed(j)}
        by_field: dict[ParsedField, int] = defaultdict(int)
        corrected: set[UUID] = set()
        for job_id, field in self._t.corrections:
            if job_id in parsed:
                by_field[field] += 1
                corrected.add(job_id)
        return ParserFigures(
            parsed_jobs=len(parsed), corrected_jobs=len(corrected), by_field=dict(by_field)
        )

    async def created_per_day(self, period: Period) -> dict[date, int]:
        days: dict[date, int] = defaultdict(int)
        for job in self._jobs(period):
            days[job.created_at.astimezone(period.zone).date()] += 1
        return dict(days)

    async def jobs(
        self, period: Period, *, after: tuple[datetime, UUID] | None = None, limit: int
    ) -> list[ExportedJob]:
        ordered = sorted(self._jobs(period), key=lambda j: (j.created_at, j.id))
        if after is not None:
            ordered = [j for j in ordered if (j.created_at, j.id) > after]
        return [self._exported(job) for job in ordered[:limit]]

    def _exported(self, job: Job) -> ExportedJob:
        invoice = self._t.invoices.get(job.id)
        v = job.vehicle
        return ExportedJob(
            job_id=job.id,
            job_code=job.job_code,
            created_at=job.created_at,
            dealership_id=job.dealership_id,
            service_code=job.service_code,
            year=v.year,
            make=v.make,
            model=v.model,
            vin=v.vin,
            stock_no=v.stock_no,
            status=job.status.value,
            invoice_state=job.invoice_state.value,
            qb_invoice_id=job.qb_invoice_id,
            completed_at=job.completed_at,
            subtotal=invoice.subtotal if invoice else None,
            total=invoice.total if invoice else None,
            balance=invoice.balance if invoice else None,
            due_date=invoice.due_date if invoice else None,
            voided=invoice.voided if invoice else False,
        )


@attrs.define
class _Tally:
    texts: int = 0
    jobs_created: int = 0
    completed: int = 0
    cancelled: int = 0
    invoiced: Decimal = ZERO
    paid: Decimal = ZERO
    overdue: Decimal = ZERO


def _milestones(job: Job) -> Iterable[tuple[Milestone, datetime | None]]:
    completed = job.completed_at if job.status is JobStatus.COMPLETED else None
    return (
        (Milestone.CREATED, job.created_at),
        (Milestone.ASSIGNED, job.assigned_at),
        (Milestone.STARTED, job.started_at),
        (Milestone.COMPLETED, completed),
    )


def _spread(found: dict[Milestone, list[int]]) -> dict[Milestone, Durations]:
    return {m: durations_of(values) for m, values in found.items()}


def _conforms(source: MemoryReportSource) -> ReportSource:
    """Checked by mypy: the fake has the shape of the port."""
    return source
