"""What a job's facts make of it: urgency, ranking score, applied rules and review reasons.

One pure function, used at creation and by every edit, so a corrected job is ranked and held
exactly as if it had arrived that way. The facts are the dealership, the service, the vehicle,
the parser's urgency and its doubts, and an admin's explicit urgency; the rules are the
ranking rules in force when its facts last changed (its creation or its last edit): a rule
changed later applies at the job's next edit, never behind a dispatcher's back while it is
verified, assigned or worked.

An admin's explicit urgency replaces the parsed urgency as the base; ranking rules and the Audi
rule still only escalate from it (a rule that makes a job CRITICAL keeps it CRITICAL whatever is
typed, and an Audi is never below HIGH).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import attrs

from sm2_core.domain.entities import Dealership, RankingRule, Service
from sm2_core.domain.enums import Urgency
from sm2_core.domain.job import Job, Vehicle
from sm2_core.domain.vin import Vin
from sm2_core.errors import InvalidInput
from sm2_core.policies import PolicyConfig, apply_audi_rule, review_reasons
from sm2_core.ranking import JobDraft, rank


@attrs.frozen
class Derived:
    urgency: Urgency
    ranking_score: int
    applied_rules: tuple[str, ...]
    review_reasons: tuple[str, ...]


def vin_warnings(vehicle: Vehicle) -> tuple[str, ...]:
    """Doubts about the VIN a human must look at: a bad check digit, a brand it contradicts."""
    if not vehicle.vin:
        return ()
    try:
        vin = Vin.parse(vehicle.vin)
    except InvalidInput:
        return (f"VIN {vehicle.vin} is not valid (check digit or characters)",)
    if vehicle.make and vin.make and vin.make.casefold() != vehicle.make.casefold():
        return (f"VIN says {vin.make} but the text says {vehicle.make}",)
    return ()


def derive(
    *,
    dealership: Dealership,
    service: Service | None,
    vehicle: Vehicle,
    base_urgency: Urgency,
    urgency_override: Urgency | None,
    confidence: float | None,
    parse_warnings: Sequence[str],
    rules: Iterable[RankingRule],
    config: PolicyConfig,
) -> Derived:
    draft = JobDraft(
        dealership_id=dealership.id,
        service_code=service.code if service else None,
        make=vehicle.make,
        base_urgency=urgency_override or base_urgency,
    )
    ranking = apply_audi_rule(rank(draft, rules), vehicle)
    reasons = review_reasons(
        vehicle=vehicle,
        dealership=dealership,
        service=service,
        confidence=confidence,
        config=config,
        parse_warnings=(*parse_warnings, *vin_warnings(vehicle)),
    )
    return Derived(
        urgency=ranking.urgency,
        ranking_score=ranking.score,
        applied_rules=ranking.applied,
        review_reasons=reasons,
    )


def derive_job(
    job: Job,
    *,
    dealership: Dealership,
    service: Service | None,
    rules: Iterable[RankingRule],
    config: PolicyConfig,
) -> Derived:
    """The derivation of a job's own facts (with the given reference data and rules)."""
    return derive(
        dealership=dealership,
        service=service,
        vehicle=job.vehicle,
        base_urgency=job.base_urgency,
        urgency_override=job.urgency_override,
        confidence=job.parsing_confidence,
        parse_warnings=job.parse_warnings,
        rules=rules,
        config=config,
    )


def apply(job: Job, derived: Derived) -> Job:
    """``job`` with what its facts make of it. A review reason it did not have before re-opens
    the hold, even on a verified job: a verification covers only the reasons it saw."""
    new = attrs.evolve(
        job,
        urgency=derived.urgency,
        ranking_score=derived.ranking_score,
        applied_rules=derived.applied_rules,
        review_reasons=derived.review_reasons,
    )
    if set(derived.review_reasons) - set(job.review_reasons):
        new = attrs.evolve(new, verified_by=None, verified_at=None)
    return new


#: The vehicle fields a PATCH may set, and what each accepts.
_VEHICLE_FIELDS = ("year", "make", "model", "vin", "stock_no")


def merge_vehicle(vehicle: Vehicle, changes: dict[str, object]) -> Vehicle:
    """``vehicle`` with ``changes`` applied field by field (None clears a field).

    A VIN is checked and stored as corrected (letters O/I/Q typed for digits fixed when that
    makes the check digit valid); a valid VIN fills year and make when they are empty. Raises
    InvalidInput naming each field at fault as ``vehicle_data.<field>``.
    """
    problems: dict[str, str] = {}
    values: dict[str, object] = {}
    for name, value in changes.items():
        if name not in _VEHICLE_FIELDS:
            problems[f"vehicle_data.{name}"] = "unknown field"
            continue
        values[name] = _field(name, value, problems)
    if problems:
        raise InvalidInput("invalid vehicle data", fields=problems)
    merged = attrs.evolve(vehicle, **values)  # type: ignore[arg-type]
    if "vin" in values and merged.vin:
        vin = Vin.parse(merged.vin)
        merged = attrs.evolve(
            merged, year=merged.year or vin.model_year, make=merged.make or vin.make
        )
    return merged


def _field(name: str, value: object, problems: dict[str, str]) -> object:
    path = f"vehicle_data.{name}"
    if value is None:
        return None
    if name == "year":
        if isinstance(value, bool) or not isinstance(value, int) or not 1980 <= value <= 2100:
            problems[path] = "a model year between 1980 and 2100"
        return value
    if not isinstance(value, str) or "\x00" in value or len(value) > 60:
        problems[path] = "text of at most 60 characters"
        return value
    text = value.strip() or None
    if name == "vin" and text is not None:
        try:
            return Vin.parse(text).value
        except InvalidInput as exc:
            problems[path] = exc.message
    return text
