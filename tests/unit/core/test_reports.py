"""The reports' pure rules: the period, the nearest-rank percentile, rounding and shares, and
the milestones a job's lifecycle stamps."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from uuid import uuid4

import attrs
import pytest
from hypothesis import given
from hypothesis import strategies as st

from sm2_core import lifecycle
from sm2_core.domain.entities import Technician
from sm2_core.domain.enums import JobStatus, Role
from sm2_core.domain.job import Completion, Job, Vehicle, stamp_milestones
from sm2_core.domain.records import Actor
from sm2_core.errors import InvalidInput
from sm2_core.policies import PolicyConfig
from sm2_core.reports import (
    Period,
    TechnicianFigures,
    busy_share,
    nearest_rank,
    period,
    rank,
    share,
    whole_seconds,
)

TZ = "America/Toronto"
TODAY = date(2026, 3, 14)


class TestPeriod:
    def test_by_default_this_month_so_far(self) -> None:
        assert Period(date(2026, 3, 1), TODAY, TZ) == period(None, None, today=TODAY, timezone=TZ)

    def test_from_alone_runs_to_today(self) -> None:
        assert Period(date(2025, 12, 20), TODAY, TZ) == period(
            date(2025, 12, 20), None, today=TODAY, timezone=TZ
        )

    def test_to_alone_starts_on_the_first_of_its_month(self) -> None:
        assert Period(date(2026, 1, 1), date(2026, 1, 20), TZ) == period(
            None, date(2026, 1, 20), today=TODAY, timezone=TZ
        )

    def test_a_single_day(self) -> None:
        found = period(TODAY, TODAY, today=TODAY, timezone=TZ)
        assert 1 == found.days

    def test_to_before_from_names_to(self) -> None:
        with pytest.raises(InvalidInput) as refused:
            period(date(2026, 3, 2), date(2026, 3, 1), today=TODAY, timezone=TZ)
        assert {"to"} == set(refused.value.fields)

    def test_a_leap_year_fits_and_a_day_more_does_not(self) -> None:
        assert 366 == period(date(2024, 1, 1), date(2024, 12, 31), today=TODAY, timezone=TZ).days
        with pytest.raises(InvalidInput) as refused:
            period(date(2024, 1, 1), date(2025, 1, 1), today=TODAY, timezone=TZ)
        assert {"from", "to"} == set(refused.value.fields)

    def test_the_calendars_last_day_is_refused(self) -> None:
        with pytest.raises(InvalidInput) as refused:
            period(date(9999, 12, 1), date.max, today=TODAY, timezone=TZ)
        assert {"to"} == set(refused.value.fields)

    def test_bounds_are_local_midnights_across_daylight_saving(self) -> None:
        """March 2026 in Toronto: from 05:00 UTC (EST) to 04:00 UTC on April 1 (EDT)."""
        march = Period(date(2026, 3, 1), date(2026, 3, 31), TZ)
        assert (
            datetime(2026, 3, 1, 5, tzinfo=UTC),
            datetime(2026, 4, 1, 4, tzinfo=UTC),
        ) == march.bounds
        assert 31 == len(march.each_day())


class TestNearestRank:
    @pytest.mark.parametrize(
        ("count", "percent", "expected"),
        [(1, 50, 1), (1, 90, 1), (2, 50, 1), (4, 50, 2), (5, 50, 3), (10, 90, 9), (11, 90, 10)],
    )
    def test_rank(self, count: int, percent: int, expected: int) -> None:
        """⌈percent × count / 100⌉ in integers: 90% of 10 is the 9th, where floating point
        (0.9 × 10 = 9.000000000000002) would round up to the 10th."""
        assert expected == rank(percent, count)

    def test_none_of_nothing(self) -> None:
        assert nearest_rank([], 50) is None

    @given(st.lists(st.integers(-(10**12), 10**12), min_size=1), st.sampled_from([50, 90]))
    def test_the_smallest_value_with_that_share_at_or_below(
        self, values: list[int], percent: int
    ) -> None:
        """At least percent% of the values are at or below it, and fewer are below it."""
        ordered = sorted(values)
        found = nearest_rank(ordered, percent)
        assert found in values
        n = len(ordered)
        assert 100 * sum(v <= found for v in ordered) >= percent * n
        assert 100 * sum(v < found for v in ordered) < percent * n


class TestRounding:
    @pytest.mark.parametrize(
        ("microseconds", "seconds"),
        [(0, 0), (499_999, 0), (500_000, 1), (1_500_000, 2), (2_499_999, 2), (-1_500_000, -2)],
    )
    def test_whole_seconds_halves_up(self, microseconds: int, seconds: int) -> None:
        assert seconds == whole_seconds(microseconds)

    def test_shares(self) -> None:
        assert (0.3333, None, 1.0) == (share(1, 3), share(0, 0), share(4, 4))

    def test_busy_share_over_the_working_days(self) -> None:
        """Six hours on jobs over two 8-hour days; none without a working day."""
        tech = uuid4()
        busy = TechnicianFigures(tech, busy_us=6 * 3600 * 1_000_000, working_days=2)
        assert 0.375 == busy_share(busy, 8.0)
        assert 0.5 == busy_share(busy, 6.0)
        assert busy_share(TechnicianFigures(tech), 8.0) is None


T0 = datetime(2026, 3, 2, 13, tzinfo=UTC)
ADMIN = Actor(name="admin:alice", role=Role.ADMIN)
JULIE = Technician(
    id=uuid4(), name="Julie", phone="+14185550202", zone_id=None, skills=frozenset({"OIL_CHANGE"})
)
KARIM = attrs.evolve(JULIE, id=uuid4(), name="Karim", phone="+14185550203")


def pending() -> Job:
    return Job(
        id=uuid4(),
        job_code="SM2-2026-001",
        dealership_id=uuid4(),
        vehicle=Vehicle(make="Ford"),
        created_at=T0,
        updated_at=T0,
        service_id=uuid4(),
        service_code="OIL_CHANGE",
    )


def at(minutes: int) -> datetime:
    return T0 + timedelta(minutes=minutes)


class TestMilestones:
    def test_assignment_from_the_board_is_stamped_and_kept_on_handover(self) -> None:
        assigned = lifecycle.assign(pending(), JULIE, actor=ADMIN, now=at(10)).job
        assert (at(10), None) == (assigned.assigned_at, assigned.started_at)
        handed = lifecycle.assign(assigned, KARIM, actor=ADMIN, now=at(20)).job
        assert at(10) == handed.assigned_at

    def test_putting_it_back_on_the_board_clears_it(self) -> None:
        assigned = lifecycle.assign(pending(), JULIE, actor=ADMIN, now=at(10)).job
        back = lifecycle.unassign(assigned, actor=ADMIN, now=at(15)).job
        assert back.assigned_at is None
        again = lifecycle.assign(back, JULIE, actor=ADMIN, now=at(30)).job
        assert at(30) == again.assigned_at

    def test_acceptance_is_the_start_and_completion_keeps_both(self) -> None:
        assigned = lifecycle.assign(pending(), JULIE, actor=ADMIN, now=at(10)).job
        julie = Actor(name="tech:julie", role=Role.TECH, technician_id=JULIE.id)
        started = lifecycle.accept(
            assigned,
            actor=julie,
            now=at(60),
            zone=None,
            in_progress_zones=[],
            config=PolicyConfig(),
        ).job
        assert at(60) == started.started_at
        done = lifecycle.complete(
            started,
            Completion(notes="ok", labour_minutes=30),
            actor=julie,
            now=at(120),
        ).job
        assert (at(10), at(60), at(120)) == (done.assigned_at, done.started_at, done.completed_at)

    def test_a_hold_taking_the_work_back_clears_the_start(self) -> None:
        """An edit that holds a job in progress sends it back to SCHEDULED: not started."""
        working = attrs.evolve(
            pending(),
            status=JobStatus.IN_PROGRESS,
            tech_id=JULIE.id,
            assigned_at=at(10),
            started_at=at(60),
        )
        held = stamp_milestones(working, attrs.evolve(working, status=JobStatus.SCHEDULED), at(70))
        assert (at(10), None) == (held.assigned_at, held.started_at)

    def test_cancelling_keeps_what_was_reached(self) -> None:
        assigned = lifecycle.assign(pending(), JULIE, actor=ADMIN, now=at(10)).job
        cancelled = lifecycle.cancel(assigned, "sold", actor=ADMIN, now=at(20)).job
        assert at(10) == cancelled.assigned_at

    def test_the_audit_entry_records_the_milestone(self) -> None:
        """Like every field, so that replaying the audit trail rebuilds the job."""
        entry = lifecycle.assign(pending(), JULIE, actor=ADMIN, now=at(10)).audit
        assert at(10).isoformat() == entry.new_values["assigned_at"]
