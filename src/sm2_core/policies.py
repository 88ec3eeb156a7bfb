"""The business rules, each a pure function that decides or refuses; nothing here fetches.

Refusals raise :class:`PolicyViolation` whose ``rule`` (a :class:`PolicyRule`) names the rule.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence

import attrs

from sm2_core.domain.entities import Dealership, Service, Technician, Zone
from sm2_core.domain.enums import JobStatus, PolicyRule, TechnicianStatus, Urgency
from sm2_core.domain.job import Job, Vehicle
from sm2_core.domain.vin import normalize_vin_text
from sm2_core.domain.window import Window
from sm2_core.domain.wmi import make_for_wmi
from sm2_core.errors import PolicyViolation
from sm2_core.ranking import Ranking

AUDI_REASON = "Manual verification required (Audi rule)"
AUDI_APPLIED = "Audi rule: at least HIGH and manual verification"


@attrs.frozen
class PolicyConfig:
    review_confidence_threshold: float = 0.6
    """Below this parsing confidence a human must verify the job."""
    max_in_progress_distance_km: float = 20.0
    """No technician holds two IN_PROGRESS jobs farther apart than this."""


# --- the Audi rule -----------------------------------------------------------------------


def is_audi(vehicle: Vehicle) -> bool:
    """True when the text says Audi or the VIN's maker is Audi."""
    if vehicle.make and vehicle.make.strip().casefold() == "audi":
        return True
    if vehicle.vin:
        # The maker code even when the check digit fails: a typo further along the VIN does
        # not make an Audi anything else, and this rule is a safety hold.
        return make_for_wmi(normalize_vin_text(vehicle.vin)) == "Audi"
    return False


def apply_audi_rule(ranking: Ranking, vehicle: Vehicle) -> Ranking:
    """Any Audi is at least HIGH; the review part of the rule is in :func:`review_reasons`."""
    if not is_audi(vehicle):
        return ranking
    return attrs.evolve(
        ranking,
        urgency=Urgency.highest(ranking.urgency, Urgency.HIGH),
        applied=(*ranking.applied, AUDI_APPLIED),
    )


# --- review required ---------------------------------------------------------------------


def review_reasons(
    *,
    vehicle: Vehicle,
    dealership: Dealership,
    service: Service | None,
    confidence: float | None,
    config: PolicyConfig,
    parse_warnings: Iterable[str] = (),
) -> tuple[str, ...]:
    """Every reason an admin must verify this job before it can be assigned."""
    reasons: list[str] = []
    if is_audi(vehicle):
        reasons.append(AUDI_REASON)
    if dealership.is_audit_flagged:
        reasons.append(f"Dealership {dealership.name} is flagged for audit")
    if service is None:
        reasons.append("Service not recognised")
    elif service.requires_approval:
        reasons.append(f"Service {service.code} requires approval")
    threshold = config.review_confidence_threshold
    if confidence is not None and confidence < threshold:
        reasons.append(f"Low parsing confidence ({confidence:.2f} < {threshold:.2f})")
    reasons.extend(w for w in parse_warnings if w not in reasons)
    return tuple(reasons)


def ensure_verified(job: Job) -> None:
    """A job with open review reasons cannot be assigned until an admin verifies it."""
    if not job.awaiting_verification:
        return
    if AUDI_REASON in job.review_reasons:
        raise PolicyViolation(PolicyRule.AUDI, AUDI_REASON)
    first = job.review_reasons[0]
    raise PolicyViolation(PolicyRule.MANUAL_REVIEW, f"Manual review required: {first}")


# --- assignment ---------------------------------------------------------------------------


def ensure_can_assign(job: Job, technician: Technician) -> None:
    """Only a certified technician who is at work may be given the job."""
    ensure_verified(job)
    if job.service_code is None:
        raise PolicyViolation(
            PolicyRule.CERTIFICATION, "The job has no service: set one before assigning"
        )
    if not technician.is_active or not technician.status.can_take_work:
        raise PolicyViolation(
            PolicyRule.AVAILABILITY,
            f"{technician.name} is {technician.status.value} and cannot take jobs",
        )
    if not technician.is_certified_for(job.service_code):
        raise PolicyViolation(
            PolicyRule.CERTIFICATION,
            f"{technician.name} is not certified for {job.service_code}",
        )


# --- conflict prevention --------------------------------------------------------------------

_EARTH_RADIUS_KM = 6371.0088


def haversine_km(a: Zone, b: Zone) -> float:
    lat1, lon1, lat2, lon2 = map(math.radians, (a.latitude, a.longitude, b.latitude, b.longitude))
    h = (
        math.sin((lat2 - lat1) / 2) ** 2
        + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    )
    return 2 * _EARTH_RADIUS_KM * math.asin(math.sqrt(min(1.0, h)))


def ensure_no_zone_conflict(
    zone: Zone | None, in_progress_zones: Iterable[Zone | None], config: PolicyConfig
) -> None:
    """Refuse when the technician already works a job too far from this one.

    A job without a known zone cannot be placed, so it never conflicts: refusing it would
    block work on missing reference data rather than on distance.
    """
    if zone is None:
        return
    limit = config.max_in_progress_distance_km
    for other in in_progress_zones:
        if other is None:
            continue
        distance = haversine_km(zone, other)
        if distance > limit:
            raise PolicyViolation(
                PolicyRule.ZONE_CONFLICT,
                f"Already working in {other.name}, {distance:.1f} km from {zone.name}: "
                f"two jobs in progress may not be more than {limit:g} km apart ({PolicyRule.ZONE_CONFLICT})",
            )


# --- the schedule ------------------------------------------------------------------------------


def overlapping(window: Window, others: Iterable[tuple[str, Window]]) -> tuple[str, ...]:
    """The job codes among ``others`` whose windows overlap ``window``, in order."""
    return tuple(code for code, other in others if window.overlaps(other))


def ensure_no_overlap(technician: str, clashes: Sequence[str], *, allowed: bool) -> None:
    """A technician is not booked twice at once unless an admin confirms the overlap."""
    if clashes and not allowed:
        raise PolicyViolation(
            PolicyRule.SCHEDULE,
            f"{technician} is already booked at that time ({', '.join(clashes)}): "
            "confirm the overlap to book it anyway",
        )


# --- technician status ------------------------------------------------------------------------


def status_for_work(status: TechnicianStatus, *, working: bool) -> TechnicianStatus:
    """BUSY while the technician holds a job IN_PROGRESS, AVAILABLE once none is left; OFFLINE
    and ON_LEAVE are an admin's word and never overwritten by the work."""
    if status not in (TechnicianStatus.AVAILABLE, TechnicianStatus.BUSY):
        return status
    return TechnicianStatus.BUSY if working else TechnicianStatus.AVAILABLE


def zone_conflict(
    zone: Zone | None, in_progress_zones: Iterable[Zone | None], config: PolicyConfig
) -> str | None:
    """Why work at ``zone`` would break the 20 km rule for a technician working in
    ``in_progress_zones``; None when it would not."""
    try:
        ensure_no_zone_conflict(zone, in_progress_zones, config)
    except PolicyViolation as exc:
        return exc.message
    return None


# --- proof of work ------------------------------------------------------------------------------


def may_add_photos(job: Job) -> bool:
    """Photos are taken while the job is worked on, and after it is completed until an admin
    approves it (a photo forgotten before pressing Complete can still be added, but nothing is
    added to a job once it was approved for its invoice). A scheduled job held for review is
    not to be started, so it takes none until an admin verifies it."""
    if job.status is JobStatus.SCHEDULED:
        return not job.awaiting_verification
    if job.status is JobStatus.IN_PROGRESS:
        return True
    return job.status is JobStatus.COMPLETED and not job.is_approved


def ensure_photos(job: Job, service: Service | None, photos: int) -> None:
    """A job of a service that requires photos is completed only with at least one."""
    if service is not None and service.requires_photos and photos < 1:
        raise PolicyViolation(
            PolicyRule.PHOTOS,
            f"{service.name} requires photos of the work: add at least one photo to job "
            f"{job.job_code} before completing it",
        )


def ensure_photos_kept(job: Job, service: Service | None, remaining: int) -> None:
    """A completed job of a service that requires photos keeps at least one: its last photo
    is replaced (another added) before it is removed."""
    if job.status is not JobStatus.COMPLETED or service is None or not service.requires_photos:
        return
    if remaining < 1:
        raise PolicyViolation(
            PolicyRule.PHOTOS,
            f"{service.name} requires photos of the work and job {job.job_code} is "
            "completed: add another photo before removing its last one",
        )


# --- the safety lock -------------------------------------------------------------------------


def ensure_invoice_allowed(job: Job) -> None:
    """Only a COMPLETED job an admin approved may be invoiced."""
    if job.status is not JobStatus.COMPLETED:
        raise PolicyViolation(
            PolicyRule.SAFETY_LOCK, f"Job {job.job_code} is {job.status.value}, not COMPLETED"
        )
    if not job.is_approved:
        raise PolicyViolation(
            PolicyRule.SAFETY_LOCK, f"Job {job.job_code} has not been approved by an admin"
        )
    if job.invoice_state.in_quickbooks:
        raise PolicyViolation(PolicyRule.SAFETY_LOCK, f"Job {job.job_code} is already invoiced")
