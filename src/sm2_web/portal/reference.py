"""Reference data pages: dealerships, technicians, services, zones, ranking rules, parts and
dealerships' own prices.

List, create, edit, deactivate (rows that history points at are never deleted), and for rules
a preview of how many recent jobs a rule would have matched.
"""

from __future__ import annotations

import functools
from typing import Any
from uuid import UUID

from litestar import Request, Response, get, post

from sm2_core.domain.entities import RankingRule
from sm2_core.domain.enums import ReferenceKind
from sm2_core.domain.pricing import DealershipPrice
from sm2_core.domain.records import Actor
from sm2_core.ports import Clock
from sm2_core.services import Services
from sm2_core.services.reference import KINDS, build
from sm2_web.dependencies import AppClock
from sm2_web.portal import preview
from sm2_web.portal import reference_forms as forms
from sm2_web.portal.jobs import see_other
from sm2_web.portal.render import render, translator
from sm2_web.portal.views import Lookups

TITLES: dict[ReferenceKind, str] = {
    ReferenceKind.DEALERSHIPS: "Dealerships",
    ReferenceKind.TECHNICIANS: "Technicians",
    ReferenceKind.SERVICES: "Services",
    ReferenceKind.ZONES: "Zones",
    ReferenceKind.RULES: "Ranking rules",
    ReferenceKind.PARTS: "Parts",
    ReferenceKind.PRICES: "Dealership prices",
}
DONE = {
    "created": "Saved: created.",
    "updated": "Saved.",
    "deactivated": "Deactivated.",
    "activated": "Reactivated.",
}


async def _page(
    request: Request[Any, Any, Any],
    services: Services,
    actor: Actor,
    kind: ReferenceKind,
    *,
    clock: Clock,
    values: dict[str, Any] | None = None,
    editing: Any = None,
    preview_count: int | None = None,
) -> Response[str]:
    fields = forms.fields_of(kind)
    lookups = await Lookups.load(services)
    items = await services.admin.all(kind, include_inactive=True)
    context: dict[str, Any] = {
        "actor": actor,
        "kind": kind,
        "kinds": TITLES,
        "title": TITLES[kind],
        "fields": fields,
        "items": items,
        "lookups": lookups,
        "item_label": functools.partial(_item_label, lookups),
        "choices": forms.choices(lookups, translator(request).lang),
        "is_enum_choice": forms.is_enum_choice,
        "values": values if values is not None else forms.blank_values(kind),
        "editing": editing,
        "notice": DONE.get(request.query_params.get("done") or ""),
        "preview_count": preview_count,
        "sample": preview.SAMPLE,
        "matches": {},
        "recent": 0,
        "suggested_terms": len(await services.corrections.suggestions())
        if kind is ReferenceKind.SERVICES
        else 0,
    }
    if kind is ReferenceKind.RULES:
        recent = await preview.recent_jobs(services, clock.now())
        rules = [rule for rule in items if isinstance(rule, RankingRule)]
        context["matches"] = {rule.id: preview.matches(rule, recent) for rule in rules}
        context["recent"] = len(recent)
    return render(request, "admin/reference.html", context)


def _item_label(lookups: Lookups, item: Any) -> str:
    """How a record is named on its buttons and its form's heading."""
    if isinstance(item, DealershipPrice):
        dealer = lookups.dealerships.get(item.dealership_id)
        return f"{dealer.name if dealer else '?'} — {item.service_code}"
    return str(getattr(item, "name", None) or getattr(item, "description", ""))


@get("/admin/{kind:str}", name="portal:reference")
async def reference_list(
    request: Request[Any, Any, Any], services: Services, actor: Actor, clock: AppClock, kind: str
) -> Response[str]:
    return await _page(request, services, actor, forms.kind_of(kind), clock=clock)


@get("/admin/{kind:str}/{item_id:uuid}", name="portal:reference-edit")
async def reference_edit(
    request: Request[Any, Any, Any],
    services: Services,
    actor: Actor,
    clock: AppClock,
    kind: str,
    item_id: UUID,
) -> Response[str]:
    chosen = forms.kind_of(kind)
    item = await services.admin.get(chosen, item_id)
    values = forms.form_values(item)
    return await _page(request, services, actor, chosen, clock=clock, values=values, editing=item)


@post("/admin/{kind:str}", name="portal:reference-create")
async def reference_create(
    request: Request[Any, Any, Any], services: Services, actor: Actor, kind: str
) -> Response[None]:
    chosen = forms.kind_of(kind)
    fields = forms.read_form(chosen, await request.form())
    await services.admin.create(chosen, fields, actor=actor)
    return see_other(f"/admin/{kind}?done=created")


@post("/admin/{kind:str}/{item_id:uuid}", name="portal:reference-update")
async def reference_update(
    request: Request[Any, Any, Any], services: Services, actor: Actor, kind: str, item_id: UUID
) -> Response[None]:
    chosen = forms.kind_of(kind)
    fields = forms.read_form(chosen, await request.form())
    await services.admin.update(chosen, item_id, fields, actor=actor)
    return see_other(f"/admin/{kind}?done=updated")


@post("/admin/{kind:str}/{item_id:uuid}/active", name="portal:reference-active")
async def reference_active(
    request: Request[Any, Any, Any], services: Services, actor: Actor, kind: str, item_id: UUID
) -> Response[None]:
    chosen = forms.kind_of(kind)
    active = (await request.form()).get("active") == "1"
    await services.admin.update(chosen, item_id, {"is_active": active}, actor=actor)
    return see_other(f"/admin/{kind}?done={'activated' if active else 'deactivated'}")


@post("/admin/rule-preview", name="portal:rule-preview")
async def rule_preview(
    request: Request[Any, Any, Any], services: Services, actor: Actor, clock: AppClock
) -> Response[str]:
    """Count without saving; the rule is built (and checked) exactly as creating it would."""
    form = await request.form()
    rule = build(KINDS[ReferenceKind.RULES], forms.read_form(ReferenceKind.RULES, form))
    assert isinstance(rule, RankingRule)  # the rules kind builds rules
    recent = await preview.recent_jobs(services, clock.now())
    values = {**forms.blank_values(ReferenceKind.RULES), **{k: form.get(k, "") for k in form}}
    return await _page(
        request,
        services,
        actor,
        ReferenceKind.RULES,
        clock=clock,
        values=values,
        preview_count=preview.matches(rule, recent),
    )


REFERENCE_HANDLERS = [
    reference_list,
    reference_edit,
    reference_create,
    reference_update,
    reference_active,
    rule_preview,
]
