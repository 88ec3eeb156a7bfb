"""From a parsed request to a new job, and the confirmation the dealership gets back. Pure."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from uuid import UUID, uuid4

from sm2_core.domain.entities import Dealership, RankingRule, Service
from sm2_core.domain.enums import Language, Urgency
from sm2_core.domain.job import Job, Vehicle
from sm2_core.domain.vin import Vin
from sm2_core.errors import InvalidInput
from sm2_core.parsing import ParsedRequest
from sm2_core.policies import PolicyConfig, apply_audi_rule, review_reasons
from sm2_core.ranking import JobDraft, rank


def vehicle_from_request(request: ParsedRequest) -> Vehicle:
    """The vehicle as read, with year and make filled from a valid VIN when the text lacks them."""
    year, make = request.year, request.make
    if request.vin:
        try:
            vin = Vin.parse(request.vin)
        except InvalidInput:
            vin = None
        if vin is not None:
            year = year or vin.model_year
            make = make or vin.make
    return Vehicle(
        year=year, make=make, model=request.model, vin=request.vin, stock_no=request.stock_no
    )


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


def draft_job(
    *,
    job_id: UUID | None = None,
    job_code: str,
    dealership: Dealership,
    service: Service | None,
    vehicle: Vehicle,
    base_urgency: Urgency,
    rules: Iterable[RankingRule],
    confidence: float | None,
    config: PolicyConfig,
    now: datetime,
    warnings: Sequence[str] = (),
    source_message_id: UUID | None = None,
    request_text: str = "",
) -> Job:
    """A new PENDING job, ranked by the admin's rules and the Audi rule, with its review reasons."""
    draft = JobDraft(
        dealership_id=dealership.id,
        service_code=service.code if service else None,
        make=vehicle.make,
        base_urgency=base_urgency,
    )
    ranking = apply_audi_rule(rank(draft, rules), vehicle)
    reasons = review_reasons(
        vehicle=vehicle,
        dealership=dealership,
        service=service,
        confidence=confidence,
        config=config,
        parse_warnings=(*warnings, *vin_warnings(vehicle)),
    )
    return Job(
        id=job_id or uuid4(),
        job_code=job_code,
        dealership_id=dealership.id,
        vehicle=vehicle,
        created_at=now,
        updated_at=now,
        service_id=service.id if service else None,
        service_code=service.code if service else None,
        urgency=ranking.urgency,
        ranking_score=ranking.score,
        applied_rules=ranking.applied,
        parsing_confidence=confidence,
        review_reasons=reasons,
        zone_id=dealership.zone_id,
        source_message_id=source_message_id,
        request_text=request_text,
    )


_URGENCY_WORDS = {
    Language.FR: {
        Urgency.LOW: "BASSE",
        Urgency.MEDIUM: "NORMALE",
        Urgency.HIGH: "HAUTE",
        Urgency.CRITICAL: "CRITIQUE",
    },
    Language.EN: {
        Urgency.LOW: "LOW",
        Urgency.MEDIUM: "NORMAL",
        Urgency.HIGH: "HIGH",
        Urgency.CRITICAL: "CRITICAL",
    },
}


def _service_words(service: Service | None, language: Language) -> str:
    if service is None:
        return "service à préciser" if language is Language.FR else "service to be confirmed"
    name = service.display_name(language)
    return name[:1].lower() + name[1:]


def confirmation_text(jobs: Sequence[Job], services: dict[str, Service], language: Language) -> str:
    """ "Reçu : SM2-2026-014, Audi Q5 2023 — programmation de clé, priorité HAUTE"."""
    lines = []
    for job in jobs:
        service = services.get(job.service_code or "")
        urgency = _URGENCY_WORDS[language][job.urgency]
        priority = f"priorité {urgency}" if language is Language.FR else f"priority {urgency}"
        lines.append(
            f"{job.job_code}, {job.vehicle.describe()} — {_service_words(service, language)}, "
            f"{priority}"
        )
    prefix = "Reçu : " if language is Language.FR else "Received: "
    return prefix + "; ".join(lines)
