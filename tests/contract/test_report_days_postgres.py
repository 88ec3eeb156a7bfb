"""Folded report days on PostgreSQL (``postgres.report_days``, migration 0020): a report reads the
folded days and counts the others, and says the same as before the fold, whatever changed since,
whoever changed it and however the changes and a fold overlap."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

import attrs
import psycopg
import pytest
import report_world as rw

from sm2_adapters.postgres import report_days
from sm2_adapters.postgres.uow import PostgresUnitOfWorkFactory
from sm2_adapters.tasks import ServicesRef, build_task_app
from sm2_core.reports import Milestone, Period

pytestmark = pytest.mark.postgres

APRIL = Period(date(2026, 4, 1), date(2026, 4, 30), rw.TZ)
PERIODS = (rw.MARCH, APRIL, Period(date(2026, 2, 1), date(2026, 4, 30), rw.TZ))


@pytest.fixture
def uow(pg_uow: PostgresUnitOfWorkFactory, pg_url: str) -> PostgresUnitOfWorkFactory:
    query(pg_url, "UPDATE report_rollup SET timezone = %s", rw.TZ)  # a test may have moved it
    return pg_uow


@pytest.fixture
async def world(uow: PostgresUnitOfWorkFactory) -> rw.ReportWorld:
    return await rw.build(uow)


async def figures(uow: PostgresUnitOfWorkFactory) -> list[Any]:
    """What the folded reports answer, for each period: the dealerships' and technicians' rows
    (distances to the micrometre: a sum's order may differ), the jobs per day, the parser's
    figures and the turnaround's."""
    found: list[Any] = []
    async with uow() as tx:
        for period in PERIODS:
            dealers = sorted(await tx.reports.dealerships(period), key=lambda f: f.dealership_id)
            techs = sorted(await tx.reports.technicians(period), key=lambda f: f.technician_id)
            found.append(dealers)
            found.append([attrs.evolve(t, km=round(t.km, 9)) for t in techs])
            found.append(sorted((await tx.reports.created_per_day(period)).items()))
            found.append(await tx.reports.parser(period))
            found.append(await tx.reports.turnaround(period))
    return found


async def fold_all(url: str, timezone: str = rw.TZ) -> int:
    folded = total = await report_days.fold(url, timezone)
    while folded:
        folded = await report_days.fold(url, timezone)
        total += folded
    return total


def query(url: str, sql: str, *params: Any) -> list[tuple[Any, ...]]:
    with psycopg.connect(url, autocommit=True) as conn:
        cur = conn.execute(sql, params)
        return cur.fetchall() if cur.description else []


def folded_march_days(url: str) -> int:
    rows = query(
        url, "SELECT count(*) FROM report_days WHERE day BETWEEN '2026-03-01' AND '2026-03-31'"
    )
    return int(rows[0][0])


class TestFolding:
    async def test_a_fold_changes_no_figure(
        self, uow: PostgresUnitOfWorkFactory, world: rw.ReportWorld, pg_url: str
    ) -> None:
        counted = await figures(uow)
        assert await fold_all(pg_url) > 0
        assert 31 == folded_march_days(pg_url)
        assert [] == query(pg_url, "SELECT day FROM report_changes")
        assert counted == await figures(uow)

    async def test_the_reports_read_the_folded_days(
        self, uow: PostgresUnitOfWorkFactory, world: rw.ReportWorld, pg_url: str
    ) -> None:
        """A folded day's row, altered behind the fold's back, is what the report sums: the
        days are not counted again from the jobs."""
        await fold_all(pg_url)
        d1 = world.dealerships["D1"].id
        query(
            pg_url,
            "UPDATE report_dealer_days SET texts = texts + 100"
            " WHERE day = '2026-03-02' AND dealership_id = %s",
            d1,
        )
        async with uow() as tx:
            found = {f.dealership_id: f for f in await tx.reports.dealerships(rw.MARCH)}
        assert 102 == found[d1].texts

    async def test_the_turnaround_reads_the_folded_days_spans(
        self, uow: PostgresUnitOfWorkFactory, world: rw.ReportWorld, pg_url: str
    ) -> None:
        """A folded day's spans, emptied behind the fold's back, are what the report ranks:
        the day's jobs are not read again."""
        async with uow() as tx:
            before = (await tx.reports.turnaround(rw.MARCH)).overall[Milestone.CREATED].count
        await fold_all(pg_url)
        emptied = query(
            pg_url,
            "UPDATE report_turnaround_days SET jobs = 0, dealers = '{}', services = '{}',"
            " spans = '' WHERE day BETWEEN '2026-03-01' AND '2026-03-31' AND jobs > 0"
            " RETURNING day",
        )
        assert emptied
        async with uow() as tx:
            after = (await tx.reports.turnaround(rw.MARCH)).overall
        assert before > 0
        assert {} == dict(after)

    async def test_a_day_folded_before_the_turnaround_was_waits_for_its_spans(
        self, uow: PostgresUnitOfWorkFactory, world: rw.ReportWorld, pg_url: str
    ) -> None:
        """Days folded before migration 0023 have no spans: the turnaround counts them from
        the jobs, the other reports keep their folds, and the next fold packs them."""
        counted = await figures(uow)
        await fold_all(pg_url)
        query(pg_url, "DELETE FROM report_turnaround_days WHERE day <= '2026-03-31'")
        assert counted == await figures(uow)
        assert 31 == folded_march_days(pg_url)
        assert await fold_all(pg_url) > 0
        assert [(31,)] == query(
            pg_url,
            "SELECT count(*) FROM report_turnaround_days"
            " WHERE day BETWEEN '2026-03-01' AND '2026-03-31'",
        )
        assert counted == await figures(uow)

    async def test_today_and_yesterday_are_never_folded(
        self, uow: PostgresUnitOfWorkFactory, pg_url: str
    ) -> None:
        """Work written today (intake, the board) records nothing and waits for no fold."""
        await rw.build(uow)
        await fold_all(pg_url)
        newest = query(pg_url, "SELECT max(day) FROM report_days")[0][0]
        local_today = query(pg_url, "SELECT (now() AT TIME ZONE %s)::date", rw.TZ)[0][0]
        assert (local_today - newest).days >= 3


class TestChangesAfterTheFold:
    async def test_changed_jobs_count_at_once_and_after_the_next_fold(
        self, uow: PostgresUnitOfWorkFactory, world: rw.ReportWorld, pg_url: str
    ) -> None:
        """After their days were folded, j8 (D1's, March 20) is cancelled and j9's labour (T1's,
        March 2) corrected from 20 to 80 minutes: both reports say so before any fold, since
        those days wait for one; the next fold keeps it."""
        await fold_all(pg_url)
        query(pg_url, "UPDATE jobs SET status = 'CANCELLED' WHERE id = %s", world.jobs["j8"].id)
        query(pg_url, "UPDATE jobs SET labour_minutes = 80 WHERE id = %s", world.jobs["j9"].id)
        assert [(date(2026, 3, 2),), (date(2026, 3, 20),)] == query(
            pg_url, "SELECT DISTINCT day FROM report_changes ORDER BY day"
        )
        d1, t1 = world.dealerships["D1"].id, world.technicians["T1"].id
        for folds in (2, 0):
            async with uow() as tx:
                dealers = {f.dealership_id: f for f in await tx.reports.dealerships(rw.MARCH)}
                techs = {f.technician_id: f for f in await tx.reports.technicians(rw.MARCH)}
            assert (5, 1) == (dealers[d1].completed, dealers[d1].cancelled)
            assert (5, 290) == (techs[t1].completed, techs[t1].labour_minutes)
            assert folds == await fold_all(pg_url)
        assert [] == query(pg_url, "SELECT day FROM report_changes")

    async def test_a_payment_counts_on_its_jobs_day(
        self, uow: PostgresUnitOfWorkFactory, world: rw.ReportWorld, pg_url: str
    ) -> None:
        """j5's invoice (its job of March 31) paid in full in QuickBooks later."""
        await fold_all(pg_url)
        query(pg_url, "UPDATE invoices SET balance = 0 WHERE job_id = %s", world.jobs["j5"].id)
        assert [(date(2026, 3, 31),)] == query(pg_url, "SELECT DISTINCT day FROM report_changes")
        async with uow() as tx:
            found = {f.dealership_id: f for f in await tx.reports.dealerships(rw.MARCH)}
        assert Decimal("229.95") == found[world.dealerships["D2"].id].paid

    async def test_a_correction_withdrawn_counts_on_its_jobs_day(
        self, uow: PostgresUnitOfWorkFactory, world: rw.ReportWorld, pg_url: str
    ) -> None:
        """j2's VIN correction (its job of March 2) deleted after the fold: March's parser
        figures lose it at once, and keep the loss after the next fold."""
        await fold_all(pg_url)
        query(pg_url, "DELETE FROM parse_corrections WHERE job_id = %s", world.jobs["j2"].id)
        assert [(date(2026, 3, 2),)] == query(pg_url, "SELECT DISTINCT day FROM report_changes")
        for folds in (1, 0):
            async with uow() as tx:
                found = await tx.reports.parser(rw.MARCH)
            assert (4, 1, {}) == (
                found.parsed_jobs,
                found.corrected_jobs,
                {f: n for f, n in found.by_field.items() if f.value == "vin"},
            )
            assert folds == await fold_all(pg_url)

    async def test_a_moved_zone_unfolds_every_day(
        self, uow: PostgresUnitOfWorkFactory, world: rw.ReportWorld, pg_url: str
    ) -> None:
        """The technicians' distances depend on where the zones are: moving one drops every
        fold, and the distance is the new one at once."""
        await fold_all(pg_url)
        t1 = world.technicians["T1"].id
        zone_c = world.zones["C"]
        query(
            pg_url,
            "UPDATE zones SET latitude = %s, longitude = %s WHERE id = %s",
            world.zones["B"].latitude,
            world.zones["B"].longitude,
            zone_c.id,
        )
        assert 0 == folded_march_days(pg_url)
        async with uow() as tx:
            techs = {f.technician_id: f for f in await tx.reports.technicians(rw.MARCH)}
        assert 0.0 == techs[t1].km  # B → C is no distance now
        counted = await figures(uow)
        await fold_all(pg_url)
        assert counted == await figures(uow)

    async def test_a_change_the_fold_did_not_see_is_not_lost(
        self, uow: PostgresUnitOfWorkFactory, world: rw.ReportWorld, pg_url: str
    ) -> None:
        """A change committed after a fold's snapshot: its day stays waiting, so the report
        counts it, and the fold after takes it."""
        await fold_all(pg_url)
        with psycopg.connect(pg_url) as writer:
            writer.execute(
                "UPDATE jobs SET status = 'CANCELLED' WHERE id = %s", (world.jobs["j11"].id,)
            )
            # The change's day waits (the writer's own entry, not committed yet); the fold runs
            # meanwhile, on a snapshot without it.
            query(pg_url, "DELETE FROM report_days WHERE day = '2026-03-25'")
            assert 1 == await report_days.fold(pg_url, rw.TZ)
            writer.commit()
        assert [(date(2026, 3, 25),)] == query(pg_url, "SELECT DISTINCT day FROM report_changes")
        d2 = world.dealerships["D2"].id
        async with uow() as tx:
            found = {f.dealership_id: f for f in await tx.reports.dealerships(rw.MARCH)}
        assert 2 == found[d2].cancelled  # j4, and j11 now
        assert 1 == await fold_all(pg_url)
        async with uow() as tx:
            found = {f.dealership_id: f for f in await tx.reports.dealerships(rw.MARCH)}
        assert 2 == found[d2].cancelled


class TestTheZone:
    async def test_another_zone_drops_the_folds_and_counts_from_the_jobs(
        self, uow: PostgresUnitOfWorkFactory, world: rw.ReportWorld, pg_url: str
    ) -> None:
        counted = await figures(uow)
        await fold_all(pg_url)
        assert 0 == await report_days.fold(pg_url, "America/Vancouver")
        assert [] == query(pg_url, "SELECT day FROM report_days")
        # Toronto's report while the days are Vancouver's: nothing folded is used.
        await fold_all(pg_url, "America/Vancouver")
        assert counted == await figures(uow)

    async def test_a_change_in_flight_when_the_zone_changes_is_not_lost(
        self, uow: PostgresUnitOfWorkFactory, world: rw.ReportWorld, pg_url: str
    ) -> None:
        """A writer reads the company's zone (Toronto) and records its change's day there; the
        zone becomes Tokyo's, where that job's day is another, and every day is folded again
        before the writer commits. The Tokyo report still counts the change, at once and after
        the next fold."""
        tokyo = "Asia/Tokyo"
        march = Period(date(2026, 3, 1), date(2026, 3, 31), tokyo)
        await fold_all(pg_url)
        with psycopg.connect(pg_url) as writer:
            writer.execute(
                "UPDATE jobs SET status = 'CANCELLED' WHERE id = %s", (world.jobs["j11"].id,)
            )
            assert 0 == await report_days.fold(pg_url, tokyo)  # the zone changes
            assert await fold_all(pg_url, tokyo) > 0  # on snapshots without the change
            writer.commit()

        async def cancelled() -> int:
            async with uow() as tx:
                found = {f.dealership_id: f for f in await tx.reports.dealerships(march)}
            return found[world.dealerships["D2"].id].cancelled

        now = await cancelled()
        await fold_all(pg_url, tokyo)
        after_the_fold = await cancelled()
        query(pg_url, "DELETE FROM report_days")
        assert (now, after_the_fold) == (await cancelled(),) * 2
        assert [] == query(pg_url, "SELECT day FROM report_changes WHERE timezone <> %s", tokyo)

    async def test_one_fold_at_a_time(
        self, uow: PostgresUnitOfWorkFactory, world: rw.ReportWorld, pg_url: str
    ) -> None:
        with psycopg.connect(pg_url, autocommit=True) as other:
            other.execute("SELECT pg_advisory_lock(%s)", (report_days.FOLD_LOCK,))
            assert 0 == await report_days.fold(pg_url, rw.TZ)
        assert await report_days.fold(pg_url, rw.TZ) > 0


class TestSplit:
    def test_the_days_not_folded_go_as_runs_of_local_midnights(self) -> None:
        """March 2026 with the 3rd to the 30th folded: the 1st–2nd and the 31st are counted
        from the jobs, each run from its first day's local midnight to its last day's next;
        the 8th's daylight-saving change is inside the fold and changes nothing."""
        folded = [date(2026, 3, d) for d in range(3, 31)]
        days = report_days.split(rw.MARCH.each_day(), folded, rw.MARCH.zone)
        assert folded == days.folded
        assert [
            (datetime(2026, 3, 1, 5, tzinfo=UTC), datetime(2026, 3, 3, 5, tzinfo=UTC)),
            (datetime(2026, 3, 31, 4, tzinfo=UTC), datetime(2026, 4, 1, 4, tzinfo=UTC)),
        ] == days.runs
        assert days.runs[1] == (days.params()["lo1"], days.params()["hi1"])

    def test_nothing_folded_is_one_run_and_everything_folded_none(self) -> None:
        """A day outside the period is never summed into it, folded or not."""
        whole = report_days.split(rw.MARCH.each_day(), [], rw.MARCH.zone)
        assert ([], [rw.MARCH.bounds]) == (whole.folded, whole.runs)
        every = [*rw.MARCH.each_day(), date(2026, 4, 1)]
        folded = report_days.split(rw.MARCH.each_day(), every, rw.MARCH.zone)
        assert (rw.MARCH.each_day(), []) == (folded.folded, folded.runs)


class TestTheWorkersTask:
    async def test_every_minute_the_worker_folds_in_the_companys_zone(
        self, uow: PostgresUnitOfWorkFactory, world: rw.ReportWorld, pg_url: str
    ) -> None:
        app = build_task_app(pg_url, ServicesRef(), timezone="America/Halifax")
        periodic = {key[0]: task for key, task in app.periodic_registry.periodic_tasks.items()}
        task = app.tasks["fold_report_days"]
        assert ("* * * * *", "report_days", "sm2") == (
            periodic[task.name].cron,
            task.queueing_lock,
            task.queue,
        )
        await task(timestamp=0)  # the zone was Toronto's: its folds are dropped
        assert ("America/Halifax", []) == (
            query(pg_url, "SELECT timezone FROM report_rollup")[0][0],
            query(pg_url, "SELECT day FROM report_days"),
        )
        await task(timestamp=60)
        assert 31 == len(query(pg_url, "SELECT day FROM report_days"))
