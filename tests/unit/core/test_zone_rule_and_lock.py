"""The 20 km rule (haversine between zones) and the safety lock on invoicing, as pure rules."""

from __future__ import annotations

from datetime import UTC, datetime
from uuid import uuid4

import attrs
import pytest

from sm2_core.domain.entities import Zone
from sm2_core.domain.enums import InvoiceState, JobStatus, PolicyRule
from sm2_core.domain.job import Job, Vehicle
from sm2_core.errors import PolicyViolation
from sm2_core.policies import (
    PolicyConfig,
    ensure_invoice_allowed,
    ensure_no_zone_conflict,
    haversine_km,
)

NOW = datetime(2026, 11, 25, 13, 0, tzinfo=UTC)
QUEBEC = Zone(id=uuid4(), name="Québec Centre", latitude=46.8139, longitude=-71.2080)
SAINTE_FOY = Zone(id=uuid4(), name="Sainte-Foy", latitude=46.7735, longitude=-71.2861)
LEVIS = Zone(id=uuid4(), name="Lévis", latitude=46.7382, longitude=-71.2465)
SAINT_AUGUSTIN = Zone(id=uuid4(), name="Saint-Augustin", latitude=46.7480, longitude=-71.4590)
SAGUENAY = Zone(id=uuid4(), name="North Quebec", latitude=48.4280, longitude=-71.0680)
DEFAULT = PolicyConfig()


class TestHaversine:
    def test_same_place_is_zero(self) -> None:
        """A zone is 0 km from itself."""
        assert 0.0 == haversine_km(QUEBEC, QUEBEC)

    def test_one_degree_of_latitude(self) -> None:
        """One degree along a meridian is about 111.2 km."""
        a = Zone(id=uuid4(), name="a", latitude=46.0, longitude=-71.0)
        b = attrs.evolve(a, latitude=47.0)
        assert 111.2 == pytest.approx(haversine_km(a, b), abs=0.1)

    def test_real_distances_between_demo_zones(self) -> None:
        """Québec Centre–Lévis is about 9 km; Québec Centre–Saguenay about 180 km."""
        assert (8.9, 179.8) == (
            round(haversine_km(QUEBEC, LEVIS), 1),
            round(haversine_km(QUEBEC, SAGUENAY), 1),
        )

    def test_symmetric(self) -> None:
        """The distance does not depend on the direction."""
        assert haversine_km(LEVIS, SAGUENAY) == pytest.approx(haversine_km(SAGUENAY, LEVIS))


class TestZoneConflict:
    def test_nearby_jobs_may_run_together(self) -> None:
        """Lévis and Québec Centre are 9 km apart: both may be in progress."""
        ensure_no_zone_conflict(LEVIS, [QUEBEC, SAINTE_FOY], DEFAULT)

    def test_far_jobs_may_not(self) -> None:
        """A job 180 km from one in progress is refused under the 20 km rule."""
        with pytest.raises(PolicyViolation) as caught:
            ensure_no_zone_conflict(SAGUENAY, [LEVIS], DEFAULT)
        assert PolicyRule.ZONE_CONFLICT == caught.value.rule
        assert "Lévis" in caught.value.message

    def test_just_over_twenty_km_is_refused(self) -> None:
        """Québec Centre–Saint-Augustin is 20.5 km: over the limit."""
        with pytest.raises(PolicyViolation):
            ensure_no_zone_conflict(SAINT_AUGUSTIN, [QUEBEC], DEFAULT)

    def test_exactly_at_the_limit_is_allowed(self) -> None:
        """The limit itself is allowed: only more than the limit conflicts."""
        limit = PolicyConfig(max_in_progress_distance_km=haversine_km(LEVIS, SAINT_AUGUSTIN))
        ensure_no_zone_conflict(SAINT_AUGUSTIN, [LEVIS], limit)

    def test_distance_is_configurable(self) -> None:
        """With a 5 km limit, Lévis and Québec Centre (9 km) conflict."""
        with pytest.raises(PolicyViolation):
            ensure_no_zone_conflict(LEVIS, [QUEBEC], PolicyConfig(max_in_progress_distance_km=5))

    def test_any_far_job_conflicts(self) -> None:
        """One far job among near ones is enough to refuse."""
        with pytest.raises(PolicyViolation):
            ensure_no_zone_conflict(QUEBEC, [LEVIS, SAGUENAY, SAINTE_FOY], DEFAULT)

    def test_unknown_zones_never_conflict(self) -> None:
        """A job that cannot be placed is not refused on distance."""
        ensure_no_zone_conflict(None, [SAGUENAY], DEFAULT)
        ensure_no_zone_conflict(QUEBEC, [None, LEVIS], DEFAULT)

    def test_nothing_in_progress(self) -> None:
        """A first job in progress never conflicts."""
        ensure_no_zone_conflict(SAGUENAY, [], DEFAULT)


def job(**changes: object) -> Job:
    base = Job(
        id=uuid4(),
        job_code="SM2-2026-007",
        dealership_id=uuid4(),
        vehicle=Vehicle(make="Ford"),
        created_at=NOW,
        updated_at=NOW,
        status=JobStatus.COMPLETED,
        invoice_state=InvoiceState.PENDING_APPROVAL,
        approved_at=NOW,
        approved_by="admin",
    )
    return attrs.evolve(base, **changes)


class TestSafetyLock:
    def test_completed_and_approved_may_be_invoiced(self) -> None:
        """The one state that may be billed."""
        ensure_invoice_allowed(job())

    def test_failed_invoice_may_be_retried(self) -> None:
        """A failed invoice of an approved job may be attempted again."""
        ensure_invoice_allowed(job(invoice_state=InvoiceState.FAILED))

    @pytest.mark.parametrize(
        "status",
        [JobStatus.PENDING, JobStatus.SCHEDULED, JobStatus.IN_PROGRESS, JobStatus.CANCELLED],
    )
    def test_unfinished_work_is_never_invoiced(self, status: JobStatus) -> None:
        """Even approved, a job that is not COMPLETED is locked."""
        with pytest.raises(PolicyViolation) as caught:
            ensure_invoice_allowed(job(status=status))
        assert PolicyRule.SAFETY_LOCK == caught.value.rule
        assert status.value in caught.value.message

    def test_unapproved_work_is_never_invoiced(self) -> None:
        """Completed work waits for an admin's approval."""
        with pytest.raises(PolicyViolation) as caught:
            ensure_invoice_allowed(job(approved_at=None, approved_by=None))
        assert (PolicyRule.SAFETY_LOCK, "Job SM2-2026-007 has not been approved by an admin") == (
            caught.value.rule,
            caught.value.message,
        )

    def test_synced_job_is_not_invoiced_twice(self) -> None:
        """A job already in QuickBooks is locked against a second invoice."""
        with pytest.raises(PolicyViolation) as caught:
            ensure_invoice_allowed(job(invoice_state=InvoiceState.SYNCED, qb_invoice_id="1000"))
        assert PolicyRule.SAFETY_LOCK == caught.value.rule
