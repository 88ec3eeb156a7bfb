"""From a parsed request to a new job, and the confirmation the dealership gets back. Pure."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from uuid import UUID, uuid4

from sm2_core.derivation import derive, vin_warnings
from sm2_core.domain.entities import Dealership, RankingRule, Service
from sm2_core.domain.enums import Language, Urgency
from sm2_core.domain.job import Job, Vehicle
from sm2_core.domain.vin import Vin
from sm2_core.errors import InvalidInput
from sm2_core.parsing import ParsedRequest
from sm2_core.policies import PolicyConfig


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
    # Doubts about the VIN are judged again on every edit (a corrected VIN clears them), so only
    # the parser's other doubts are facts to keep.
    facts_warnings = tuple(w for w in warnings if w not in vin_warnings(vehicle))
    derived = derive(
        dealership=dealership,
        service=service,
        vehicle=vehicle,
        base_urgency=base_urgency,
        urgency_override=None,
        confidence=confidence,
        parse_warnings=facts_warnings,
        rules=rules,
        config=config,
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
        urgency=derived.urgency,
        ranking_score=derived.ranking_score,
        applied_rules=derived.applied_rules,
        parsing_confidence=confidence,
        base_urgency=base_urgency,
        parse_warnings=facts_warnings,
        review_reasons=derived.review_reasons,
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
