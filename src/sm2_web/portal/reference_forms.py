"""The reference-data forms: which fields each kind has, how they are shown, how they are read.

Form strings become typed values here (the edge); what makes a value acceptable stays in
``AdminService`` (unknown references, negative prices, a rule with no criterion...).
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from decimal import Decimal
from typing import Any
from uuid import UUID

import attrs

from sm2_core.domain.entities import (
    DEFAULT_DURATION_MINUTES,
    DEFAULT_HOURLY_RATE,
    DEFAULT_INCLUDED_MINUTES,
)
from sm2_core.domain.enums import Language, ReferenceKind, TechnicianStatus, Urgency
from sm2_core.domain.notices import DEALER_UPDATES, parse_updates
from sm2_core.domain.terms import SEPARATOR, split_terms
from sm2_core.errors import InvalidInput, NotFound
from sm2_core.serialize import in_order
from sm2_web.portal import views
from sm2_web.portal.views import Lookups


@attrs.frozen
class Field:
    name: str
    label: str
    widget: str
    """text, email, tel, textarea, terms, int, float, decimal, date, time, checkbox, skills,
    checks (one box per choice, read as a set), or select."""
    required: bool = False
    choices: str | None = None
    """For selects: zones, dealerships, services, urgencies, languages, statuses; for checks:
    updates (a dealership's status texts)."""
    blank: Any = None
    """The value of an empty input."""
    hint: str | None = None
    blank_label: str = "None"
    """What a select's empty choice reads (shown when ``blank`` is None)."""


_TERMS_HINT = "One per line: words and short phrases dealers text for this service"
_HINTS_HINT = "One per line: symptoms or vague words that only suggest it; a named service wins"
_UPDATES_HINT = "Texts to the dealership as a technician is assigned, starts and finishes a job"
_DURATION_HINT = "5 to 720: the board plans a job with no end time by it"
_ADDRESS_HINT = "Where technicians drive: street, city, postal code"
_INCLUDED_HINT = "Labour its price includes; the invoice bills the minutes beyond"
_RATE_HINT = "Billed per hour of labour beyond a service's included minutes"
_PRICE_HINT = "Billed instead of the service's price for this dealership"
_SKU_HINT = "Optional; technicians may report the part by it"

FIELDS: dict[ReferenceKind, tuple[Field, ...]] = {
    ReferenceKind.ZONES: (
        Field("name", "Name", "text", required=True),
        Field("description", "Description", "text", blank=""),
        Field("latitude", "Latitude", "float", required=True, hint="e.g. 46.8139"),
        Field("longitude", "Longitude", "float", required=True, hint="e.g. -71.2080"),
    ),
    ReferenceKind.SERVICES: (
        Field("code", "Code", "text", required=True, hint="e.g. KEY_PROGRAMMING"),
        Field("name", "Name (English)", "text", required=True),
        Field("name_fr", "Name (French)", "text", required=True),
        Field("base_price", "Price", "decimal", required=True),
        Field(
            "duration_minutes",
            "Expected duration (minutes)",
            "int",
            blank=DEFAULT_DURATION_MINUTES,
            hint=_DURATION_HINT,
        ),
        Field(
            "included_minutes",
            "Labour included (minutes)",
            "int",
            blank=DEFAULT_INCLUDED_MINUTES,
            hint=_INCLUDED_HINT,
        ),
        Field("requires_approval", "Jobs need a dispatcher's verification", "checkbox"),
        Field(
            "requires_photos", "Jobs are completed only with the technician's photos", "checkbox"
        ),
        Field("terms_en", "Words that name it (English)", "terms", hint=_TERMS_HINT),
        Field("terms_fr", "Words that name it (French)", "terms", hint=_TERMS_HINT),
        Field("hints_en", "Hints (English)", "terms", hint=_HINTS_HINT),
        Field("hints_fr", "Hints (French)", "terms", hint=_HINTS_HINT),
    ),
    ReferenceKind.DEALERSHIPS: (
        Field("name", "Name", "text", required=True),
        Field("phone", "Phone (sends the texts)", "tel", required=True),
        Field("email", "Billing email", "email", required=True),
        Field("address", "Address", "text", blank="", hint=_ADDRESS_HINT),
        Field("hourly_rate", "Hourly rate", "decimal", blank=DEFAULT_HOURLY_RATE, hint=_RATE_HINT),
        Field("zone_id", "Zone", "select", choices="zones"),
        Field("language", "Language of replies", "select", choices="languages", blank=Language.FR),
        Field(
            "notify_on",
            "Status texts",
            "checks",
            choices="updates",
            blank=DEALER_UPDATES,
            hint=_UPDATES_HINT,
        ),
        Field("is_audit_flagged", "Flagged for audit (every job is verified)", "checkbox"),
    ),
    ReferenceKind.TECHNICIANS: (
        Field("name", "Name", "text", required=True),
        Field("phone", "Phone", "tel", required=True),
        Field("zone_id", "Home zone", "select", choices="zones"),
        Field("status", "Status", "select", choices="statuses", blank=TechnicianStatus.AVAILABLE),
        Field("language", "Language of alerts", "select", choices="languages", blank=Language.FR),
        Field("skills", "Skills", "skills", choices="services"),
    ),
    ReferenceKind.RULES: (
        Field("description", "Description", "text", required=True),
        Field("dealership_id", "Dealership", "select", choices="dealerships"),
        Field("service_code", "Service", "select", choices="service_codes"),
        Field("make", "Make", "text", hint="e.g. Audi"),
        Field("target_urgency", "At least this urgency", "select", choices="urgencies"),
        Field("ranking_score", "Score added", "int", blank=0),
    ),
    ReferenceKind.PARTS: (
        Field("name", "Name", "text", required=True, hint="e.g. Oil filter"),
        Field("sku", "SKU", "text", blank="", hint=_SKU_HINT),
        Field("price", "Price", "decimal", required=True),
    ),
    ReferenceKind.PRICES: (
        Field("dealership_id", "Dealership", "select", required=True, choices="dealerships"),
        Field("service_code", "Service", "select", required=True, choices="service_codes"),
        Field("price", "Price", "decimal", required=True, hint=_PRICE_HINT),
    ),
}
_ENUMS: dict[str, type[enum.Enum]] = {
    "languages": Language,
    "statuses": TechnicianStatus,
    "urgencies": Urgency,
}


def kind_of(name: str) -> ReferenceKind:
    """The kind a page's address names (``/admin/zones``); NotFound for any other."""
    try:
        return ReferenceKind(name)
    except ValueError:
        raise NotFound("kind", name) from None


def fields_of(kind: ReferenceKind) -> tuple[Field, ...]:
    return FIELDS[kind]


def _read(field: Field, form: Any) -> Any:
    widget, name = field.widget, field.name
    if widget == "int":
        return views.integer(form, name)
    if widget in ("float", "decimal"):
        number = views.decimal(form, name)
        return float(number) if number is not None and widget == "float" else number
    if widget == "select" and field.choices in _ENUMS:
        return views.choice(_ENUMS[field.choices], form, name)
    if widget == "select" and field.choices in ("zones", "dealerships"):
        return views.uuid(form, name)
    return views.text(form, name)


def _value(field: Field, form: Any) -> Any:
    if field.widget == "checkbox":
        return bool(form.get(field.name))
    if field.widget == "skills":
        return frozenset(code.upper() for code in form.getall(field.name, []))
    if field.widget == "checks":
        # A browser sends only the ticked boxes: none ticked is a choice (no texts), not a blank.
        return parse_updates(form.getall(field.name, []))
    if field.widget == "terms":
        # One per line, as shown; "|" too, as in the CSV, for a list pasted from a file.
        return split_terms((form.get(field.name) or "").replace("\n", SEPARATOR))
    value = _read(field, form)
    if value is None and field.required:
        raise InvalidInput(f"{field.name} is required", fields={field.name: "required"})
    return field.blank if value is None else value


def read_form(kind: ReferenceKind, form: Any) -> dict[str, Any]:
    """Every field of the kind, typed; a full form, so an unticked box means False."""
    return {field.name: _value(field, form) for field in fields_of(kind)}


def _shown(value: Any) -> Any:
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, UUID | Decimal):
        return str(value)
    if isinstance(value, frozenset):
        return sorted(value)
    if isinstance(value, tuple):
        return "\n".join(value)
    return "" if value is None else value


def form_values(item: Any) -> dict[str, Any]:
    """An entity as the strings (and lists, booleans) its edit form shows."""
    return {k: _shown(v) for k, v in attrs.asdict(item, recurse=False).items()}


def choices(lookups: Lookups, lang: str) -> dict[str, list[tuple[str, str]]]:
    """Options for each select, as (value, label)."""
    active_services = sorted(
        (s for s in lookups.services.values() if s.is_active), key=lambda s: s.code
    )
    return {
        "zones": [
            (str(z.id), z.name)
            for z in sorted(lookups.zones.values(), key=lambda z: z.name)
            if z.is_active
        ],
        "dealerships": [
            (str(d.id), d.name)
            for d in sorted(lookups.dealerships.values(), key=lambda d: d.name)
            if d.is_active
        ],
        "services": [
            (s.code, f"{s.code} — {s.name_fr if lang == 'fr' else s.name}") for s in active_services
        ],
        "service_codes": [(s.code, s.code) for s in active_services],
        "languages": [(x.value, x.value.upper()) for x in Language],
        "statuses": [(x.value, x.value) for x in TechnicianStatus],
        "urgencies": [(x.value, x.value) for x in sorted(Urgency, reverse=True)],
        "updates": [(x.value, x.value) for x in in_order(DEALER_UPDATES)],
    }


def is_enum_choice(field: Field) -> bool:
    """Selects whose labels are translated enum names."""
    return field.choices in _ENUMS


def blank_values(kind: ReferenceKind) -> Mapping[str, Any]:
    return {f.name: _shown(f.blank) for f in fields_of(kind)}
