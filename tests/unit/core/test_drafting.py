"""From a parsed request to a ranked job with its review reasons, and the confirmation text."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from uuid import uuid4

import attrs

from sm2_core.derivation import vin_warnings
from sm2_core.domain.entities import Dealership, RankingRule, Service
from sm2_core.domain.enums import JobStatus, Language, Urgency
from sm2_core.domain.job import Job, Vehicle
from sm2_core.drafting import confirmation_text, draft_job, vehicle_from_request
from sm2_core.parsing import ParsedRequest
from sm2_core.policies import AUDI_APPLIED, AUDI_REASON, PolicyConfig

NOW = datetime(2026, 11, 25, 13, 0, tzinfo=UTC)
AUDI_VIN = "WA1BNAFY4PP057830"
HONDA_VIN = "1HGCM82633A004352"
ZONE = uuid4()
AUDI_QUEBEC = Dealership(
    id=uuid4(), name="Audi Québec", phone="+14185550101", email="a@b.example", zone_id=ZONE
)
KEYS = Service(
    id=uuid4(),
    code="KEY_PROGRAMMING",
    name="Key cutting and programming",
    name_fr="Programmation de clé",
    base_price=Decimal("249.00"),
)
ENGINE = attrs.evolve(KEYS, id=uuid4(), code="ENGINE_REPAIR", name="Engine repair",
                      name_fr="Réparation moteur", requires_approval=True)  # fmt: skip
ENGINE_RULE = RankingRule(
    id=uuid4(),
    description="All engine repairs from Audi Québec are critical",
    dealership_id=AUDI_QUEBEC.id,
    service_code="ENGINE_REPAIR",
    target_urgency=Urgency.CRITICAL,
    ranking_score=15,
)


def draft(vehicle: Vehicle, service: Service | None = KEYS, **kwargs: object) -> Job:
    values: dict[str, object] = {
        "job_code": "SM2-2026-014",
        "dealership": AUDI_QUEBEC,
        "service": service,
        "vehicle": vehicle,
        "base_urgency": Urgency.MEDIUM,
        "rules": [ENGINE_RULE],
        "confidence": 0.9,
        "config": PolicyConfig(),
        "now": NOW,
    }
    return draft_job(**{**values, **kwargs})  # type: ignore[arg-type]


class TestVehicleFromRequest:
    def test_year_and_make_come_from_a_valid_vin(self) -> None:
        """A text with only a VIN still gives the year and brand."""
        vehicle = vehicle_from_request(ParsedRequest(vin=AUDI_VIN, model="Q5"))
        assert Vehicle(year=2023, make="Audi", model="Q5", vin=AUDI_VIN) == vehicle

    def test_text_wins_over_the_vin(self) -> None:
        """What the dealer wrote is kept; the VIN fills only what is missing."""
        vehicle = vehicle_from_request(ParsedRequest(vin=HONDA_VIN, year=2004, make="Acura"))
        assert (2004, "Acura") == (vehicle.year, vehicle.make)

    def test_invalid_vin_is_kept_as_typed_and_fills_nothing(self) -> None:
        """A VIN with a typo stays for the admin to see, and decodes nothing."""
        vehicle = vehicle_from_request(ParsedRequest(vin="1HGCM82643A004352", stock_no="A12"))
        assert Vehicle(vin="1HGCM82643A004352", stock_no="A12") == vehicle


class TestVinWarnings:
    def test_no_vin_no_warning(self) -> None:
        """A stock number alone is not doubtful."""
        assert () == vin_warnings(Vehicle(stock_no="A12"))

    def test_bad_check_digit_is_a_warning(self) -> None:
        """A VIN whose check digit fails must be looked at."""
        assert ("VIN 1HGCM82643A004352 is not valid (check digit or characters)",) == (
            vin_warnings(Vehicle(vin="1HGCM82643A004352"))
        )

    def test_vin_contradicting_the_make_is_a_warning(self) -> None:
        """A Honda VIN on a vehicle the text calls a Toyota is doubtful."""
        assert ("VIN says Honda but the text says Toyota",) == vin_warnings(
            Vehicle(make="Toyota", vin=HONDA_VIN)
        )

    def test_agreeing_vin_and_make(self) -> None:
        """Make and VIN that agree, whatever the case, raise no doubt."""
        assert () == vin_warnings(Vehicle(make="HONDA", vin=HONDA_VIN))


class TestDraftJob:
    def test_new_job_is_pending_in_the_dealerships_zone(self) -> None:
        """A new job waits on the board, placed where its dealership is."""
        job = draft(Vehicle(make="Ford"), dealership=attrs.evolve(AUDI_QUEBEC, name="x"))
        assert (JobStatus.PENDING, ZONE, 1, "SM2-2026-014") == (
            job.status, job.zone_id, job.version, job.job_code,
        )  # fmt: skip

    def test_spec_example_engine_repair_on_an_audi(self) -> None:
        """An Audi engine repair from Audi Québec: CRITICAL, +15, Audi rule and approval."""
        job = draft(Vehicle(make="Audi", model="Q5"), service=ENGINE)
        assert (Urgency.CRITICAL, 15) == (job.urgency, job.ranking_score)
        assert (ENGINE_RULE.description, AUDI_APPLIED) == job.applied_rules
        assert (AUDI_REASON, "Service ENGINE_REPAIR requires approval") == job.review_reasons
        assert job.awaiting_verification

    def test_audi_by_vin_is_high_and_held(self) -> None:
        """An Audi known only by its VIN is at least HIGH and awaits verification."""
        job = draft(vehicle_from_request(ParsedRequest(vin=AUDI_VIN)))
        assert Urgency.HIGH == job.urgency
        assert AUDI_REASON in job.review_reasons

    def test_vin_warning_and_parser_warning_become_review_reasons(self) -> None:
        """The parser's doubts and the VIN's doubts are both shown to the admin."""
        job = draft(Vehicle(make="Toyota", vin=HONDA_VIN), warnings=("two vehicles guessed",))
        assert ("two vehicles guessed", "VIN says Honda but the text says Toyota") == (
            job.review_reasons
        )

    def test_base_urgency_from_the_words_is_kept(self) -> None:
        """A client waiting (HIGH in the words) stays HIGH without any rule."""
        assert Urgency.HIGH == draft(Vehicle(make="Ford"), base_urgency=Urgency.HIGH).urgency


class TestConfirmation:
    def test_french_confirmation(self) -> None:
        """French dealers read the code, the vehicle, the service and the priority in French."""
        job = draft(Vehicle(year=2023, make="Audi", model="Q5"))
        text = confirmation_text([job], {"KEY_PROGRAMMING": KEYS}, Language.FR)
        assert "Reçu : SM2-2026-014, Audi Q5 2023 — programmation de clé, priorité HAUTE" == text

    def test_english_confirmation_lists_every_job(self) -> None:
        """One line per job, in English, with the service to be confirmed when unknown."""
        first = draft(Vehicle(make="Ford", model="F-150"))
        second = draft(Vehicle(stock_no="B7"), service=None, job_code="SM2-2026-015")
        text = confirmation_text([first, second], {"KEY_PROGRAMMING": KEYS}, Language.EN)
        assert (
            "Received: SM2-2026-014, Ford F-150 — key cutting and programming, priority NORMAL; "
            "SM2-2026-015, stock B7 — service to be confirmed, priority NORMAL"
        ) == text
