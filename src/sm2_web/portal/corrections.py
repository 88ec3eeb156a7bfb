"""The parser's corrections page: how often dispatchers corrected what the parser read, per
service and field, and the words their corrections suggest as service terms (added with a click,
as any admin change of a service, never on their own)."""

from __future__ import annotations

from typing import Any

from litestar import Request, Response, get, post

from sm2_core.domain.corrections import ParsedField
from sm2_core.domain.enums import Language, ReferenceKind
from sm2_core.domain.records import Actor
from sm2_core.errors import InvalidInput
from sm2_core.services import Services
from sm2_core.services.corrections import SUGGESTION_DAYS, SUMMARY_DAYS
from sm2_web.portal import views
from sm2_web.portal.jobs import see_other
from sm2_web.portal.render import render, translator

PATH = "/portal/corrections"
#: How each parsed field reads, translated like any other message.
FIELD_LABELS = {
    ParsedField.YEAR: "Year",
    ParsedField.MAKE: "Make",
    ParsedField.MODEL: "Model",
    ParsedField.VIN: "VIN",
    ParsedField.STOCK_NO: "Stock number",
    ParsedField.SERVICE_CODE: "Service",
}
LANGUAGES = {Language.EN: "English", Language.FR: "French"}
DONE = {"term": "Added: the parser reads the word as the service from the next text on."}


@get(PATH, name="portal:corrections")
async def corrections_page(
    request: Request[Any, Any, Any], services: Services, actor: Actor
) -> Response[str]:
    summary = await services.corrections.summary(days=SUMMARY_DAYS)
    suggestions = await services.corrections.suggestions(days=SUGGESTION_DAYS)
    catalog = await services.admin.all(ReferenceKind.SERVICES, include_inactive=True)
    lang = Language(translator(request).lang)
    return render(
        request,
        "admin/corrections.html",
        {
            "actor": actor,
            "summary": summary,
            "suggestions": suggestions,
            "suggestion_days": SUGGESTION_DAYS,
            "service_names": {s.code: s.display_name(lang) for s in catalog},
            "field_labels": {f.value: label for f, label in FIELD_LABELS.items()},
            "languages": {language.value: label for language, label in LANGUAGES.items()},
            "notice": DONE.get(request.query_params.get("done") or ""),
        },
    )


@post(f"{PATH}/terms", name="portal:correction-term")
async def add_term(
    request: Request[Any, Any, Any], services: Services, actor: Actor
) -> Response[None]:
    """One suggested word added to its service's terms (the admin's service update, audited)."""
    form = await request.form()
    await services.corrections.add_term(
        views.required(form, "service_code"),
        views.required(form, "word"),
        _language(views.text(form, "lang")),
        actor=actor,
    )
    return see_other(f"{PATH}?done=term")


def _language(value: str | None) -> Language:
    try:
        return Language(value)
    except ValueError:
        raise InvalidInput("choose a language", fields={"lang": "en or fr"}) from None


CORRECTION_HANDLERS = [corrections_page, add_term]
