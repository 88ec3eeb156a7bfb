"""A technician's list in the order of their days (``sm2_core.tech_day``), and the field service
that serves it."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from uuid import uuid4
from zoneinfo import ZoneInfo

from core_helpers import ADMIN, Demo

from sm2_core.domain.enums import JobStatus, Urgency
from sm2_core.domain.job import Job, Vehicle
from sm2_core.services.dispatch import WindowChange
from sm2_core.tech_day import Part, Slot, order, part_of, slot

TORONTO = ZoneInfo("America/Toronto")
TODAY = date(2026, 12, 8)  # a Tuesday


def at(hour: int, minute: int = 0, day: date = TODAY) -> datetime:
    return datetime.combine(day, time(hour, minute), tzinfo=TORONTO)


def job(
    code: str,
    *,
    start: datetime | None = None,
    end: datetime | None = None,
    status: JobStatus = JobStatus.SCHEDULED,
    urgency: Urgency = Urgency.MEDIUM,
    score: int = 0,
    created: datetime | None = None,
) -> Job:
    made = created or datetime(2026, 12, 1, tzinfo=UTC)
    return Job(
        id=uuid4(),
        job_code=code,
        dealership_id=uuid4(),
        vehicle=Vehicle(),
        created_at=made,
        updated_at=made,
        status=status,
        urgency=urgency,
        ranking_score=score,
        window_start=start.astimezone(UTC) if start else None,
        window_end=end.astimezone(UTC) if end else None,
    )


def codes(jobs: list[Job]) -> list[str]:
    return [j.job_code for j in jobs]


class TestOrder:
    def test_today_by_start_then_later_days_then_no_window(self) -> None:
        """Today's 13:00 after today's 8:00; tomorrow after today; a job with no window last,
        even a critical one."""
        jobs = [
            job("none", urgency=Urgency.CRITICAL),
            job("tomorrow-9", start=at(9, day=TODAY + timedelta(days=1))),
            job("today-13", start=at(13), end=at(14)),
            job("monday", start=at(7, day=TODAY + timedelta(days=6))),
            job("today-8", start=at(8), end=at(10)),
        ]
        assert ["today-8", "today-13", "tomorrow-9", "monday", "none"] == codes(
            order(jobs, today=TODAY, zone=TORONTO)
        )

    def test_in_progress_comes_first(self) -> None:
        """The job the technician is on, whatever its window."""
        jobs = [
            job("today-8", start=at(8)),
            job("working", status=JobStatus.IN_PROGRESS),
        ]
        assert ["working", "today-8"] == codes(order(jobs, today=TODAY, zone=TORONTO))

    def test_an_earlier_day_still_to_do_counts_as_today(self) -> None:
        """A window gone by without the work done is today's first job, not a later one."""
        late = job("yesterday", start=at(15, day=TODAY - timedelta(days=1)))
        assert Part.TODAY == part_of(late, today=TODAY, zone=TORONTO)
        jobs = [job("today-8", start=at(8)), late]
        assert ["yesterday", "today-8"] == codes(order(jobs, today=TODAY, zone=TORONTO))

    def test_without_a_window_in_the_boards_order(self) -> None:
        """Most urgent, then highest score, then oldest."""
        old = datetime(2026, 11, 1, tzinfo=UTC)
        jobs = [
            job("medium-new", urgency=Urgency.MEDIUM),
            job("medium-old", urgency=Urgency.MEDIUM, created=old),
            job("medium-scored", urgency=Urgency.MEDIUM, score=30),
            job("high", urgency=Urgency.HIGH),
        ]
        assert ["high", "medium-scored", "medium-old", "medium-new"] == codes(
            order(jobs, today=TODAY, zone=TORONTO)
        )

    def test_done_work_goes_last(self) -> None:
        jobs = [
            job("done", start=at(7), status=JobStatus.COMPLETED),
            job("none"),
        ]
        assert ["none", "done"] == codes(order(jobs, today=TODAY, zone=TORONTO))

    def test_today_is_the_company_zones_day(self) -> None:
        """21:30 in Québec on the 8th is the 9th in UTC: still today for the technician."""
        evening = job("evening", start=at(21, 30))
        assert evening.window_start is not None
        assert date(2026, 12, 9) == evening.window_start.date()
        assert Part.TODAY == part_of(evening, today=TODAY, zone=TORONTO)


class TestSlot:
    def test_a_window_as_the_wall_clock_shows_it(self) -> None:
        found = slot(at(8).astimezone(UTC), at(10).astimezone(UTC), today=TODAY, zone=TORONTO)
        assert Slot(day=TODAY, days_ahead=0, start=time(8), end=time(10)) == found

    def test_no_end_and_days_ahead(self) -> None:
        start = at(13, day=TODAY + timedelta(days=1))
        assert Slot(TODAY + timedelta(days=1), 1, time(13), None) == slot(
            start, None, today=TODAY, zone=TORONTO
        )

    def test_no_start_no_slot(self) -> None:
        assert slot(None, None, today=TODAY, zone=TORONTO) is None

    def test_across_the_spring_change(self) -> None:
        """On 8 March 2026 clocks skip 2:00 to 3:00: 1:30 to 4:00 on the wall."""
        day = date(2026, 3, 8)
        start, end = datetime(2026, 3, 8, 6, 30, tzinfo=UTC), datetime(2026, 3, 8, 8, tzinfo=UTC)
        assert Slot(day, 0, time(1, 30), time(4)) == slot(start, end, today=day, zone=TORONTO)


class TestMyJobsOrder:
    async def test_the_field_service_lists_by_window(self, demo: Demo) -> None:
        """Julie's list: today's job, then tomorrow's, then one with no time set."""
        now = demo.system.clock.now()
        today = now.astimezone(TORONTO).date()
        loose = await demo.scheduled_job("Julie", service="OIL_CHANGE")
        tomorrow = await _booked(demo, "Julie", datetime.combine(
            today + timedelta(days=1), time(9), tzinfo=TORONTO
        ))  # fmt: skip
        later_today = await _booked(
            demo, "Julie", datetime.combine(today, time(23), tzinfo=TORONTO)
        )
        mine = await demo.svc.field.my_jobs(actor=demo.as_tech("Julie"))
        assert [later_today.id, tomorrow.id, loose.id] == [j.id for j in mine]


async def _booked(demo: Demo, tech: str, start: datetime) -> Job:
    created = await demo.new_job(service="TIRE_CHANGE")
    return await demo.svc.dispatch.update(
        created.id,
        actor=ADMIN,
        expected_version=created.version,
        tech_id=demo.techs[tech].id,
        window=WindowChange(start=start, end=start + timedelta(minutes=30)),
    )
