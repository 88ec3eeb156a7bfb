""" "This rule would have matched N of the last 100 jobs", with the ranking engine's own test.

The job list is sorted by urgency, not by age, so the newest jobs are found by narrowing a
``created_after`` window until it holds at least 100 jobs and fits in one page: a handful of
bounded queries whatever the size of the table.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta

import attrs

from sm2_core.domain.entities import RankingRule
from sm2_core.domain.job import Job
from sm2_core.ports import JobFilter
from sm2_core.ranking import JobDraft, rule_matches
from sm2_core.services import Services

SAMPLE = 100
_PAGE = 200
_LONGEST = timedelta(days=3 * 365)
_SHORTEST = timedelta(minutes=1)
_TRIES = 16


def _newest(jobs: Iterable[Job], n: int) -> list[Job]:
    return sorted(jobs, key=lambda j: (j.created_at, j.job_code), reverse=True)[:n]


async def recent_jobs(services: Services, now: datetime, n: int = SAMPLE) -> list[Job]:
    """The ``n`` most recently created jobs (fewer when there are fewer)."""
    span, fits, overflow = timedelta(days=7), timedelta(0), None
    found: list[Job] = []
    for _ in range(_TRIES):
        page = await services.dispatch.list_jobs(JobFilter(created_after=now - span), limit=_PAGE)
        if page.next_cursor is None:
            found = list(page.items)
            if len(found) >= n or span >= _LONGEST:
                break
            fits = span
            span = min(span * 4, _LONGEST) if overflow is None else (span + overflow) / 2
        else:
            overflow = span
            found = list(page.items)  # the best we have if the window never narrows enough
            span = (fits + span) / 2
            if span < _SHORTEST:
                break
    return _newest(found, n)


def draft_of(job: Job) -> JobDraft:
    return JobDraft(
        dealership_id=job.dealership_id,
        service_code=job.service_code,
        make=job.vehicle.make,
        base_urgency=job.urgency,
    )


def matches(rule: RankingRule, jobs: Sequence[Job]) -> int:
    """How many of ``jobs`` the rule matches, as if it were active."""
    active = attrs.evolve(rule, is_active=True)
    return sum(1 for job in jobs if rule_matches(active, draft_of(job)))
