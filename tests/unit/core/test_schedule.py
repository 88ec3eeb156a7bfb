"""Appointment windows on the memory system: setting them, the Schedule rule, the day's
arrangement, the technicians' alerts and the dealers' proposals."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import attrs
import pytest
from core_helpers import ADMIN, Demo, actions, parse_result

from sm2_core.domain.enums import JobStatus, PolicyRule, ReferenceKind
from sm2_core.domain.job import Vehicle
from sm2_core.domain.records import ReceivedSms
from sm2_core.domain.window import WhenSaid, describe, wall_window
from sm2_core.errors import InvalidInput, InvalidTransition, PolicyViolation
from sm2_core.parsing import ParsedRequest
from sm2_core.services.dispatch import UNCHANGED, WindowChange

TORONTO = ZoneInfo("America/Toronto")
FORD_LEVIS = "+14185550102"


def at(hour: int, minute: int = 0, day: date = date(2026, 12, 8)) -> datetime:
    return datetime.combine(day, time(hour, minute), tzinfo=TORONTO)


async def book(
    demo: Demo,
    job_id: object,
    tech: str,
    start: datetime,
    end: datetime | None = None,
    *,
    allow: bool = False,
) -> object:
    job = await demo.job(job_id)  # type: ignore[arg-type]
    return await demo.svc.dispatch.update(
        job.id,
        actor=ADMIN,
        expected_version=job.version,
        tech_id=demo.techs[tech].id,
        window=WindowChange(start=start, end=end, allow_overlap=allow),
    )


class TestWindowChange:
    def test_a_new_start_alone_drops_the_old_end(self) -> None:
        """Moving a block by its start makes it a moment of the service's duration."""
        job = attrs.evolve(_a_job(), window_start=at(9), window_end=at(11))
        assert (at(13), None) == WindowChange(start=at(13)).apply(job)

    def test_an_end_alone_keeps_the_start(self) -> None:
        job = attrs.evolve(_a_job(), window_start=at(9), window_end=at(11))
        assert (at(9), at(12)) == WindowChange(end=at(12)).apply(job)

    def test_nothing_said_changes_nothing(self) -> None:
        job = attrs.evolve(_a_job(), window_start=at(9), window_end=at(11))
        assert (at(9), at(11)) == WindowChange(start=UNCHANGED, end=UNCHANGED).apply(job)


class TestWallWindow:
    def test_an_end_not_after_the_start_is_the_next_day(self) -> None:
        start, end = wall_window(date(2026, 12, 8), time(22), time(1), TORONTO)
        assert (at(22), at(1, day=date(2026, 12, 9))) == (start, end)

    def test_a_start_alone_has_no_end(self) -> None:
        assert (at(9), None) == wall_window(date(2026, 12, 8), time(9), None, TORONTO)

    def test_across_the_spring_change_the_window_is_as_long_as_time_passes(self) -> None:
        """1:00 to 4:00 on 2026-03-08 in Québec City is two real hours (2:00 never happens)."""
        start, end = wall_window(date(2026, 3, 8), time(1), time(4), TORONTO)
        assert end is not None
        assert timedelta(hours=2) == end - start


class TestSchedule:
    async def test_the_window_is_stored_in_utc_and_audited(self, demo: Demo) -> None:
        job = await demo.new_job()
        saved = await book(demo, job.id, "Julie", at(9), at(11))
        stored = await demo.job(job.id)
        assert (at(9), at(11)) == (stored.window_start, stored.window_end)
        assert UTC == stored.window_start.tzinfo  # type: ignore[union-attr]
        assert ["create", "assign", "schedule"] == actions(await demo.timeline(job.id))
        assert saved == stored

    async def test_a_cancelled_job_cannot_be_scheduled(self, demo: Demo) -> None:
        job = await demo.new_job()
        await demo.svc.dispatch.cancel(job.id, "Sold", actor=ADMIN)
        current = await demo.job(job.id)
        with pytest.raises(InvalidTransition):
            await demo.svc.dispatch.update(
                job.id,
                actor=ADMIN,
                expected_version=current.version,
                window=WindowChange(start=at(9)),
            )

    async def test_an_end_without_a_start_is_refused(self, demo: Demo) -> None:
        job = await demo.new_job()
        with pytest.raises(InvalidInput) as refused:
            await demo.svc.dispatch.update(
                job.id, actor=ADMIN, expected_version=job.version, window=WindowChange(end=at(9))
            )
        assert "window_start" in refused.value.fields


class TestOverlapRule:
    async def test_an_overlap_is_refused_and_nothing_changes(self, demo: Demo) -> None:
        first, second = await demo.new_job(), await demo.new_job()
        await book(demo, first.id, "Julie", at(9), at(11))
        with pytest.raises(PolicyViolation) as refused:
            await book(demo, second.id, "Julie", at(10, 30), at(12))
        assert PolicyRule.SCHEDULE is refused.value.rule
        assert first.job_code in refused.value.message
        assert second == await demo.job(second.id)

    async def test_a_job_without_an_end_lasts_its_services_duration(self, demo: Demo) -> None:
        """Oil change (30 min in the demo catalog) at 9:00 ends at 9:30: 9:30 is free, 9:15
        is not."""
        duration = demo.services["OIL_CHANGE"].duration_minutes
        first = await demo.new_job()
        await book(demo, first.id, "Julie", at(9))
        free_at = at(9) + timedelta(minutes=duration)
        await book(demo, (await demo.new_job()).id, "Julie", free_at, free_at + timedelta(hours=1))
        with pytest.raises(PolicyViolation):
            await book(demo, (await demo.new_job()).id, "Julie", free_at - timedelta(minutes=15))

    async def test_assigning_a_windowed_job_checks_the_new_technicians_day(
        self, demo: Demo
    ) -> None:
        """A job booked 10–11 for Éric, handed to Julie who is busy 9–11, is refused."""
        busy, moving = await demo.new_job(), await demo.new_job()
        await book(demo, busy.id, "Julie", at(9), at(11))
        await book(demo, moving.id, "Éric", at(10), at(11))
        job = await demo.job(moving.id)
        with pytest.raises(PolicyViolation):
            await demo.svc.dispatch.update(
                job.id, actor=ADMIN, expected_version=job.version, tech_id=demo.techs["Julie"].id
            )
        assert demo.techs["Éric"].id == (await demo.job(moving.id)).tech_id

    async def test_the_assign_step_judges_the_window_too(self, demo: Demo) -> None:
        """The board's Assign button and ``sm2 jobs assign`` go through the same rule."""
        busy, windowed = await demo.new_job(), await demo.new_job()
        await book(demo, busy.id, "Julie", at(9), at(11))
        current = await demo.job(windowed.id)
        await demo.svc.dispatch.update(
            current.id,
            actor=ADMIN,
            expected_version=current.version,
            window=WindowChange(start=at(9, 30), end=at(10, 30)),
        )
        with pytest.raises(PolicyViolation) as refused:
            await demo.svc.dispatch.assign(windowed.id, demo.techs["Julie"].id, actor=ADMIN)
        assert PolicyRule.SCHEDULE is refused.value.rule

    async def test_a_longer_service_is_judged_on_the_day(self, demo: Demo) -> None:
        """9:00 without an end is an oil change's 30 minutes; made a brake job (120 min) it
        would run into 10:30, so the edit is refused."""
        first, second = await demo.new_job(), await demo.new_job()
        await book(demo, first.id, "Julie", at(9))
        await book(demo, second.id, "Julie", at(10, 30))
        current = await demo.job(first.id)
        with pytest.raises(PolicyViolation):
            await demo.svc.dispatch.update(
                current.id,
                actor=ADMIN,
                expected_version=current.version,
                service_code="BRAKE_SERVICE",
            )
        assert "OIL_CHANGE" == (await demo.job(first.id)).service_code

    async def test_a_window_at_the_end_of_the_calendar_is_invalid_input(self, demo: Demo) -> None:
        job = await demo.new_job()
        far = datetime(9999, 12, 31, 23, 30, tzinfo=TORONTO)
        with pytest.raises(InvalidInput):
            await demo.svc.dispatch.update(
                job.id, actor=ADMIN, expected_version=job.version, window=WindowChange(start=far)
            )

    async def test_an_admin_may_confirm_the_overlap(self, demo: Demo) -> None:
        first, second = await demo.new_job(), await demo.new_job()
        await book(demo, first.id, "Julie", at(9), at(11))
        await book(demo, second.id, "Julie", at(10), at(12), allow=True)
        entry = (await demo.timeline(second.id))[-1]
        assert (True, [first.job_code]) == (
            entry.new_values["allow_overlap"],
            entry.new_values["overlaps"],
        )

    async def test_cancelled_and_completed_work_does_not_block(self, demo: Demo) -> None:
        first = await demo.new_job()
        await book(demo, first.id, "Julie", at(9), at(11))
        await demo.svc.dispatch.cancel(first.id, "Sold", actor=ADMIN)
        await book(demo, (await demo.new_job()).id, "Julie", at(9), at(11))


class TestDay:
    async def test_the_day_in_start_order_with_km_between(self, demo: Demo) -> None:
        day = date(2026, 12, 8)
        late, early = await demo.new_job(), await demo.new_job(dealer="Toyota Sainte-Foy")
        await book(demo, late.id, "Julie", at(14), at(15))
        await book(demo, early.id, "Julie", at(8), at(9))
        other_day = await demo.new_job()
        await book(demo, other_day.id, "Julie", at(8, day=date(2026, 12, 9)))
        schedule = await demo.svc.schedule.day(day)
        julie = next(t for t in schedule.technicians if t.technician.name.startswith("Julie"))
        assert [early.id, late.id] == [b.job.id for b in julie.blocks]
        assert 1 == len(julie.km_between)
        assert (julie.km_between[0] or 0) > 0

    async def test_pending_jobs_are_unscheduled_and_held_work_without_window_listed(
        self, demo: Demo
    ) -> None:
        waiting = await demo.new_job()
        held = await demo.scheduled_job()
        schedule = await demo.svc.schedule.day(date(2026, 12, 8))
        assert [waiting.id] == [j.id for j in schedule.unscheduled]
        julie = next(t for t in schedule.technicians if t.technician.name.startswith("Julie"))
        assert [held.id] == [j.id for j in julie.without_window]

    async def test_a_window_from_the_evening_before_reaches_into_the_day(self, demo: Demo) -> None:
        job = await demo.new_job()
        await book(
            demo, job.id, "Julie", at(22, day=date(2026, 12, 7)), at(23, 30, date(2026, 12, 7))
        )
        await book(demo, (await demo.new_job()).id, "Julie", at(23, day=date(2026, 12, 8)),
                   at(23, 59) + timedelta(hours=2), allow=False)  # fmt: skip
        schedule = await demo.svc.schedule.day(date(2026, 12, 8))
        julie = next(t for t in schedule.technicians if t.technician.name.startswith("Julie"))
        assert 1 == len(julie.blocks)

    async def test_an_inactive_technician_holding_work_keeps_a_row(self, demo: Demo) -> None:
        job = await demo.new_job()
        await book(demo, job.id, "Julie", at(9), at(10))
        await demo.svc.admin.update(
            ReferenceKind.TECHNICIANS, demo.techs["Julie"].id, {"is_active": False}, actor=ADMIN
        )
        schedule = await demo.svc.schedule.day(date(2026, 12, 8))
        names = [t.technician.name.split()[0] for t in schedule.technicians]
        assert "Julie" in names


class TestNotes:
    async def test_notes_with_nul_or_too_long_are_refused_at_the_field(self, demo: Demo) -> None:
        job = await demo.new_job()
        for notes in ("code\x00", "x" * 2001):
            with pytest.raises(InvalidInput) as refused:
                await demo.svc.dispatch.update(
                    job.id, actor=ADMIN, expected_version=job.version, notes=notes
                )
            assert "notes" in refused.value.fields

    async def test_notes_are_kept_trimmed_and_audited(self, demo: Demo) -> None:
        job = await demo.new_job()
        saved = await demo.svc.dispatch.update(
            job.id, actor=ADMIN, expected_version=job.version, notes="  Code portail 1234 "
        )
        assert "Code portail 1234" == saved.notes
        assert "notes" == (await demo.timeline(job.id))[-1].action


class TestAlerts:
    async def test_the_technicians_alert_says_when(self, demo: Demo) -> None:
        job = await demo.new_job()
        await book(demo, job.id, "Julie", at(9), at(11))
        sent = await demo.svc.notifications.flush(f"tech:{demo.techs['Julie'].id}")
        assert sent is not None
        assert describe(at(9), at(11), TORONTO, "fr") in sent.body

    def test_windows_read_as_people_write_them(self) -> None:
        assert "mar. 8 déc. 9h00–11h30" == describe(at(9), at(11, 30), TORONTO, "fr")
        assert "Tue Dec 8, 9:00–11:30" == describe(at(9), at(11, 30), TORONTO, "en")
        assert "mar. 8 déc. 14h00" == describe(at(14), None, TORONTO, "fr")


class TestProposal:
    async def test_a_text_that_says_when_proposes_a_window(self, demo: Demo) -> None:
        """ "demain matin" in a text received Monday 15:00 proposes Tuesday 8:00–12:00, which
        waits for a dispatcher: the job has no window yet."""
        monday = datetime(2026, 12, 7, 15, 0, tzinfo=TORONTO)
        clock = demo.system.clock
        clock.advance(seconds=(monday - clock.now()).total_seconds())
        request = ParsedRequest(year=2022, make="Ford", model="F-150", service_code="OIL_CHANGE")
        said = attrs.evolve(parse_result(request), when=WhenSaid(time(8), time(12), days_ahead=1))
        body = demo.parser.reads("Vidange F-150 demain matin", said)
        receipt = await demo.svc.receipt.receive_sms(
            ReceivedSms(sid="SM1", from_number=FORD_LEVIS, to_number="+14185550000", body=body)
        )
        (job,) = await demo.svc.intake.process_message(receipt.message.id)
        tuesday = date(2026, 12, 8)
        assert (at(8, day=tuesday), at(12, day=tuesday)) == (job.proposed_start, job.proposed_end)
        assert (None, None) == (job.window_start, job.window_end)

    async def test_setting_the_window_answers_the_proposal(self, demo: Demo) -> None:
        job = await demo.new_job()
        async with demo.system.uow() as uow:
            current = await uow.jobs.get(job.id)
            await uow.jobs.update(attrs.evolve(current, proposed_start=at(8), proposed_end=at(12)))
        saved = await book(demo, job.id, "Julie", at(8), at(10))
        assert (None, None) == (saved.proposed_start, saved.proposed_end)  # type: ignore[attr-defined]


def _a_job():  # type: ignore[no-untyped-def]
    from sm2_core.domain.job import Job

    now = datetime(2026, 12, 1, tzinfo=UTC)
    from uuid import uuid4

    return Job(
        id=uuid4(),
        job_code="SM2-2026-001",
        dealership_id=uuid4(),
        vehicle=Vehicle(),
        created_at=now,
        updated_at=now,
        status=JobStatus.PENDING,
    )
