"""The Day view: jobs dragged onto a technician and an hour, refusals that snap back, "Book
anyway", the keyboard's "Schedule…" form, blocks that move live; and the board's "Needs
attention" filter with its one-click approval."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time, timedelta
from uuid import UUID, uuid4
from zoneinfo import ZoneInfo

import pytest
from attrs import astuple
from browser_pages import new_context, sign_in
from browser_server import ADMIN, ADMIN_ACTOR, ADMIN_PASSWORD, PortalServer
from playwright.sync_api import Browser, Page, expect
from test_browser_language_access import CONTRAST_PROBLEMS, UNLABELLED

from sm2_core.domain.enums import JobStatus, Role
from sm2_core.domain.job import Completion, Job, Vehicle
from sm2_core.domain.records import Actor
from sm2_core.domain.window import at_local
from sm2_core.errors import InvalidInput
from sm2_core.services.dispatch import WindowChange
from sm2_web.portal.day import Timeline, asked

TOYOTA = "+14185550103"  # Toyota Sainte-Foy: no audit
AUDI = "+14185550101"  # Audi Québec: every job is verified first
MAZDA = "+14185550108"  # Mazda Saint-Georges, about 80 km from Sainte-Foy


def a_day(server: PortalServer, ahead: int) -> date:
    """A day of its own for each test: bookings of one never overlap another's."""
    return server.system.services.schedule.today() + timedelta(days=ahead)


def local(server: PortalServer, day: date, hour: int, minute: int = 0) -> datetime:
    return at_local(day, time(hour, minute), server.system.services.schedule.zone)


def key_job(server: PortalServer, model: str, dealer: str = TOYOTA) -> Job:
    return server.create_job(dealer, "KEY_PROGRAMMING", Vehicle(2023, "Toyota", model))


def current(server: PortalServer, job_id: UUID) -> Job:
    return server.call(server.system.services.dispatch.detail(job_id)).job


def book(
    server: PortalServer, job_id: UUID, tech: str, start: datetime, end: datetime | None = None
) -> Job:
    """Through the service, as another dispatcher (or the API) would."""
    return server.call(
        server.system.services.dispatch.update(
            job_id,
            actor=ADMIN_ACTOR,
            expected_version=current(server, job_id).version,
            tech_id=server.tech_ids[tech],
            window=WindowChange(start=start, end=end),
        )
    )


def tech_id(server: PortalServer, name: str) -> UUID:
    found = server.call(server.system.services.admin.all("technicians"))
    return next(t.id for t in found if t.name == name)


def open_day(page: Page, server: PortalServer, day: date) -> None:
    page.goto(f"{server.url}/day?date={day}")
    expect(page.locator("#live-status")).to_have_attribute("data-state", "live")


def row(page: Page, technician: UUID) -> str:
    return f'.track[data-tech-id="{technician}"]'


def drop(page: Page, job_id: UUID, technician: UUID, hour: int, minute: int = 0) -> None:
    """Drags the job (by its left edge) onto the technician's row at that time."""
    track = page.locator(row(page, technician))
    # Both ends in view before the drag starts: a page scrolled under a drag loses it.
    track.scroll_into_view_if_needed()
    box = track.bounding_box()
    assert box is not None
    quarters = int(track.get_attribute("data-quarters") or 0)
    first = int(track.get_attribute("data-first-hour") or 0)
    width = box["width"] / quarters
    x = ((hour - first) * 60 + minute) / 15 * width + width / 2
    page.locator(f"#day-job-{job_id}").drag_to(
        track, source_position={"x": 3, "y": 10}, target_position={"x": x, "y": 20}
    )


def column_of(page: Page, job_id: UUID, technician: UUID) -> int:
    """The grid column the job's block starts on, in the technician's row."""
    block = page.locator(f"{row(page, technician)} #day-job-{job_id}")
    classes = block.get_attribute("class") or ""
    return int(next(c for c in classes.split() if c.startswith("gs-"))[3:])


def expect_column(page: Page, job_id: UUID, technician: UUID, hour: int, minute: int = 0) -> None:
    track = page.locator(row(page, technician))
    first = int(track.get_attribute("data-first-hour") or 0)
    wanted = ((hour - first) * 60 + minute) // 15 + 1
    expect(track.locator(f"#day-job-{job_id}")).to_have_class(
        re.compile(rf"(^|\s)gs-{wanted}(\s|$)")
    )


def audit(page: Page) -> None:
    assert [] == page.evaluate(UNLABELLED), "every input has a label"
    assert [] == page.evaluate(CONTRAST_PROBLEMS), "text passes WCAG AA contrast"


class TestDragAndDrop:
    def test_a_drag_assigns_and_schedules_the_job(
        self, admin_page: Page, server: PortalServer
    ) -> None:
        """An unscheduled job dropped on Marc's row at 10:00: one request assigns and books it,
        and its block is in his row from 10:00 to 11:00 (the service's hour)."""
        day = a_day(server, 1)
        job = key_job(server, "RAV4 drag")
        marc = server.tech_ids["marc"]
        page = admin_page
        open_day(page, server, day)
        expect(page.locator(f".unscheduled #day-job-{job.id}")).to_be_visible()
        audit(page)

        drop(page, job.id, marc, 10)
        block = page.locator(f"{row(page, marc)} #day-job-{job.id}")
        expect(block).to_contain_text("10:00–11:00 AM")
        expect(block).to_contain_text("Scheduled")
        expect(page.locator("#day-notice")).to_contain_text(f"{job.job_code} scheduled")
        expect_column(page, job.id, marc, 10)
        expect(page.locator(f".unscheduled #day-job-{job.id}")).to_have_count(0)

        saved = current(server, job.id)
        assert (JobStatus.SCHEDULED, marc, local(server, day, 10), None) == (
            saved.status,
            saved.tech_id,
            saved.window_start,
            saved.window_end,
        )

    def test_a_block_moved_keeps_its_length(self, admin_page: Page, server: PortalServer) -> None:
        """A 9:00–10:30 block dragged to 13:15 is booked 13:15–14:45."""
        day = a_day(server, 2)
        job = key_job(server, "RAV4 move")
        book(server, job.id, "marc", local(server, day, 9), local(server, day, 10, 30))
        marc = server.tech_ids["marc"]
        open_day(admin_page, server, day)
        drop(admin_page, job.id, marc, 13, 15)
        expect(admin_page.locator(f"#day-job-{job.id}")).to_contain_text("1:15–2:45 PM")
        saved = current(server, job.id)
        assert (local(server, day, 13, 15), local(server, day, 14, 45)) == (
            saved.window_start,
            saved.window_end,
        )

    def test_a_refused_drop_snaps_back_and_says_why(
        self, admin_page: Page, server: PortalServer
    ) -> None:
        """Julie is not certified for key programming, Nathalie is on leave: the job goes
        back to the Unscheduled column and the rule's message is shown."""
        day = a_day(server, 3)
        job = key_job(server, "RAV4 refused")
        page = admin_page
        open_day(page, server, day)
        notice = page.locator("#day-notice")

        drop(page, job.id, server.tech_ids["julie"], 11)
        expect(notice.get_by_role("alert")).to_contain_text("Refused by the certification rule")
        expect(notice).to_contain_text("Julie Tremblay")
        expect(page.locator(f".unscheduled #day-job-{job.id}")).to_be_visible()

        drop(page, job.id, tech_id(server, "Nathalie Roy"), 11)
        expect(notice.get_by_role("alert")).to_contain_text(
            "Refused: the technician is not available"
        )
        card = page.locator(f".unscheduled #day-job-{job.id}")
        expect(card).to_be_visible()
        expect(card).to_have_class(re.compile(r"^card card--\w+$"))
        expect(page.locator(f".track #day-job-{job.id}")).to_have_count(0)
        saved = current(server, job.id)
        assert (JobStatus.PENDING, None, None) == (saved.status, saved.tech_id, saved.window_start)

    def test_an_overlap_is_refused_then_booked_anyway(
        self, admin_page: Page, server: PortalServer
    ) -> None:
        """Marc is booked 9:00–11:00; another job dropped at 10:00 is refused by the Schedule
        rule, naming the first; "Book anyway" books it, both blocks in his row."""
        day = a_day(server, 4)
        first = key_job(server, "RAV4 first")
        book(server, first.id, "marc", local(server, day, 9), local(server, day, 11))
        second = key_job(server, "RAV4 second")
        marc = server.tech_ids["marc"]
        page = admin_page
        open_day(page, server, day)

        drop(page, second.id, marc, 10)
        alert = page.locator("#day-notice").get_by_role("alert")
        expect(alert).to_contain_text("already booked")
        expect(alert).to_contain_text(first.job_code)
        expect(page.locator(f".unscheduled #day-job-{second.id}")).to_be_visible()
        assert JobStatus.PENDING is current(server, second.id).status

        page.get_by_role("button", name="Book anyway").click()
        expect(page.locator(f"{row(page, marc)} #day-job-{second.id}")).to_be_visible()
        expect(page.locator(f"{row(page, marc)} #day-job-{first.id}")).to_be_visible()
        expect_column(page, second.id, marc, 10)
        saved = current(server, second.id)
        assert (JobStatus.SCHEDULED, local(server, day, 10)) == (saved.status, saved.window_start)
        entry = server.call(server.system.services.dispatch.detail(second.id)).timeline[-1]
        assert entry.new_values["allow_overlap"] is True

    def test_a_drop_far_from_the_work_in_progress_warns(
        self, admin_page: Page, server: PortalServer
    ) -> None:
        """Éric is at work in Sainte-Foy: a diagnostic in Beauce dropped on him is booked, and
        the 20 km rule's warning is shown after it."""
        day = a_day(server, 8)
        eric = tech_id(server, "Éric Lavoie")
        working = server.create_job(TOYOTA, "DIAGNOSTIC", Vehicle(2022, "Toyota", "Corolla"))
        server.call(server.system.services.dispatch.assign(working.id, eric, actor=ADMIN_ACTOR))
        at_work = Actor(name="eric", role=Role.TECH, technician_id=eric)
        server.call(server.system.services.field.accept(working.id, actor=at_work))
        far = server.create_job(MAZDA, "DIAGNOSTIC", Vehicle(2021, "Mazda", "CX-5"))
        open_day(admin_page, server, day)

        drop(admin_page, far.id, eric, 15)
        notice = admin_page.locator("#day-notice")
        expect(notice.locator(".flash--ok")).to_contain_text(f"{far.job_code} scheduled")
        warning = notice.locator(".flash--warning")
        expect(warning).to_contain_text("Heads-up for this assignment")
        expect(warning).to_contain_text("20 km")
        assert eric == current(server, far.id).tech_id


class TestKeyboard:
    def test_the_schedule_form_books_a_job_from_the_keyboard(
        self, admin_page: Page, server: PortalServer
    ) -> None:
        """The "Schedule…" summary opens with Enter; technician, date and start are typed;
        the block appears in Marc's row and the focus stays on the job's "Schedule…"."""
        day = a_day(server, 5)
        job = key_job(server, "RAV4 keyboard")
        marc = server.tech_ids["marc"]
        page = admin_page
        open_day(page, server, day)

        summary = page.locator(f"#schedule-{job.id} > summary")
        summary.focus()
        page.keyboard.press("Enter")
        form = page.locator(f"#schedule-{job.id} form")
        expect(form).to_be_visible()
        audit(page)
        form.get_by_label("Technician").select_option(label="Marc-André Gagnon")
        form.get_by_label("Date").fill(str(day))
        form.get_by_label("Start").fill("14:30")
        form.get_by_label("Start").press("Enter")

        block = page.locator(f"{row(page, marc)} #day-job-{job.id}")
        expect(block).to_contain_text("2:30–3:30 PM")
        expect(page.locator("#day-notice")).to_contain_text(f"{job.job_code} scheduled")
        expect(page.locator(f"#schedule-{job.id} > summary")).to_be_focused()
        saved = current(server, job.id)
        assert (marc, local(server, day, 14, 30)) == (saved.tech_id, saved.window_start)

    def test_without_a_script_the_form_posts_and_comes_back(
        self, browser: Browser, server: PortalServer
    ) -> None:
        """No JavaScript: the form posts, the day comes back saying so; an overlap comes back
        refused, with a "Book anyway" form that books it."""
        day = a_day(server, 6)
        first = key_job(server, "RAV4 plain first")
        book(server, first.id, "marc", local(server, day, 8), local(server, day, 9))
        job = key_job(server, "RAV4 plain")
        context = browser.new_context(java_script_enabled=False, locale="en-CA")
        try:
            page = context.new_page()
            sign_in(page, server, ADMIN, ADMIN_PASSWORD, tech=False)
            page.goto(f"{server.url}/day?date={day}")
            page.locator(f"#schedule-{job.id} > summary").click()
            form = page.locator(f"#schedule-{job.id} form")
            form.get_by_label("Technician").select_option(label="Marc-André Gagnon")
            form.get_by_label("Start").fill("08:30")
            form.get_by_role("button", name="Schedule").click()
            expect(page.get_by_role("alert")).to_contain_text("already booked")
            page.get_by_role("button", name="Book anyway").click()
            expect(page).to_have_url(f"{server.url}/day?date={day}&done=scheduled&job={job.id}")
            expect(page.locator("#day-notice")).to_contain_text("Job scheduled.")
            expect(page.locator(f".track #day-job-{job.id}")).to_contain_text("8:30–9:30 AM")
        finally:
            context.close()


class TestLive:
    def test_blocks_move_when_another_dispatcher_moves_a_job(
        self, admin_page: Page, browser: Browser, server: PortalServer
    ) -> None:
        """Two dispatchers on the same day: one drags a block to 15:00; on the other's page it
        moves without a reload, and the form they had open keeps what they typed."""
        day = a_day(server, 7)
        job = key_job(server, "RAV4 live")
        book(server, job.id, "marc", local(server, day, 9))
        other = key_job(server, "RAV4 other")
        marc = server.tech_ids["marc"]
        watcher = admin_page
        open_day(watcher, server, day)
        expect_column(watcher, job.id, marc, 9)
        watcher.evaluate("document.documentElement.dataset.sameDocument = 'yes'")
        watcher.locator(f"#schedule-{other.id} > summary").click()
        watcher.locator(f"#schedule-{other.id} form").get_by_label("Start").fill("16:45")

        context = new_context(browser)
        try:
            mover = context.new_page()
            sign_in(mover, server, ADMIN, ADMIN_PASSWORD, tech=False)
            open_day(mover, server, day)
            drop(mover, job.id, marc, 15)
            expect_column(mover, job.id, marc, 15)
        finally:
            context.close()

        expect_column(watcher, job.id, marc, 15)
        expect(watcher.locator(f"#day-job-{job.id}")).to_contain_text("3:00–4:00 PM")
        assert "yes" == watcher.evaluate("document.documentElement.dataset.sameDocument")
        form = watcher.locator(f"#schedule-{other.id} form")
        expect(form).to_be_visible()
        expect(form.get_by_label("Start")).to_have_value("16:45")

        # A change made through the services (the API's PATCH) moves it too.
        book(server, job.id, "marc", local(server, day, 12, 30))
        expect_column(watcher, job.id, marc, 12, 30)


class TestNeedsAttention:
    def test_the_filter_lists_why_and_approves_in_one_click(
        self, admin_page: Page, server: PortalServer
    ) -> None:
        """An Audi job awaiting verification and a completed job awaiting approval are listed
        with their reasons, a scheduled job is not; one click approves the completed one."""
        held = key_job(server, "Q5 attention", dealer=AUDI)
        done = key_job(server, "RAV4 done")
        server.assign(done.id, "marc")
        server.accept(done.id, "marc")
        server.call(
            server.system.services.field.complete(
                done.id,
                Completion(notes="Two keys", labour_minutes=40),
                actor=server.tech_actor("marc"),
            )
        )
        fine = key_job(server, "RAV4 fine")
        server.assign(fine.id, "marc")

        page = admin_page
        page.goto(server.url + "/")
        page.get_by_label("Needs attention").check()
        results = page.locator("#board-results")
        expect(page).to_have_url(
            f"{server.url}/?status=&urgency=&dealership=&technician=&q=&vin=&attention=1"
        )
        expect(results.locator(f"#job-{held.id}")).to_contain_text("Awaiting verification")
        expect(results.locator(f"#job-{done.id}")).to_contain_text("Completed, awaiting approval")
        expect(results.locator(f"#job-{fine.id}")).to_have_count(0)
        audit(page)

        page.get_by_role("button", name=f"Approve {done.job_code}").click()
        expect(page.get_by_text("Approved: the invoice is on its way")).to_be_visible()
        assert current(server, done.id).is_approved
        page.goto(server.url + "/?attention=1")
        expect(page.locator(f"#job-{done.id}")).to_have_count(0)

    def test_the_board_links_to_the_day_view(self, admin_page: Page, server: PortalServer) -> None:
        admin_page.goto(server.url + "/")
        admin_page.get_by_role("link", name="Day view").click()
        expect(admin_page.get_by_role("heading", level=1)).to_contain_text("Day view")
        today = server.system.services.schedule.today()
        expect(admin_page.get_by_role("link", name="Today")).to_have_attribute(
            "href", f"/day?date={today}"
        )
        admin_page.get_by_role("link", name="Next day").click()
        expect(admin_page).to_have_url(f"{server.url}/day?date={today + timedelta(days=1)}")
        audit(admin_page)


class TestTheTimeline:
    """The Day view's arithmetic, without a browser."""

    def test_the_hours_grow_to_fit_the_blocks(self) -> None:
        assert (7, 19) == astuple(Timeline.fitting([]))
        assert (5, 19) == astuple(Timeline.fitting([(5 * 60 + 30, 7 * 60)]))
        assert (7, 22) == astuple(Timeline.fitting([(18 * 60, 21 * 60 + 15)]))
        assert (0, 24) == astuple(Timeline.fitting([(0, 24 * 60)]))

    def test_a_block_spans_its_quarters_inside_the_timeline(self) -> None:
        hours = Timeline()
        assert 48 == hours.quarters
        assert (9, 15) == hours.columns(9 * 60, 10 * 60 + 30)
        assert (1, 2) == hours.columns(7 * 60, 7 * 60), "at least a quarter wide"
        assert (45, 49) == hours.columns(18 * 60, 20 * 60), "cut at the timeline's end"

    def test_the_form_is_read_on_the_company_clock(self) -> None:
        """A day and wall-clock times in Québec City; an end, or a length in minutes."""
        zone = ZoneInfo("America/Toronto")
        tech = uuid4()
        form = {"tech_id": str(tech), "date": "2026-11-01", "start": "09:15", "version": "3"}
        read = asked({**form, "end": "10:45"}, zone)
        assert (tech, 3, False) == (read.tech_id, read.version, read.allow_overlap)
        assert datetime(2026, 11, 1, 14, 15, tzinfo=UTC) == read.start  # EST, after the change
        assert datetime(2026, 11, 1, 15, 45, tzinfo=UTC) == read.end
        assert timedelta(minutes=90) == asked({**form, "minutes": "90"}, zone).end - read.start
        assert asked({**form, "allow_overlap": "1"}, zone).end is None
        with pytest.raises(InvalidInput) as refused:
            asked({**form, "start": "9h"}, zone)
        assert {"start"} == set(refused.value.fields)
