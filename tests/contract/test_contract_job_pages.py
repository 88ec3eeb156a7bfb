"""Contract of the board's keyset pages, as a property: any set of jobs, ties everywhere,
any page size — walking the pages yields every job exactly once, in board order."""

from __future__ import annotations

from datetime import timedelta
from uuid import UUID

import factories as f
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sm2_core.domain.enums import Urgency
from sm2_core.domain.job import Job
from sm2_core.ports import JobFilter, UnitOfWorkFactory

#: Few distinct values per key, so that most jobs tie on urgency, score and age.
JOB_KEYS = st.tuples(
    st.sampled_from(Urgency),
    st.integers(min_value=-1, max_value=1),
    st.sampled_from([0, 0.000001, 1]),
    st.integers(min_value=0, max_value=2**62 - 1),
)
"""Urgency, score, age in seconds after T0, and the low bits of the id (the tie-breaker)."""

EXAMPLES = settings(
    max_examples=25,
    deadline=None,
    database=None,  # examples depend on the rows earlier examples left: never replay them
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)


def job_id(example: int, low_bits: int) -> UUID:
    """An id unique to this example, ordered among the example's ids as ``low_bits`` is."""
    return UUID(int=(example << 80) | low_bits, version=4)


def board_key(job: Job) -> tuple[int, int, object, object]:
    return (-job.urgency.rank, -job.ranking_score, job.created_at, job.id)


async def walk(factory: UnitOfWorkFactory, query: JobFilter, limit: int) -> list[list[Job]]:
    pages: list[list[Job]] = []
    cursor = None
    async with factory() as uow:
        while True:
            page = await uow.jobs.search(query, limit=limit, cursor=cursor)
            pages.append(list(page.items))
            if (cursor := page.next_cursor) is None:
                return pages
            assert len(pages) <= 20, "the cursor does not move forward"


class TestKeysetPages:
    @EXAMPLES
    @given(
        keys=st.lists(JOB_KEYS, max_size=12, unique_by=lambda k: k[3]),
        limit=st.integers(min_value=1, max_value=5),
    )
    async def test_pages_yield_every_job_once_in_board_order(self, uow_factory, keys, limit):
        """Concatenated pages equal the sorted jobs; every page but the last is full."""
        # Each example gets its own dealership and filters on it: no reset between examples.
        dealership, example = f.dealership(), f.serial()
        jobs = [
            f.job(
                dealership.id,
                urgency=u,
                ranking_score=s,
                id=job_id(example, low),
                created_at=f.T0 + timedelta(seconds=age),
            )
            for u, s, age, low in keys
        ]
        async with uow_factory() as uow:
            await uow.dealerships.add(dealership)
            for job in jobs:
                await uow.jobs.add(job)
        pages = await walk(uow_factory, JobFilter(dealership_id=dealership.id), limit)
        walked = [j.id for page in pages for j in page]
        assert [j.id for j in sorted(jobs, key=board_key)] == walked
        assert all(len(page) == limit for page in pages[:-1])
        assert len(pages[-1]) <= limit
