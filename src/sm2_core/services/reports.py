"""Reports for the owner (``GET /api/reports/*``, the Reports page) and the jobs export
(``sm2 export jobs``): the adapters count (``ports.ReportSource``), this names the rows."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterable, Mapping
from datetime import date
from typing import TypeVar
from uuid import UUID
from zoneinfo import ZoneInfo

import attrs

from sm2_core.domain.entities import Dealership, Service, Technician
from sm2_core.ports import Clock, UnitOfWork, UnitOfWorkFactory
from sm2_core.reports import (
    DEFAULT_WORKING_DAY_HOURS,
    DealershipFigures,
    DealershipReport,
    DealershipRow,
    ExportedJob,
    ParserReport,
    Period,
    TechnicianFigures,
    TechnicianReport,
    TechnicianRow,
    TurnaroundReport,
    TurnaroundRow,
    busy_share,
    parser_report,
    period,
    spreads,
)

EXPORT_PAGE = 1000
"""Jobs read per unit of work by an export: memory stays flat whatever the period holds."""


@attrs.frozen
class Reports:
    """The four reports of one period, read together (the Reports page)."""

    dealerships: DealershipReport
    turnaround: TurnaroundReport
    technicians: TechnicianReport
    parser: ParserReport
    created_per_day: tuple[tuple[date, int], ...]
    """Every day of the period with the jobs created on it (0 on a day without)."""


@attrs.frozen
class ExportPage:
    """A page of the jobs export, with the names its rows refer to."""

    jobs: tuple[ExportedJob, ...]
    dealerships: Mapping[UUID, Dealership]


@attrs.define(kw_only=True, frozen=True)
class ReportService:
    uow: UnitOfWorkFactory
    clock: Clock
    timezone: str = "America/Toronto"
    working_day_hours: float = DEFAULT_WORKING_DAY_HOURS
    """A technician's working day, for the share of it spent on jobs."""

    def period(self, first: date | None = None, last: date | None = None) -> Period:
        """The period asked for (default: this month so far, in the company's time zone);
        InvalidInput naming ``from`` or ``to`` when it cannot be reported on."""
        today = self.clock.now().astimezone(ZoneInfo(self.timezone)).date()
        return period(first, last, today=today, timezone=self.timezone)

    async def dealerships(self, span: Period) -> DealershipReport:
        async with self.uow() as uow:
            return await self._dealerships(uow, span)

    async def turnaround(self, span: Period) -> TurnaroundReport:
        async with self.uow() as uow:
            return await self._turnaround(uow, span)

    async def technicians(self, span: Period) -> TechnicianReport:
        async with self.uow() as uow:
            return await self._technicians(uow, span)

    async def parser(self, span: Period) -> ParserReport:
        async with self.uow() as uow:
            return parser_report(span, await uow.reports.parser(span))

    async def all(self, span: Period) -> Reports:
        """The four reports from one snapshot of the data."""
        async with self.uow() as uow:
            return Reports(
                dealerships=await self._dealerships(uow, span),
                turnaround=await self._turnaround(uow, span),
                technicians=await self._technicians(uow, span),
                parser=parser_report(span, await uow.reports.parser(span)),
                created_per_day=await _per_day(uow, span),
            )

    async def export_jobs(
        self, span: Period, *, page: int = EXPORT_PAGE
    ) -> AsyncIterator[ExportPage]:
        """The period's jobs, oldest first, a page at a time (each read in its own unit of
        work: a long export holds no transaction open)."""
        after = None
        while True:
            async with self.uow() as uow:
                found = await uow.reports.jobs(span, after=after, limit=page)
                dealerships = {d.id: d for d in await uow.dealerships.all(include_inactive=True)}
            if found:
                yield ExportPage(tuple(found), dealerships)
            if len(found) < page:
                return
            after = (found[-1].created_at, found[-1].job_id)

    async def _dealerships(self, uow: UnitOfWork, span: Period) -> DealershipReport:
        figures = {f.dealership_id: f for f in await uow.reports.dealerships(span)}
        known = await uow.dealerships.all(include_inactive=True)
        rows = [
            DealershipRow(d.name, figures.get(d.id) or DealershipFigures(d.id))
            for d in _shown(known, figures)
        ]
        return DealershipReport(span, tuple(rows))

    async def _turnaround(self, uow: UnitOfWork, span: Period) -> TurnaroundReport:
        found = await uow.reports.turnaround(span)
        services = {s.code: s for s in await uow.services.all(include_inactive=True)}
        dealerships = {d.id: d for d in await uow.dealerships.all(include_inactive=True)}
        by_service = [
            TurnaroundRow(code or "", _service_name(services, code), spreads(milestones))
            for code, milestones in sorted(
                found.by_service.items(), key=lambda item: (item[0] is None, item[0] or "")
            )
        ]
        by_dealership = sorted(
            (
                TurnaroundRow(str(d), _dealership_name(dealerships, d), spreads(milestones))
                for d, milestones in found.by_dealership.items()
            ),
            key=lambda row: (row.name.casefold(), row.key),
        )
        return TurnaroundReport(
            span, spreads(found.overall), tuple(by_service), tuple(by_dealership)
        )

    async def _technicians(self, uow: UnitOfWork, span: Period) -> TechnicianReport:
        figures = {f.technician_id: f for f in await uow.reports.technicians(span)}
        known = await uow.technicians.all(include_inactive=True)
        rows = []
        for tech in _shown(known, figures):
            found = figures.get(tech.id) or TechnicianFigures(tech.id)
            rows.append(
                TechnicianRow(
                    name=tech.name,
                    figures=found,
                    busy_share=busy_share(found, self.working_day_hours),
                    km=round(found.km, 1),
                )
            )
        return TechnicianReport(span, self.working_day_hours, tuple(rows))


async def _per_day(uow: UnitOfWork, span: Period) -> tuple[tuple[date, int], ...]:
    found = await uow.reports.created_per_day(span)
    return tuple((day, found.get(day, 0)) for day in span.each_day())


_Named = TypeVar("_Named", Dealership, Technician)


def _shown(known: Iterable[_Named], figures: Mapping[UUID, object]) -> list[_Named]:
    """Active ones, and inactive ones with figures, by name (then id)."""
    return sorted(
        (x for x in known if x.is_active or x.id in figures),
        key=lambda x: (x.name.casefold(), str(x.id)),
    )


def _service_name(services: Mapping[str, Service], code: str | None) -> str:
    if code is None:
        return ""
    service = services.get(code)
    return service.name if service else code


def _dealership_name(dealerships: Mapping[UUID, Dealership], dealership_id: UUID) -> str:
    found = dealerships.get(dealership_id)
    return found.name if found else str(dealership_id)
