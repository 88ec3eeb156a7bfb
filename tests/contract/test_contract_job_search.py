"""Contract of JobRepository's reads: the board order, every filter, keyset pages,
a technician's jobs and the counts by status."""

from __future__ import annotations

import base64
from datetime import UTC, datetime, timedelta, timezone
from uuid import UUID, uuid4

import attrs
import factories as f
import pytest

from sm2_core.domain.enums import InvoiceState, JobStatus, Urgency
from sm2_core.domain.job import Job, Vehicle
from sm2_core.errors import InvalidInput
from sm2_core.ports import JobFilter, UnitOfWorkFactory

LOW_ID = UUID("00000000-0000-4000-8000-000000000001")
HIGH_ID = UUID("ffffffff-ffff-4fff-bfff-ffffffffffff")


async def add_jobs(factory: UnitOfWorkFactory, jobs: list[Job]) -> None:
    async with factory() as uow:
        for job in jobs:
            await uow.jobs.add(job)


EVERYTHING = JobFilter()


async def search_ids(
    factory: UnitOfWorkFactory, query: JobFilter = EVERYTHING, limit: int = 100
) -> list[UUID]:
    async with factory() as uow:
        page = await uow.jobs.search(query, limit=limit)
    return [j.id for j in page.items]


class TestBoardOrder:
    async def test_urgency_then_score_then_age_then_id(self, uow_factory):
        """Highest urgency, then highest score, then oldest, then lowest id comes first."""
        d = (await f.add_world(uow_factory)).dealership.id
        expected = [
            f.job(d, urgency=Urgency.CRITICAL, ranking_score=-50, created_at=f.at(500)),
            f.job(d, urgency=Urgency.HIGH, ranking_score=10, created_at=f.at(900)),
            f.job(d, urgency=Urgency.HIGH, ranking_score=5, created_at=f.at(1)),
            f.job(d, urgency=Urgency.HIGH, ranking_score=5, created_at=f.at(2), id=LOW_ID),
            f.job(d, urgency=Urgency.HIGH, ranking_score=5, created_at=f.at(2), id=HIGH_ID),
            f.job(d, urgency=Urgency.HIGH, ranking_score=5, created_at=f.at(2.000001)),
            f.job(d, urgency=Urgency.MEDIUM, ranking_score=100, created_at=f.at(0)),
            f.job(d, urgency=Urgency.LOW, ranking_score=0, created_at=f.at(3)),
            f.job(d, urgency=Urgency.LOW, ranking_score=-3, created_at=f.at(0)),
        ]
        await add_jobs(uow_factory, expected[::-1])
        assert [j.id for j in expected] == await search_ids(uow_factory)

    async def test_age_is_compared_as_an_instant_whatever_the_offset(self, uow_factory):
        """created_at 10:00-05:00 (15:00 UTC) is younger than 12:00 UTC."""
        d = (await f.add_world(uow_factory)).dealership.id
        eastern = timezone(timedelta(hours=-5))
        older = f.job(d, created_at=datetime(2026, 3, 14, 12, 0, tzinfo=UTC))
        younger = f.job(d, created_at=datetime(2026, 3, 14, 10, 0, tzinfo=eastern))
        await add_jobs(uow_factory, [younger, older])
        assert [older.id, younger.id] == await search_ids(uow_factory)

    async def test_nothing_to_show_is_an_empty_last_page(self, uow_factory):
        """An empty board is one page with no items and no cursor."""
        async with uow_factory() as uow:
            page = await uow.jobs.search(JobFilter(), limit=10)
        assert ((), None) == (page.items, page.next_cursor)


@attrs.frozen
class Board:
    """Four jobs (in board order d, b, a, c) that each filter tells apart."""

    by_name: dict[str, Job]
    other_dealership: UUID
    tech: UUID


async def board(factory: UnitOfWorkFactory) -> Board:
    world = await f.add_world(factory)
    d2 = f.dealership()
    async with factory() as uow:
        await uow.dealerships.add(d2)
    d1, tech = world.dealership.id, world.technician.id
    jobs = {
        "a": f.job(
            d1,
            job_code="SM2-2026-101",
            urgency=Urgency.MEDIUM,
            created_at=f.at(0),
            vehicle=Vehicle(
                make="Honda", model="Accord", vin="1HGCM82633A004352", stock_no="STK-1"
            ),
            request_text="Oil change",
        ),
        "b": f.job(
            d2.id,
            job_code="SM2-2026-102",
            urgency=Urgency.HIGH,
            created_at=f.at(10),
            status=JobStatus.SCHEDULED,
            tech_id=tech,
            vehicle=Vehicle(make="Ford", model="F-150"),
            request_text="brakes 50% worn",
        ),
        "c": f.job(
            d1,
            job_code="SM2-2026-103",
            urgency=Urgency.LOW,
            created_at=f.at(20),
            status=JobStatus.COMPLETED,
            tech_id=tech,
            approved_at=f.at(25),
            approved_by="admin",
            invoice_state=InvoiceState.SYNCED,
            vehicle=Vehicle(vin="2hgfc2f59mh500001"),
        ),
        "d": f.job(
            d2.id,
            job_code="SM2-2026-104",
            urgency=Urgency.CRITICAL,
            created_at=f.at(30),
            status=JobStatus.CANCELLED,
            request_text="Tires_winter",
            invoice_state=InvoiceState.FAILED,
        ),
    }
    await add_jobs(factory, list(jobs.values()))
    return Board(by_name=jobs, other_dealership=d2.id, tech=tech)


FILTERS = {
    "status": (lambda b: JobFilter(status=JobStatus.SCHEDULED), "b"),
    "dealership": (lambda b: JobFilter(dealership_id=b.other_dealership), "db"),
    "urgency": (lambda b: JobFilter(urgency=Urgency.LOW), "c"),
    "tech": (lambda b: JobFilter(tech_id=b.tech), "bc"),
    "vin-lower-query": (lambda b: JobFilter(vin="1hgcm82633a004352"), "a"),
    "vin-lower-stored": (lambda b: JobFilter(vin="2HGFC2F59MH500001"), "c"),
    "vin-unknown": (lambda b: JobFilter(vin="1HGCM82633A004353"), ""),
    "text-code": (lambda b: JobFilter(text="sm2-2026-103"), "c"),
    "text-vin-part": (lambda b: JobFilter(text="MH5000"), "c"),
    "text-stock": (lambda b: JobFilter(text="stk-1"), "a"),
    "text-make": (lambda b: JobFilter(text="HONDA"), "a"),
    "text-model": (lambda b: JobFilter(text="f-15"), "b"),
    "text-request": (lambda b: JobFilter(text="OIL CHANGE"), "a"),
    "text-percent-is-no-wildcard": (lambda b: JobFilter(text="50% worn"), "b"),
    "text-underscore-is-no-wildcard": (lambda b: JobFilter(text="tires_w"), "d"),
    "text-no-match": (lambda b: JobFilter(text="toyota"), ""),
    "created-after-inclusive": (lambda b: JobFilter(created_after=f.at(10)), "dbc"),
    "created-before-exclusive": (lambda b: JobFilter(created_before=f.at(10)), "a"),
    "created-window": (lambda b: JobFilter(created_after=f.at(10), created_before=f.at(30)), "bc"),
    "invoice-state": (lambda b: JobFilter(invoice_state=InvoiceState.SYNCED), "c"),
    "combined": (lambda b: JobFilter(status=JobStatus.CANCELLED, tech_id=b.tech), ""),
    "none": (lambda b: JobFilter(), "dbac"),
}


class TestFilters:
    @pytest.mark.parametrize(("make_query", "expected"), FILTERS.values(), ids=FILTERS.keys())
    async def test_filter_keeps_exactly_the_matching_jobs(self, uow_factory, make_query, expected):
        """Each JobFilter field narrows the board to the jobs it matches, in board order."""
        b = await board(uow_factory)
        got = await search_ids(uow_factory, make_query(b))
        assert [b.by_name[n].id for n in expected] == got


class TestPages:
    async def test_pages_walk_the_board_and_the_last_has_no_cursor(self, uow_factory):
        """Seven jobs by three: pages of 3, 3 and 1; only the last has no next cursor."""
        d = (await f.add_world(uow_factory)).dealership.id
        jobs = [f.job(d, created_at=f.at(i)) for i in range(7)]
        await add_jobs(uow_factory, jobs)
        sizes, cursors, seen, cursor = [], [], [], None
        async with uow_factory() as uow:
            for _ in range(5):  # bounded: a cursor that does not move must not hang the test
                page = await uow.jobs.search(JobFilter(), limit=3, cursor=cursor)
                sizes.append(len(page.items))
                cursors.append(page.next_cursor is not None)
                seen += [j.id for j in page.items]
                if (cursor := page.next_cursor) is None:
                    break
        assert ([3, 3, 1], [True, True, False]) == (sizes, cursors)
        assert [j.id for j in jobs] == seen

    async def test_a_full_last_page_has_no_cursor(self, uow_factory):
        """Six jobs by three: the second page is the last one, without a cursor."""
        d = (await f.add_world(uow_factory)).dealership.id
        await add_jobs(uow_factory, [f.job(d, created_at=f.at(i)) for i in range(6)])
        async with uow_factory() as uow:
            first = await uow.jobs.search(JobFilter(), limit=3)
            second = await uow.jobs.search(JobFilter(), limit=3, cursor=first.next_cursor)
        assert (3, None) == (len(second.items), second.next_cursor)

    async def test_a_cursor_keeps_the_filter(self, uow_factory):
        """The next page of a filtered search holds only matching jobs."""
        d = (await f.add_world(uow_factory)).dealership.id
        jobs = [
            f.job(d, created_at=f.at(i), urgency=[Urgency.LOW, Urgency.HIGH][i % 2])
            for i in range(6)
        ]
        await add_jobs(uow_factory, jobs)
        query = JobFilter(urgency=Urgency.HIGH)
        async with uow_factory() as uow:
            first = await uow.jobs.search(query, limit=2)
            second = await uow.jobs.search(query, limit=2, cursor=first.next_cursor)
        assert [jobs[1].id, jobs[3].id, jobs[5].id] == [j.id for j in first.items + second.items]
        assert None is second.next_cursor

    @pytest.mark.parametrize(
        "cursor",
        [
            "not-a-cursor",
            "%%%",
            base64.urlsafe_b64encode(b"[1, 2]").decode(),
            base64.urlsafe_b64encode(b'"text"').decode(),
            base64.urlsafe_b64encode(b"\xff").decode(),
        ],
        ids=["garbage", "no-base64", "short-list", "json-string", "not-utf8"],
    )
    async def test_a_cursor_it_did_not_make_raises_invalid_input(self, uow_factory, cursor):
        """A cursor that is no cursor raises InvalidInput, not a crash."""
        async with uow_factory() as uow:
            with pytest.raises(InvalidInput):
                await uow.jobs.search(JobFilter(), limit=5, cursor=cursor)


class TestForTechnician:
    async def test_all_of_a_technicians_jobs_in_board_order(self, uow_factory):
        """Without statuses: every job of the technician, and only theirs, in board order."""
        world = await f.add_world(uow_factory)
        d, t = world.dealership.id, world.technician.id
        late = f.job(d, tech_id=t, status=JobStatus.SCHEDULED, created_at=f.at(9))
        urgent = f.job(d, tech_id=t, status=JobStatus.IN_PROGRESS, urgency=Urgency.CRITICAL)
        done = f.job(d, tech_id=t, status=JobStatus.COMPLETED, created_at=f.at(1))
        await add_jobs(uow_factory, [late, urgent, done, f.job(d)])
        async with uow_factory() as uow:
            got = await uow.jobs.for_technician(t)
        assert [urgent.id, done.id, late.id] == [j.id for j in got]

    async def test_statuses_narrow_the_list(self, uow_factory):
        """With statuses: only the technician's jobs in one of them; none for an empty list."""
        world = await f.add_world(uow_factory)
        d, t = world.dealership.id, world.technician.id
        sched = f.job(d, tech_id=t, status=JobStatus.SCHEDULED, created_at=f.at(1))
        going = f.job(d, tech_id=t, status=JobStatus.IN_PROGRESS, created_at=f.at(2))
        await add_jobs(uow_factory, [going, sched, f.job(d, tech_id=t, status=JobStatus.COMPLETED)])
        async with uow_factory() as uow:
            active = await uow.jobs.for_technician(t, [JobStatus.SCHEDULED, JobStatus.IN_PROGRESS])
            nothing = await uow.jobs.for_technician(t, [])
            stranger = await uow.jobs.for_technician(uuid4())
        assert ([sched.id, going.id], [], []) == ([j.id for j in active], nothing, stranger)


class TestCountByStatus:
    async def test_counts_every_status_with_zeros(self, uow_factory):
        """Every status is a key; statuses without jobs count zero."""
        world = await f.add_world(uow_factory)
        d, t = world.dealership.id, world.technician.id
        await add_jobs(
            uow_factory,
            [
                f.job(d),
                f.job(d),
                f.job(d, status=JobStatus.SCHEDULED, tech_id=t),
                f.job(d, status=JobStatus.CANCELLED),
            ],
        )
        async with uow_factory() as uow:
            counts = await uow.jobs.count_by_status()
        assert {
            JobStatus.PENDING: 2,
            JobStatus.SCHEDULED: 1,
            JobStatus.IN_PROGRESS: 0,
            JobStatus.COMPLETED: 0,
            JobStatus.CANCELLED: 1,
        } == counts

    async def test_no_jobs_counts_zero_everywhere(self, uow_factory):
        """An empty table still answers every status, with zero."""
        async with uow_factory() as uow:
            assert dict.fromkeys(JobStatus, 0) == await uow.jobs.count_by_status()
