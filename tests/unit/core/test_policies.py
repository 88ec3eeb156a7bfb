"""The business rules as pure decisions: Audi rule, review, assignment, 20 km rule, safety lock."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from uuid import uuid4

import attrs
import pytest

from sm2_core.domain.entities import Dealership, Service, Technician
from sm2_core.domain.enums import PolicyRule, TechnicianStatus, Urgency
from sm2_core.domain.job import Job, Vehicle
from sm2_core.errors import PolicyViolation
from sm2_core.policies import (
    AUDI_APPLIED,
    AUDI_REASON,
    PolicyConfig,
    apply_audi_rule,
    ensure_can_assign,
    ensure_verified,
    is_audi,
    review_reasons,
)
from sm2_core.ranking import Ranking

NOW = datetime(2026, 11, 25, 13, 0, tzinfo=UTC)
AUDI_VIN = "WA1BNAFY4PP057830"
DEALER = Dealership(id=uuid4(), name="Ford Lévis", phone="+14185550102", email="a@b.example")
OIL = Service(
    id=uuid4(), code="OIL_CHANGE", name="Oil change", name_fr="Huile", base_price=Decimal("89.95")
)
ENGINE = attrs.evolve(OIL, id=uuid4(), code="ENGINE_REPAIR", requires_approval=True)
JULIE = Technician(
    id=uuid4(), name="Julie", phone="+14185550202", zone_id=None, skills=frozenset({"OIL_CHANGE"})
)


def job(**changes: object) -> Job:
    base = Job(
        id=uuid4(),
        job_code="SM2-2026-001",
        dealership_id=DEALER.id,
        vehicle=Vehicle(make="Ford", model="F-150"),
        created_at=NOW,
        updated_at=NOW,
        service_id=OIL.id,
        service_code="OIL_CHANGE",
    )
    return attrs.evolve(base, **changes)


def reasons(
    vehicle: Vehicle = Vehicle(make="Ford"),  # noqa: B008 - frozen value
    dealership: Dealership = DEALER,
    service: Service | None = OIL,
    confidence: float | None = 0.9,
    config: PolicyConfig = PolicyConfig(),  # noqa: B008 - frozen value
    warnings: tuple[str, ...] = (),
) -> tuple[str, ...]:
    return review_reasons(
        vehicle=vehicle,
        dealership=dealership,
        service=service,
        confidence=confidence,
        config=config,
        parse_warnings=warnings,
    )


class TestAudiRule:
    @pytest.mark.parametrize(
        "vehicle",
        [
            Vehicle(make="Audi"),
            Vehicle(make=" aUdI "),
            Vehicle(vin=AUDI_VIN),
            Vehicle(vin="wa1-bnafy4pp057830"),
            Vehicle(make="Volkswagen", vin=AUDI_VIN),
        ],
    )
    def test_audi_by_make_text_or_vin_maker(self, vehicle: Vehicle) -> None:
        """A vehicle is an Audi when the text says so or its VIN's WMI is Audi's."""
        assert is_audi(vehicle)

    @pytest.mark.parametrize(
        "vehicle",
        [
            Vehicle(make="Volkswagen"),
            Vehicle(),
            Vehicle(vin="1HGCM82633A004352"),
            Vehicle(make="Audit"),
        ],
    )
    def test_other_vehicles_are_not_audis(self, vehicle: Vehicle) -> None:
        """Other brands, unknown vehicles and near-miss words are not Audis."""
        assert not is_audi(vehicle)

    @pytest.mark.parametrize(
        ("before", "after"),
        [
            (Urgency.LOW, Urgency.HIGH),
            (Urgency.MEDIUM, Urgency.HIGH),
            (Urgency.HIGH, Urgency.HIGH),
            (Urgency.CRITICAL, Urgency.CRITICAL),
        ],
    )
    def test_any_audi_is_at_least_high(self, before: Urgency, after: Urgency) -> None:
        """The Audi rule raises to HIGH and never lowers; it says so in the applied rules."""
        ranked = apply_audi_rule(Ranking(before, 7, ("rule",)), Vehicle(make="Audi"))
        assert Ranking(after, 7, ("rule", AUDI_APPLIED)) == ranked

    def test_non_audi_ranking_is_untouched(self) -> None:
        """Other brands keep the ranking the admin rules gave."""
        ranking = Ranking(Urgency.LOW, 0, ())
        assert ranking == apply_audi_rule(ranking, Vehicle(make="Ford"))

    def test_audi_needs_manual_verification(self) -> None:
        """Every Audi gets the Audi review reason, by make or by VIN."""
        assert (AUDI_REASON,) == reasons(vehicle=Vehicle(vin=AUDI_VIN))

    def test_unverified_audi_is_refused_under_the_audi_rule(self) -> None:
        """Assigning an unverified Audi is refused naming the Audi rule."""
        with pytest.raises(PolicyViolation) as caught:
            ensure_verified(job(review_reasons=(AUDI_REASON, "Low parsing confidence")))
        assert (PolicyRule.AUDI, AUDI_REASON) == (caught.value.rule, caught.value.message)


class TestReviewReasons:
    def test_clean_request_needs_no_review(self) -> None:
        """A known service, a clean dealership and a confident parse need nobody."""
        assert () == reasons()

    def test_audit_flagged_dealership(self) -> None:
        """Every job from a dealership flagged for audit waits for an admin."""
        flagged = attrs.evolve(DEALER, is_audit_flagged=True)
        assert ("Dealership Ford Lévis is flagged for audit",) == reasons(dealership=flagged)

    def test_service_requiring_approval(self) -> None:
        """A service marked as requiring approval needs verification."""
        assert ("Service ENGINE_REPAIR requires approval",) == reasons(service=ENGINE)

    def test_unrecognised_service(self) -> None:
        """A request whose service was not recognised needs a human."""
        assert ("Service not recognised",) == reasons(service=None)

    @pytest.mark.parametrize(
        ("confidence", "needs_review"), [(0.59, True), (0.0, True), (0.6, False), (0.95, False)]
    )
    def test_confidence_below_default_threshold(
        self, confidence: float, needs_review: bool
    ) -> None:
        """Below 0.6 parsing confidence a human verifies; at 0.6 and above nobody needs to."""
        assert needs_review == bool(reasons(confidence=confidence))

    def test_threshold_is_configurable(self) -> None:
        """A stricter threshold sends more jobs to review."""
        strict = PolicyConfig(review_confidence_threshold=0.8)
        assert ("Low parsing confidence (0.70 < 0.80)",) == reasons(confidence=0.7, config=strict)

    def test_typed_in_jobs_have_no_confidence_reason(self) -> None:
        """A job an admin typed in (no parse, no confidence) is not held for confidence."""
        assert () == reasons(confidence=None)

    def test_parse_warnings_become_reasons_once(self) -> None:
        """The parser's doubts are shown to the admin, each once."""
        warnings = ("VIN check digit does not match", "VIN check digit does not match")
        assert ("VIN check digit does not match",) == reasons(warnings=warnings)

    def test_every_reason_is_listed(self) -> None:
        """Reasons accumulate: an Audi, from a flagged dealer, unknown work, low confidence."""
        flagged = attrs.evolve(DEALER, is_audit_flagged=True)
        found = reasons(
            vehicle=Vehicle(make="Audi"), dealership=flagged, service=None, confidence=0.3
        )
        assert 4 == len(found)
        assert AUDI_REASON == found[0]

    def test_verified_job_is_no_longer_held(self) -> None:
        """Once verified, a job with reasons may be assigned."""
        ensure_verified(job(review_reasons=("Service not recognised",), verified_at=NOW))

    def test_unverified_job_is_refused_under_manual_review(self) -> None:
        """A job with open reasons is refused, naming the first reason."""
        with pytest.raises(PolicyViolation) as caught:
            ensure_verified(job(review_reasons=("Service not recognised",)))
        assert PolicyRule.MANUAL_REVIEW == caught.value.rule
        assert "Service not recognised" in caught.value.message


class TestAssignment:
    def test_certified_available_technician_may_take_the_job(self) -> None:
        """The happy path: certified and at work."""
        ensure_can_assign(job(), JULIE)

    def test_busy_technician_may_take_more_work(self) -> None:
        """BUSY is still at work."""
        ensure_can_assign(job(), attrs.evolve(JULIE, status=TechnicianStatus.BUSY))

    def test_uncertified_technician_is_refused(self) -> None:
        """A technician not certified for the service is refused under the certification rule."""
        with pytest.raises(PolicyViolation) as caught:
            ensure_can_assign(job(service_code="ENGINE_REPAIR"), JULIE)
        assert PolicyRule.CERTIFICATION == caught.value.rule

    @pytest.mark.parametrize("status", [TechnicianStatus.OFFLINE, TechnicianStatus.ON_LEAVE])
    def test_technician_away_is_refused(self, status: TechnicianStatus) -> None:
        """OFFLINE and ON_LEAVE technicians cannot be given jobs."""
        with pytest.raises(PolicyViolation) as caught:
            ensure_can_assign(job(), attrs.evolve(JULIE, status=status))
        assert PolicyRule.AVAILABILITY == caught.value.rule

    def test_deactivated_technician_is_refused(self) -> None:
        """A technician who left the company is not available."""
        with pytest.raises(PolicyViolation) as caught:
            ensure_can_assign(job(), attrs.evolve(JULIE, is_active=False))
        assert PolicyRule.AVAILABILITY == caught.value.rule

    def test_job_without_service_cannot_be_assigned(self) -> None:
        """Nobody can be certified for unknown work."""
        with pytest.raises(PolicyViolation) as caught:
            ensure_can_assign(job(service_code=None, service_id=None), JULIE)
        assert PolicyRule.CERTIFICATION == caught.value.rule

    def test_verification_comes_before_certification(self) -> None:
        """An unverified Audi is refused for the Audi rule whoever is chosen."""
        with pytest.raises(PolicyViolation) as caught:
            ensure_can_assign(
                job(review_reasons=(AUDI_REASON,)), attrs.evolve(JULIE, skills=frozenset())
            )
        assert PolicyRule.AUDI == caught.value.rule
