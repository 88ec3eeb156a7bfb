"""Dispatchers' corrections of parsed jobs: the list, how often per service and field, and the
words they suggest as service terms (admin only)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated
from uuid import UUID

from litestar import Controller, get
from litestar.di import Provide
from litestar.params import Parameter
from msgspec import Struct

from sm2_core.corrections import CorrectionSummary, ServiceRates
from sm2_core.domain.corrections import ParseCorrection
from sm2_core.domain.records import Actor
from sm2_core.services import Services
from sm2_core.services.corrections import MAX_DAYS, MAX_PAGE, SUGGESTION_DAYS, SUMMARY_DAYS
from sm2_core.suggestions import TermSuggestion
from sm2_web.auth import admin_actor
from sm2_web.problems import document_errors
from sm2_web.routes.jobs import _INSTANT, _instant


class CorrectionOut(Struct):
    id: UUID
    job_id: UUID
    message_id: UUID
    field: str
    """``year``, ``make``, ``model``, ``vin``, ``stock_no`` or ``service_code``."""
    parsed: str | None
    """What the parser read."""
    corrected: str | None
    """What the dispatcher made it."""
    corrected_by: str
    corrected_at: datetime
    sender: str
    body: str
    lang: str


class CorrectionPage(Struct):
    items: list[CorrectionOut]
    next_cursor: str | None


class FieldRateOut(Struct):
    count: int
    """Parsed jobs of the period with this field corrected."""
    share: float
    """Of the parsed jobs of the period (0..1)."""


class ServiceRatesOut(Struct):
    service_code: str | None
    """None: no service (or, in ``total``, every service)."""
    parsed_jobs: int
    corrected: int
    fields: dict[str, FieldRateOut]


class CorrectionSummaryOut(Struct):
    days: int
    since: datetime
    services: list[ServiceRatesOut]
    total: ServiceRatesOut


class TermSuggestionOut(Struct):
    service_code: str
    word: str
    lang: str
    texts: int
    elsewhere: int


class TermSuggestionList(Struct):
    items: list[TermSuggestionOut]


def correction_out(c: ParseCorrection) -> CorrectionOut:
    return CorrectionOut(
        id=c.id,
        job_id=c.job_id,
        message_id=c.message_id,
        field=c.field.value,
        parsed=c.parsed,
        corrected=c.corrected,
        corrected_by=c.corrected_by,
        corrected_at=c.corrected_at,
        sender=c.sender,
        body=c.body,
        lang=c.language.value,
    )


def _rates_out(rates: ServiceRates) -> ServiceRatesOut:
    return ServiceRatesOut(
        service_code=rates.service_code,
        parsed_jobs=rates.parsed_jobs,
        corrected=rates.corrected,
        fields={f.field.value: FieldRateOut(f.count, round(f.share, 4)) for f in rates.fields},
    )


def summary_out(summary: CorrectionSummary) -> CorrectionSummaryOut:
    return CorrectionSummaryOut(
        days=summary.days,
        since=summary.since,
        services=[_rates_out(r) for r in summary.services],
        total=_rates_out(summary.total),
    )


Days = Annotated[int, Parameter(ge=1, le=MAX_DAYS, description="How many days back")]


@document_errors
class CorrectionController(Controller):
    path = "/api/corrections"
    tags = ["admin"]
    security = [{"bearer": []}]
    dependencies = {"actor": Provide(admin_actor)}

    @get("/", operation_id="listCorrections", summary="Corrections of parsed jobs, oldest first")
    async def list_corrections(
        self,
        services: Services,
        actor: Actor,
        since: Annotated[str | None, _INSTANT] = None,
        limit: Annotated[int, Parameter(ge=1, le=MAX_PAGE)] = 50,
        cursor: str | None = None,
    ) -> CorrectionPage:
        page = await services.corrections.page(
            since=_instant(since, "since"), limit=limit, cursor=cursor or None
        )
        return CorrectionPage(
            items=[correction_out(c) for c in page.items], next_cursor=page.next_cursor
        )

    @get(
        "/summary",
        operation_id="correctionSummary",
        summary="Per service and field: parsed jobs of the period and how many were corrected",
    )
    async def summary(
        self, services: Services, actor: Actor, days: Days = SUMMARY_DAYS
    ) -> CorrectionSummaryOut:
        return summary_out(await services.corrections.summary(days=days))

    @get(
        "/suggestions",
        operation_id="suggestedTerms",
        summary="Words that keep appearing in texts corrected to one service",
    )
    async def suggestions(
        self, services: Services, actor: Actor, days: Days = SUGGESTION_DAYS
    ) -> TermSuggestionList:
        found = await services.corrections.suggestions(days=days)
        return TermSuggestionList(items=[_suggestion_out(s) for s in found])


def _suggestion_out(s: TermSuggestion) -> TermSuggestionOut:
    return TermSuggestionOut(
        service_code=s.service_code,
        word=s.word,
        lang=s.language.value,
        texts=s.texts,
        elsewhere=s.elsewhere,
    )
