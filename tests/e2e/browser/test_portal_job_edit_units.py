"""The job edit form and the window words, without a browser: what a post changes, how a
refusal is shown, how a window reads, where the maps link goes."""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from uuid import uuid4
from zoneinfo import ZoneInfo

import attrs
import pytest

from sm2_core.domain.enums import JobStatus, PolicyRule, Urgency
from sm2_core.domain.job import Job, Vehicle
from sm2_core.errors import InvalidInput, NotFound, PolicyViolation, StaleVersion
from sm2_core.services.dispatch import NO_OVERRIDE, UNCHANGED, WindowChange
from sm2_web.maps import maps_url
from sm2_web.portal import job_edit
from sm2_web.portal.i18n import Translator
from sm2_web.portal.windows import window_text

ZONE = ZoneInfo("America/Toronto")
TODAY = date(2026, 12, 8)
EN, FR = Translator("en"), Translator("fr")


def at(hour: int, minute: int = 0, day: date = TODAY) -> datetime:
    return datetime.combine(day, time(hour, minute), tzinfo=ZONE)


def a_job(**changes: object) -> Job:
    made = datetime(2026, 12, 1, tzinfo=UTC)
    job = Job(
        id=uuid4(),
        job_code="SM2-2026-001",
        dealership_id=uuid4(),
        vehicle=Vehicle(2023, "Ford", "Escape", "1HGCM82633A004352", "S-1"),
        created_at=made,
        updated_at=made,
        service_code="OIL_CHANGE",
        notes="Back door.\nRing twice.",
        window_start=at(8).astimezone(UTC),
        window_end=at(10).astimezone(UTC),
    )
    return attrs.evolve(job, **changes)  # type: ignore[arg-type]


def posted(job: Job, **typed: str) -> dict[str, str]:
    """The whole form as the page showed it, with ``typed`` over it (as a browser sends it)."""
    shown = job_edit.shown_values(job, ZONE)
    shown["notes"] = shown["notes"].replace("\n", "\r\n")
    return {**shown, "version": str(job.version), **typed}


class TestWhatChanged:
    def test_the_form_as_shown_changes_nothing(self) -> None:
        """Not even the notes a browser sends back with CRLF, nor the VIN in lower case."""
        job = a_job()
        assert {} == job_edit.changes(posted(job), job, ZONE)
        assert {} == job_edit.changes(posted(job, vin=" 1hgcm82633a004352 "), job, ZONE)

    def test_only_the_changed_fields_are_sent(self) -> None:
        job = a_job()
        found = job_edit.changes(
            posted(job, model="Bronco", stock_no="", service_code="pdi", notes="  Front  "),
            job,
            ZONE,
        )
        assert {
            "vehicle": {"model": "Bronco", "stock_no": None},
            "service_code": "PDI",
            "notes": "Front",
        } == found

    def test_the_window_is_read_in_the_company_zone(self) -> None:
        job = a_job(window_start=None, window_end=None)
        found = job_edit.changes(
            posted(job, window_date="2026-12-09", window_start="13:00", window_end="14:30"),
            job,
            ZONE,
        )
        tomorrow = date(2026, 12, 9)
        assert WindowChange(start=at(13, day=tomorrow), end=at(14, 30, tomorrow)) == found["window"]
        start = found["window"].start
        assert isinstance(start, datetime)
        assert start.utcoffset() is not None

    def test_a_window_without_an_end_and_an_emptied_one(self) -> None:
        job = a_job()
        moved = job_edit.changes(posted(job, window_start="09:00", window_end=""), job, ZONE)
        assert WindowChange(start=at(9), end=None) == moved["window"]
        cleared = job_edit.changes(
            posted(job, window_date="", window_start="", window_end=""), job, ZONE
        )
        assert WindowChange(start=None, end=None) == cleared["window"]

    def test_a_time_the_clocks_skip(self) -> None:
        """2:30 on 8 March 2026 does not exist in Québec: read as 3:30, as the core does."""
        job = a_job(window_start=None, window_end=None)
        found = job_edit.changes(
            posted(job, window_date="2026-03-08", window_start="02:30"), job, ZONE
        )
        assert datetime(2026, 3, 8, 7, 30, tzinfo=UTC) == found["window"].start

    def test_an_incomplete_window_names_the_missing_inputs(self) -> None:
        job = a_job(window_start=None, window_end=None)
        with pytest.raises(InvalidInput) as refused:
            job_edit.changes(posted(job, window_end="10:00"), job, ZONE)
        assert {
            "window_date": "required for a window",
            "window_start": "required for a window",
        } == refused.value.fields

    def test_unreadable_values_are_all_named(self) -> None:
        job = a_job()
        with pytest.raises(InvalidInput) as refused:
            job_edit.changes(
                posted(job, year="soon", window_date="tomorrow", urgency="URGENT"), job, ZONE
            )
        assert {"year", "window_date", "urgency"} == set(refused.value.fields)

    def test_urgency_back_to_the_rules_and_technician_back_on_the_board(self) -> None:
        tech = uuid4()
        job = a_job(urgency_override=Urgency.HIGH, tech_id=tech, status=JobStatus.SCHEDULED)
        found = job_edit.changes(posted(job, urgency="", tech_id=""), job, ZONE)
        assert {"urgency": NO_OVERRIDE, "tech_id": None} == found
        assert {"urgency": Urgency.CRITICAL} == job_edit.changes(
            posted(job, urgency="CRITICAL"), job, ZONE
        )

    def test_a_smaller_form_leaves_the_rest_alone(self) -> None:
        """The proposed window's button posts the window alone."""
        job = a_job(window_start=None, window_end=None)
        found = job_edit.changes(
            {"version": "1", "window_date": "2026-12-09", "window_start": "08:00",
             "window_end": "12:00"},
            job,
            ZONE,
        )  # fmt: skip
        assert ["window"] == list(found)

    def test_book_anyway_alone_confirms_the_overlap(self) -> None:
        job = a_job()
        found = job_edit.changes(posted(job, allow_overlap="1"), job, ZONE)
        assert WindowChange(start=UNCHANGED, end=UNCHANGED, allow_overlap=True) == found["window"]


class TestRefusalsShown:
    NAMES = job_edit.field_names(a_job())

    def refused(self, exc: Exception) -> job_edit.EditForm:
        assert isinstance(exc, InvalidInput | NotFound | PolicyViolation | StaleVersion)
        return job_edit.refused(exc, values={"vin": "x"}, version=3, names=self.NAMES, t=EN)

    def test_a_vehicle_field_at_its_input(self) -> None:
        shown = self.refused(
            InvalidInput(
                "invalid vehicle data",
                fields={"vehicle_data.vin": "'X' is not a valid VIN: check digit is '3'"},
            )
        )
        assert {"vin": "Not a valid VIN: check digit is '3'"} == shown.errors
        assert (shown.notice, shown.open, shown.version) == (None, True, 3)

    def test_the_windows_end(self) -> None:
        shown = self.refused(InvalidInput("", fields={"window_end": "not after the start"}))
        assert {"window_end": "Must be after the start."} == shown.errors
        french = job_edit.refused(
            InvalidInput("", fields={"window_end": "not after the start"}),
            values={},
            version=1,
            names=self.NAMES,
            t=FR,
        )
        assert {"window_end": "Doit être après le début."} == french.errors

    def test_an_unknown_service_at_the_select(self) -> None:
        assert {"service_code": "Not an active service"} == self.refused(
            NotFound("service", "NOPE")
        ).errors

    def test_a_rule_as_a_notice_and_the_overlap_offers_to_book_anyway(self) -> None:
        shown = self.refused(PolicyViolation(PolicyRule.SCHEDULE, "Julie is already booked"))
        assert shown.notice == (
            "Refused: the technician is already booked at that time",
            "Julie is already booked",
        )
        assert shown.overlap
        other = self.refused(PolicyViolation(PolicyRule.CERTIFICATION, "not certified"))
        assert (other.notice or ("",))[0] == "Refused by the certification rule"
        assert not other.overlap

    def test_someone_elses_change(self) -> None:
        shown = self.refused(StaleVersion("job", "x", expected=3, actual=4))
        assert (shown.stale, shown.version, shown.values) == (True, 3, {"vin": "x"})


class TestWindowWords:
    @pytest.mark.parametrize(
        ("start", "end", "english", "french"),
        [
            (at(8), at(10), "Today 8:00–10:00", "Aujourd'hui 8:00–10:00"),
            (at(13, day=date(2026, 12, 9)), at(14, day=date(2026, 12, 9)),
             "Tomorrow 13:00–14:00", "Demain 13:00–14:00"),
            (at(9, day=date(2026, 12, 14)), None, "Mon Dec 14 9:00–…", "lun. 14 déc. 9:00–…"),
        ],
    )  # fmt: skip
    def test_as_the_phone_shows_it(
        self, start: datetime, end: datetime | None, english: str, french: str
    ) -> None:
        utc = (start.astimezone(UTC), end.astimezone(UTC) if end else None)
        assert english == window_text(*utc, today=TODAY, zone=ZONE, t=EN)
        assert french == window_text(*utc, today=TODAY, zone=ZONE, t=FR)

    def test_no_window_no_words(self) -> None:
        assert "" == window_text(None, None, today=TODAY, zone=ZONE, t=EN)


def test_the_maps_link_encodes_the_whole_address() -> None:
    assert (
        "https://www.google.com/maps/search/?api=1&query="
        "5300%20boulevard%20Guillaume-Couture%2C%20L%C3%A9vis%2C%20QC%20G6V%204Z7%20%26%20co"
    ) == maps_url(" 5300 boulevard Guillaume-Couture, Lévis, QC G6V 4Z7 & co ")
