"""Editing a job on its page: service, vehicle, window, technician and notes in one form; errors
at their fields, refusals that name their rule, someone else's change never overwritten; and
what the page shows beside it (the vehicle's other jobs, the text the job came from)."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Any
from uuid import UUID
from zoneinfo import ZoneInfo

from browser_server import ADMIN_ACTOR, PortalServer
from playwright.sync_api import Locator, Page, expect
from test_browser_language_access import _audit

from sm2_core.domain.enums import Language
from sm2_core.domain.job import Job, Vehicle
from sm2_core.domain.window import WhenSaid
from sm2_core.parsing import ParsedRequest, ParseResult
from sm2_core.services.dispatch import WindowChange

FORD_LEVIS = "+14185550102"
HONDA_CHARLESBOURG = "+14185550104"
ACCORD_VIN = "1HGCM82633A004352"
CIVIC_VIN = "2HGFC2F52KH500001"
ZONE = ZoneInfo("America/Toronto")
CONFLICT = "Someone changed this job; reload to see their change."


def _tomorrow() -> date:
    return datetime.now(ZONE).date() + timedelta(days=1)


def _job(server: PortalServer, job_id: UUID) -> Job:
    return server.call(server.system.services.dispatch.detail(job_id)).job


def _update(server: PortalServer, job_id: UUID, **changes: Any) -> Job:
    current = _job(server, job_id)
    return server.call(
        server.system.services.dispatch.update(
            job_id, actor=ADMIN_ACTOR, expected_version=current.version, **changes
        )
    )


def _open_form(page: Page, server: PortalServer, job: Job) -> Locator:
    page.goto(f"{server.url}/jobs/{job.id}")
    page.get_by_text("Change the service, vehicle, window, technician or notes").click()
    form = page.locator("form.job-edit__form")
    expect(form).to_be_visible()
    return form


def _field(form: Locator, label: str) -> Locator:
    return form.get_by_label(label, exact=True)


class TestEditing:
    def test_the_form_changes_service_and_vehicle(
        self, admin_page: Page, server: PortalServer
    ) -> None:
        """The dispatcher picks a service by its name and corrects the vehicle: the page shows
        both, and the job has them."""
        job = server.create_job(FORD_LEVIS, "OIL_CHANGE", Vehicle(2023, "Ford", "Escape"))
        form = _open_form(admin_page, server, job)
        expect(_field(form, "Service")).to_have_value("OIL_CHANGE")
        _field(form, "Service").select_option(label="Brake pads and rotors")
        _field(form, "Year").fill("2024")
        _field(form, "Model").fill("Bronco Sport")
        _field(form, "Stock no.").fill("S-4471")
        form.get_by_role("button", name="Save changes").click()

        expect(admin_page.get_by_role("status").filter(has_text="Job saved.")).to_be_visible()
        expect(admin_page.locator("#work-h + dl")).to_contain_text("Brake pads and rotors")
        vehicle = admin_page.locator("#vehicle-h + dl")
        expect(vehicle).to_contain_text("Bronco Sport")
        expect(vehicle).to_contain_text("2024")
        expect(vehicle).to_contain_text("S-4471")
        expect(admin_page.locator("form.job-edit__form")).to_be_hidden()  # closed once saved
        saved = _job(server, job.id)
        assert ("BRAKE_SERVICE", "Bronco Sport", 2024, "S-4471", "Ford") == (
            saved.service_code,
            saved.vehicle.model,
            saved.vehicle.year,
            saved.vehicle.stock_no,
            saved.vehicle.make,
        )

    def test_window_notes_urgency_and_technician_at_once(
        self, admin_page: Page, server: PortalServer
    ) -> None:
        """A window typed in the company's time, notes, an urgency and a technician: one save,
        shown in the facts; then the urgency goes back to what the rules say."""
        job = server.create_job(FORD_LEVIS, "TIRE_CHANGE", Vehicle(2022, "Ford", "Edge"))
        day = _tomorrow()
        form = _open_form(admin_page, server, job)
        _field(form, "Date").fill(day.isoformat())
        _field(form, "Start").fill("13:00")
        _field(form, "End (optional)").fill("14:30")
        _field(form, "Notes for the technician").fill("Keys at the service desk.")
        _field(form, "Urgency").select_option(label="High")
        _field(form, "Technician").select_option(label="Julie Tremblay")
        form.get_by_role("button", name="Save changes").click()

        expect(admin_page.get_by_role("status").filter(has_text="Job saved.")).to_be_visible()
        work = admin_page.locator("#work-h + dl")
        expect(work).to_contain_text("Tomorrow 13:00–14:30")
        expect(work).to_contain_text("Keys at the service desk.")
        expect(work).to_contain_text("High")
        expect(admin_page.locator(".job__head")).to_contain_text("Scheduled")
        saved = _job(server, job.id)
        assert saved.window_start == datetime.combine(day, time(13), tzinfo=ZONE)
        assert saved.window_end == datetime.combine(day, time(14, 30), tzinfo=ZONE)
        assert (saved.notes, saved.tech_id) == (
            "Keys at the service desk.",
            server.tech_ids["julie"],
        )

        form = _open_form(admin_page, server, saved)
        expect(_field(form, "Start")).to_have_value("13:00")
        _field(form, "Urgency").select_option(label="As the rules say")
        form.get_by_role("button", name="Save changes").click()
        expect(admin_page.get_by_role("status").filter(has_text="Job saved.")).to_be_visible()
        assert _job(server, job.id).urgency_override is None

    def test_the_pointer_from_the_assignment_opens_the_form(
        self, admin_page: Page, server: PortalServer
    ) -> None:
        """A job without a service cannot be assigned: the panel points to the form, open."""
        job = server.call(
            server.system.services.intake.create_job(
                dealership_id=server.dealership_id(FORD_LEVIS),
                service_code=None,
                vehicle=Vehicle(2021, "Ford", "Ranger"),
                actor=ADMIN_ACTOR,
            )
        )
        admin_page.goto(f"{server.url}/jobs/{job.id}")
        admin_page.get_by_role("link", name="choose it in the edit form").click()
        form = admin_page.locator("form.job-edit__form")
        expect(form).to_be_visible()
        expect(_field(form, "Service")).to_have_value("")
        _field(form, "Service").select_option(label="Pre-delivery inspection")
        form.get_by_role("button", name="Save changes").click()
        expect(admin_page.get_by_role("status").filter(has_text="Job saved.")).to_be_visible()
        expect(admin_page.get_by_role("button", name="Assign Julie Tremblay")).to_be_visible()


class TestRefusals:
    def test_a_bad_vin_is_shown_at_its_field_and_nothing_changes(
        self, admin_page: Page, server: PortalServer
    ) -> None:
        """The VIN's check digit is wrong: the message is next to the VIN, which is marked
        invalid; what was typed stays; the job is as it was."""
        job = server.create_job(FORD_LEVIS, "OIL_CHANGE", Vehicle(2023, "Ford", "Maverick"))
        form = _open_form(admin_page, server, job)
        _field(form, "Model").fill("Maverick Hybrid")
        _field(form, "VIN").fill("1HGCM82633A004353")
        form.get_by_role("button", name="Save changes").click()

        vin = _field(admin_page.locator("form.job-edit__form"), "VIN")
        expect(vin).to_have_attribute("aria-invalid", "true")
        expect(vin).to_have_value("1HGCM82633A004353")
        error = admin_page.locator("#fld-vin-error")
        expect(error).to_contain_text("Not a valid VIN")
        expect(error).to_contain_text("check digit")
        assert "fld-vin-error" in (vin.get_attribute("aria-describedby") or "")
        expect(_field(admin_page.locator("form.job-edit__form"), "Model")).to_have_value(
            "Maverick Hybrid"
        )
        expect(admin_page.get_by_role("alert")).to_contain_text("Please correct the form")
        expect(admin_page).to_have_url(f"{server.url}/jobs/{job.id}")
        _audit(admin_page)  # labelled inputs and AA contrast, errors shown
        after = _job(server, job.id)
        assert (after.version, after.vehicle.model, after.vehicle.vin) == (1, "Maverick", None)

        # Corrected, it saves.
        _field(admin_page.locator("form.job-edit__form"), "VIN").fill(ACCORD_VIN)
        admin_page.get_by_role("button", name="Save changes").click()
        expect(admin_page.get_by_role("status").filter(has_text="Job saved.")).to_be_visible()
        assert ("Maverick Hybrid", ACCORD_VIN) == (
            _job(server, job.id).vehicle.model,
            _job(server, job.id).vehicle.vin,
        )

    def test_a_window_ending_before_it_starts(self, admin_page: Page, server: PortalServer) -> None:
        """10:00 to 9:00 reads as overnight (an end not after the start is the next day): 23
        hours, refused at the end field, and everything typed stays."""
        job = server.create_job(FORD_LEVIS, "OIL_CHANGE", Vehicle(2020, "Ford", "Fusion"))
        day = _tomorrow().isoformat()
        form = _open_form(admin_page, server, job)
        _field(form, "Date").fill(day)
        _field(form, "Start").fill("10:00")
        _field(form, "End (optional)").fill("09:00")
        _field(form, "Notes for the technician").fill("Back entrance.")
        form.get_by_role("button", name="Save changes").click()

        form = admin_page.locator("form.job-edit__form")
        end = _field(form, "End (optional)")
        expect(end).to_have_attribute("aria-invalid", "true")
        expect(admin_page.locator("#fld-window_end-error")).to_have_text(
            "A window is at most 12 hours long."
        )
        expect(_field(form, "Start")).not_to_have_attribute("aria-invalid", "true")
        expect(end).to_have_value("09:00")
        expect(_field(form, "Start")).to_have_value("10:00")
        expect(_field(form, "Date")).to_have_value(day)
        expect(_field(form, "Notes for the technician")).to_have_value("Back entrance.")
        after = _job(server, job.id)
        assert (after.version, after.window_start, after.notes) == (1, None, "")

    def test_someone_elses_change_is_not_overwritten(
        self, admin_page: Page, server: PortalServer
    ) -> None:
        """The job changes between loading the page and saving: the save is refused with a
        reload link; the other change stays."""
        job = server.create_job(FORD_LEVIS, "OIL_CHANGE", Vehicle(2019, "Ford", "Flex"))
        form = _open_form(admin_page, server, job)
        _field(form, "Notes for the technician").fill("Mine")
        _field(form, "Model").fill("Flex Limited")
        _update(server, job.id, notes="Theirs")  # another dispatcher, meanwhile
        form.get_by_role("button", name="Save changes").click()

        alert = admin_page.get_by_role("alert").filter(has_text=CONFLICT)
        expect(alert).to_be_visible()
        form = admin_page.locator("form.job-edit__form")
        expect(_field(form, "Notes for the technician")).to_have_value("Mine")
        after = _job(server, job.id)
        assert (after.notes, after.vehicle.model, after.version) == ("Theirs", "Flex", 2)

        # Saving again is refused again: the form still edits the version it was shown.
        form.get_by_role("button", name="Save changes").click()
        expect(admin_page.get_by_role("alert").filter(has_text=CONFLICT)).to_be_visible()
        assert "Theirs" == _job(server, job.id).notes

        admin_page.get_by_role("link", name="Reload the job").click()
        expect(admin_page.locator("#work-h + dl")).to_contain_text("Theirs")
        expect(admin_page.locator("form.job-edit__form")).to_be_hidden()

    def test_an_overlap_is_refused_then_booked_anyway(
        self, admin_page: Page, server: PortalServer
    ) -> None:
        """Julie is booked 10:00–11:00 tomorrow: a second job at 10:30 is refused by the
        Schedule rule, naming the other job; "Book anyway" saves it."""
        day = _tomorrow()
        booked = server.create_job(FORD_LEVIS, "OIL_CHANGE", Vehicle(2018, "Ford", "Focus"))
        _update(
            server,
            booked.id,
            tech_id=server.tech_ids["julie"],
            window=WindowChange(
                start=datetime.combine(day, time(10), tzinfo=ZONE),
                end=datetime.combine(day, time(11), tzinfo=ZONE),
            ),
        )
        second = server.create_job(FORD_LEVIS, "TIRE_CHANGE", Vehicle(2018, "Ford", "Fiesta"))
        server.assign(second.id, "julie")

        form = _open_form(admin_page, server, second)
        _field(form, "Date").fill(day.isoformat())
        _field(form, "Start").fill("10:30")
        _field(form, "End (optional)").fill("11:30")
        form.get_by_role("button", name="Save changes").click()

        alert = admin_page.get_by_role("alert")
        expect(alert).to_contain_text("Refused: the technician is already booked at that time")
        expect(alert).to_contain_text(booked.job_code)
        assert _job(server, second.id).window_start is None
        form = admin_page.locator("form.job-edit__form")
        expect(_field(form, "Start")).to_have_value("10:30")
        form.get_by_role("button", name="Book anyway").click()

        expect(admin_page.get_by_role("status").filter(has_text="Job saved.")).to_be_visible()
        expect(admin_page.locator("#work-h + dl")).to_contain_text("Tomorrow 10:30–11:30")
        saved = _job(server, second.id)
        assert saved.window_start == datetime.combine(day, time(10, 30), tzinfo=ZONE)
        timeline = server.call(server.system.services.dispatch.detail(second.id)).timeline
        assert timeline[-1].new_values.get("allow_overlap") is True

    def test_an_assignment_refused_by_a_rule_names_it(
        self, admin_page: Page, server: PortalServer
    ) -> None:
        """Sophie is not certified for oil changes: the certification rule is named."""
        job = server.create_job(FORD_LEVIS, "OIL_CHANGE", Vehicle(2017, "Ford", "Fusion"))
        form = _open_form(admin_page, server, job)
        _field(form, "Technician").select_option(label="Sophie Côté")
        _field(form, "Make").fill("Lincoln")
        form.get_by_role("button", name="Save changes").click()
        expect(admin_page.get_by_role("alert")).to_contain_text("Refused by the certification rule")
        after = _job(server, job.id)
        assert (after.tech_id, after.vehicle.make) == (None, "Ford"), "nothing was saved"


class TestWhatThePageShows:
    def test_the_vehicles_other_jobs_and_the_original_text(
        self, admin_page: Page, server: PortalServer
    ) -> None:
        """A texted job shows its text and who sent it, and lists the same VIN's other jobs,
        newest first, each a link to its page."""
        older = server.create_job(
            HONDA_CHARLESBOURG, "OIL_CHANGE", Vehicle(2019, "Honda", "Civic", vin=CIVIC_VIN)
        )
        newer = server.create_job(
            HONDA_CHARLESBOURG, "TIRE_CHANGE", Vehicle(2019, "Honda", "Civic", vin=CIVIC_VIN)
        )
        body = server.parser.script(
            f"Civic 2019 {CIVIC_VIN} freins svp",
            ParsedRequest(2019, "Honda", "Civic", CIVIC_VIN, None, "BRAKE_SERVICE"),
        )
        server.send_sms(HONDA_CHARLESBOURG, body)
        texted = next(j for j in server.jobs() if j.request_text == body)

        admin_page.goto(f"{server.url}/jobs/{texted.id}")
        expect(admin_page.locator("blockquote.sms")).to_have_text(body)
        expect(admin_page.locator("p.source-text")).to_contain_text(
            f"Texted by {HONDA_CHARLESBOURG}"
        )
        others = admin_page.locator("ul.same-vehicle > li")
        expect(others).to_have_count(2)
        expect(others.first).to_contain_text(newer.job_code)
        expect(others.last).to_contain_text(older.job_code)
        expect(admin_page.locator("ul.same-vehicle")).not_to_contain_text(texted.job_code)
        others.last.get_by_role("link", name=older.job_code).click()
        expect(admin_page.get_by_role("heading", level=1)).to_contain_text(older.job_code)
        expect(admin_page.locator("ul.same-vehicle")).to_contain_text(texted.job_code)

    def test_the_proposed_window_is_offered(self, admin_page: Page, server: PortalServer) -> None:
        """The text says "demain matin": the page offers tomorrow 8:00–12:00; a click sets it."""
        body = "Escape 2024 changement d'huile demain matin"
        server.parser.replies[body] = ParseResult(
            requests=(ParsedRequest(2024, "Ford", "Escape", None, None, "OIL_CHANGE"),),
            confidence=0.95,
            language=Language.FR,
            parser="scripted",
            when=WhenSaid(start=time(8), end=time(12), days_ahead=1),
        )
        server.send_sms(FORD_LEVIS, body)
        job = next(j for j in server.jobs() if j.request_text == body)
        assert job.proposed_start is not None

        admin_page.goto(f"{server.url}/jobs/{job.id}")
        expect(admin_page.locator("#work-h + dl")).to_contain_text("Asked for: Tomorrow 8:00–12:00")
        admin_page.get_by_role(
            "button", name="Use the proposed window: Tomorrow 8:00–12:00"
        ).click()
        expect(admin_page.get_by_role("status").filter(has_text="Job saved.")).to_be_visible()
        expect(admin_page.locator("#work-h + dl")).to_contain_text("Tomorrow 8:00–12:00")
        saved = _job(server, job.id)
        assert (saved.window_start, saved.proposed_start) == (job.proposed_start, None)

    def test_in_french(self, admin_page: Page, server: PortalServer) -> None:
        """The form and the window in French."""
        job = server.create_job(FORD_LEVIS, "OIL_CHANGE", Vehicle(2016, "Ford", "Taurus"))
        _update(
            server,
            job.id,
            window=WindowChange(start=datetime.combine(_tomorrow(), time(9), tzinfo=ZONE)),
        )
        admin_page.goto(f"{server.url}/jobs/{job.id}")
        admin_page.get_by_role("button", name="Français").click()
        expect(admin_page.locator("#work-h + dl")).to_contain_text("Demain 9:00–…")
        admin_page.get_by_text("Changer le service, le véhicule").click()
        form = admin_page.locator("form.job-edit__form")
        expect(_field(form, "Service")).to_contain_text("Changement d'huile")
        expect(_field(form, "Urgence")).to_contain_text("Selon les règles")
