"""Contract of the reports' source (``ReportSource``): the memory fake and PostgreSQL count the
same month (``report_world``) to the same, hand-worked figures."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from uuid import UUID

import attrs
import pytest
import report_world as rw

from sm2_adapters.memory import ManualClock
from sm2_core.domain.corrections import ParsedField
from sm2_core.ports import UnitOfWorkFactory
from sm2_core.reports import (
    DealershipFigures,
    Durations,
    Milestone,
    ParserFigures,
    Period,
    Spread,
    TechnicianFigures,
)
from sm2_core.services import ReportService

M = Milestone


@pytest.fixture
async def world(uow_factory: UnitOfWorkFactory) -> rw.ReportWorld:
    return await rw.build(uow_factory)


class TestDealerships:
    async def test_each_dealerships_figures(
        self, uow_factory: UnitOfWorkFactory, world: rw.ReportWorld
    ) -> None:
        """Texts and jobs of March only (the text at 23:30 on the 31st is March's, the one at
        00:30 on April 1 is not); a voided invoice counts for nothing; QuickBooks' total when
        it said one, else the subtotal; overdue is the balance of the OVERDUE invoice; a
        dealership with a text and no job has its row."""
        async with uow_factory() as uow:
            found = {f.dealership_id: f for f in await uow.reports.dealerships(rw.MARCH)}
        d = world.dealerships
        assert {
            d["D1"].id: DealershipFigures(
                d["D1"].id,
                texts=2,
                jobs_created=6,
                completed=5,
                cancelled=0,
                invoiced=Decimal("314.98"),
                paid=Decimal("114.98"),
                overdue=Decimal("0.00"),
            ),
            d["D2"].id: DealershipFigures(
                d["D2"].id,
                texts=2,
                jobs_created=4,
                completed=1,
                cancelled=1,
                invoiced=Decimal("229.95"),
                paid=Decimal("129.95"),
                overdue=Decimal("100.00"),
            ),
            d["D3"].id: DealershipFigures(d["D3"].id, texts=1),
        } == found

    async def test_a_period_with_nothing_has_no_rows(
        self, uow_factory: UnitOfWorkFactory, world: rw.ReportWorld
    ) -> None:
        async with uow_factory() as uow:
            assert [] == await uow.reports.dealerships(Period(date(2026, 5, 1), date(2026, 5, 31)))


class TestTurnaround:
    async def test_overall_nearest_rank_percentiles(
        self, uow_factory: UnitOfWorkFactory, world: rw.ReportWorld
    ) -> None:
        """Ten jobs to ``created`` (six typed in by hand at 0 s): p90 is the 9th value, 45.5 s as
        46 s, not the 10th (⌈0.9 × 10⌉ in floating point is 10); only COMPLETED jobs are
        ``completed``; the job of April's first hours is March's by its creation."""
        async with uow_factory() as uow:
            found = await uow.reports.turnaround(rw.MARCH)
        assert {
            M.CREATED: Durations(10, 0, 46),
            M.ASSIGNED: Durations(8, 1800, 5400),
            M.STARTED: Durations(7, 3600, 10800),
            M.COMPLETED: Durations(6, 7200, 14400),
        } == dict(found.overall)

    async def test_per_service_and_per_dealership(
        self, uow_factory: UnitOfWorkFactory, world: rw.ReportWorld
    ) -> None:
        async with uow_factory() as uow:
            found = await uow.reports.turnaround(rw.MARCH)
        s1 = world.services["S1"].code
        assert {s1, world.services["S2"].code, None} == set(found.by_service)
        assert Durations(5, 0, 60) == found.by_service[s1][M.CREATED]
        assert {M.CREATED: Durations(1, 0, 0)} == dict(found.by_service[None])
        d2 = found.by_dealership[world.dealerships["D2"].id]
        assert Durations(4, 0, 60) == d2[M.CREATED]
        assert Durations(3, 3600, 5400) == d2[M.ASSIGNED]
        assert Durations(1, 12600, 12600) == d2[M.COMPLETED]
        assert world.dealerships["D3"].id not in found.by_dealership

    async def test_a_period_with_nothing(
        self, uow_factory: UnitOfWorkFactory, world: rw.ReportWorld
    ) -> None:
        async with uow_factory() as uow:
            found = await uow.reports.turnaround(Period(date(2026, 5, 1), date(2026, 5, 1)))
        assert ({}, {}, {}) == (
            dict(found.overall),
            dict(found.by_service),
            dict(found.by_dealership),
        )


class TestTechnicians:
    async def test_work_days_and_distance(
        self, uow_factory: UnitOfWorkFactory, world: rw.ReportWorld
    ) -> None:
        """T1's March 2: zones A, unknown, B, C in start order: only B → C counts (36.0 km).
        T2 started one job on March 9, still in progress: one working day, nothing done."""
        async with uow_factory() as uow:
            found = {f.technician_id: f for f in await uow.reports.technicians(rw.MARCH)}
        t1, t2 = world.technicians["T1"].id, world.technicians["T2"].id
        assert {t1, t2} == set(found)
        assert 36.0 == round(found[t1].km, 1)
        assert {int} == {
            type(v) for f in found.values() for v in (f.labour_minutes, f.busy_us, f.completed)
        }
        assert (
            TechnicianFigures(
                t1,
                completed=5,
                labour_minutes=230,
                busy_us=19_800 * 1_000_000,
                working_days=2,
                km=found[t1].km,
            )
            == found[t1]
        )
        assert TechnicianFigures(t2, working_days=1) == attrs.evolve(
            found[t2], km=round(found[t2].km, 6)
        )

    async def test_work_counts_in_the_month_it_was_started(
        self, uow_factory: UnitOfWorkFactory, world: rw.ReportWorld
    ) -> None:
        """j5, created on March 31 at 23:30, was started and completed on April 1: April's
        work, not March's; T1 started nothing in April and has no row."""
        async with uow_factory() as uow:
            found = await uow.reports.technicians(Period(date(2026, 4, 1), date(2026, 4, 30)))
        t2 = world.technicians["T2"].id
        assert [
            TechnicianFigures(
                t2, completed=1, labour_minutes=60, busy_us=3600 * 1_000_000, working_days=1
            )
        ] == [attrs.evolve(f, km=round(f.km, 6)) for f in found]


class TestParser:
    async def test_parsed_jobs_and_their_corrections(
        self, uow_factory: UnitOfWorkFactory, world: rw.ReportWorld
    ) -> None:
        """Four of March's jobs were parsed from texts; j1 had two fields corrected, j2 one;
        February's correction is not March's."""
        async with uow_factory() as uow:
            found = await uow.reports.parser(rw.MARCH)
        assert ParserFigures(
            parsed_jobs=4,
            corrected_jobs=2,
            by_field={ParsedField.SERVICE_CODE: 1, ParsedField.MODEL: 1, ParsedField.VIN: 1},
        ) == attrs.evolve(found, by_field=dict(found.by_field))


class TestPerDay:
    async def test_jobs_created_each_local_day(
        self, uow_factory: UnitOfWorkFactory, world: rw.ReportWorld
    ) -> None:
        """j5, created at 23:30 on March 31 (04:30 on April 1 in UTC), is March 31's."""
        async with uow_factory() as uow:
            found = await uow.reports.created_per_day(rw.MARCH)
        assert {
            date(2026, 3, 2): 4,
            date(2026, 3, 9): 2,
            date(2026, 3, 15): 1,
            date(2026, 3, 20): 1,
            date(2026, 3, 25): 1,
            date(2026, 3, 31): 1,
        } == found


class TestExport:
    async def test_pages_in_creation_order_with_invoices(
        self, uow_factory: UnitOfWorkFactory, world: rw.ReportWorld
    ) -> None:
        """Oldest first, a page after the last job of the one before; each job with its
        invoice's amounts (paid: total − balance, nothing when voided or not yet known)."""
        order = ["j1", "j2", "j9", "j10", "j4", "j3", "j6", "j8", "j11", "j5"]
        pages: list[list[UUID]] = []
        after = None
        async with uow_factory() as uow:
            while True:
                page = await uow.reports.jobs(rw.MARCH, after=after, limit=4)
                pages.append([p.job_id for p in page])
                if len(page) < 4:
                    break
                after = (page[-1].created_at, page[-1].job_id)
            every = {p.job_id: p for p in await uow.reports.jobs(rw.MARCH, limit=100)}
        assert [
            rw.ids(world, *order[:4]),
            rw.ids(world, *order[4:8]),
            rw.ids(world, *order[8:]),
        ] == pages
        j1, j2 = every[world.jobs["j1"].id], every[world.jobs["j2"].id]
        j5, j6 = every[world.jobs["j5"].id], every[world.jobs["j6"].id]
        assert (Decimal("114.98"), Decimal("0.00"), Decimal("114.98")) == (
            j1.total,
            j1.balance,
            j1.paid,
        )
        assert (Decimal("200.00"), None, Decimal("0.00")) == (j2.subtotal, j2.total, j2.paid)
        assert (Decimal("129.95"), date(2026, 3, 31), "OVERDUE") == (
            j5.paid,
            j5.due_date,
            j5.invoice_state,
        )
        assert (True, Decimal("0.00")) == (j6.voided, j6.paid)
        assert every[world.jobs["j8"].id].paid is None
        assert rw.local(2, 11) == j1.completed_at
        j3 = every[world.jobs["j3"].id]
        assert (world.jobs["j1"].job_code, "COMPLETED", "IN_PROGRESS", None) == (
            j1.job_code,
            j1.status,
            j3.status,
            j3.completed_at,
        )


class TestService:
    """The service over each adapter: rows named, ordered and completed the same."""

    def service(self, factory: UnitOfWorkFactory) -> ReportService:
        return ReportService(uow=factory, clock=ManualClock(rw.local(14, 12)), timezone=rw.TZ)

    async def test_dealership_rows(
        self, uow_factory: UnitOfWorkFactory, world: rw.ReportWorld
    ) -> None:
        """Active dealerships by name, and the inactive one that sent a text; the totals add
        them up."""
        report = await self.service(uow_factory).dealerships(rw.MARCH)
        d = world.dealerships
        expected = sorted((d[k] for k in ("D1", "D2", "D3")), key=lambda x: x.name.casefold())
        assert [x.name for x in expected] == [r.name for r in report.rows]
        totals = report.totals
        assert (5, 10, Decimal("544.93"), Decimal("244.93")) == (
            totals.texts,
            totals.jobs_created,
            totals.invoiced,
            totals.paid,
        )

    async def test_turnaround_rows_in_seconds(
        self, uow_factory: UnitOfWorkFactory, world: rw.ReportWorld
    ) -> None:
        report = await self.service(uow_factory).turnaround(rw.MARCH)
        assert Spread(10, 0, 46) == report.overall[M.CREATED]
        assert [world.services["S1"].code, world.services["S2"].code, ""] == [
            r.key for r in report.by_service
        ]
        no_service = report.by_service[-1]
        assert (Spread(1, 0, 0), Spread(0, None, None)) == (
            no_service.milestones[M.CREATED],
            no_service.milestones[M.COMPLETED],
        )

    async def test_technician_rows(
        self, uow_factory: UnitOfWorkFactory, world: rw.ReportWorld
    ) -> None:
        report = await self.service(uow_factory).technicians(rw.MARCH)
        rows = {r.figures.technician_id: r for r in report.rows}
        t1, t2 = rows[world.technicians["T1"].id], rows[world.technicians["T2"].id]
        assert (36.0, 0.3438) == (t1.km, t1.busy_share)
        assert (0.0, 0.0) == (t2.km, t2.busy_share)

    async def test_all_four_and_every_day(
        self, uow_factory: UnitOfWorkFactory, world: rw.ReportWorld
    ) -> None:
        found = await self.service(uow_factory).all(rw.MARCH)
        assert 31 == len(found.created_per_day)
        assert (date(2026, 3, 1), 0) == found.created_per_day[0]
        assert (date(2026, 3, 2), 4) == found.created_per_day[1]
        assert 10 == sum(n for _, n in found.created_per_day)
        assert 4 == found.parser.parsed_jobs

    async def test_the_export_pages_through_every_job(
        self, uow_factory: UnitOfWorkFactory, world: rw.ReportWorld
    ) -> None:
        """Pages of 3 (the last short), then pages of 5 that end exactly: every job once, in
        order, each page with the dealerships' names."""
        service = self.service(uow_factory)
        by_three = [page async for page in service.export_jobs(rw.MARCH, page=3)]
        by_five = [page async for page in service.export_jobs(rw.MARCH, page=5)]
        assert [3, 3, 3, 1] == [len(p.jobs) for p in by_three]
        assert [5, 5] == [len(p.jobs) for p in by_five]
        flat = [j.job_id for p in by_three for j in p.jobs]
        assert flat == [j.job_id for p in by_five for j in p.jobs]
        assert 10 == len(set(flat))
        assert (
            world.dealerships["D1"].name == by_three[0].dealerships[world.dealerships["D1"].id].name
        )
