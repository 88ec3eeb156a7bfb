"""A job's edit form, on its page: service, urgency, technician, window, vehicle and notes.

The form shows the job's values as strings (the window in the company's time zone); what comes
back is compared with the job as it stands, and only what changed goes to
``DispatchService.update``, with the version the page showed. Fields missing from a post are
left as they are, so a smaller form (the "use the proposed window" button) posts here too.

Refusals come back to the same page: an invalid value at its field (the form keeps what was
typed), a business rule as a notice naming it, someone else's change as a conflict to reload.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import date, datetime, time
from typing import Any, TypeVar
from zoneinfo import ZoneInfo

import attrs

from sm2_core.domain.enums import JobStatus, PolicyRule, Urgency
from sm2_core.domain.job import Job
from sm2_core.domain.window import wall_window
from sm2_core.errors import InvalidInput, NotFound, PolicyViolation, Sm2Error, StaleVersion
from sm2_core.services.dispatch import NO_OVERRIDE, WindowChange
from sm2_web.portal import views
from sm2_web.portal.errors import describe
from sm2_web.portal.i18n import Translator
from sm2_web.portal.reference_forms import Field
from sm2_web.portal.reference_forms import choices as reference_choices
from sm2_web.portal.views import Lookups

T = TypeVar("T")

VEHICLE = ("year", "make", "model", "vin", "stock_no")
WINDOW = ("window_date", "window_start", "window_end")
MAX_NOTES = 2000
#: Jobs whose technician the form may change (assign, hand over, put back on the board).
ASSIGNABLE = (JobStatus.PENDING, JobStatus.SCHEDULED)

# Where the core's field names are shown on the form.
_FORM_FIELD = {f"vehicle_data.{name}": name for name in VEHICLE} | {"vin": "vin"}
# The core's reasons, as a sentence at the field (translated like any message).
_REASONS = {
    "not after the start": "Must be after the start.",
    "more than 12 hours": "A window is at most 12 hours long.",
    "required with an end": "A window with an end needs a start.",
    "required for a window": "Needed for a window.",
    "not a date": "Not a date.",
    "not a time": "Not a time.",
    "a model year between 1980 and 2100": "A model year between 1980 and 2100.",
    "text of at most 60 characters": "At most 60 characters.",
    "not a number": "A whole number.",
    "unknown": "Not one of the choices.",
    f"at most {MAX_NOTES} characters": f"At most {MAX_NOTES} characters.",
}


@attrs.frozen
class Group:
    legend: str
    fields: tuple[Field, ...]


def groups(job: Job) -> tuple[Group, ...]:
    """The form's fields, by what they are about; the technician only while it may change."""
    work = [
        Field(
            "service_code",
            "Service",
            "select",
            choices="services",
            # No empty choice once the job has a service: the form cannot take it away.
            blank=None if job.service_code is None else "",
            blank_label="Choose a service",
        ),
        Field(
            "urgency",
            "Urgency",
            "select",
            choices="urgencies",
            blank_label="As the rules say",
            hint="Rules and policies may still raise it",
        ),
    ]
    if job.status in ASSIGNABLE:
        work.append(
            Field(
                "tech_id",
                "Technician",
                "select",
                choices="technicians",
                blank_label="Nobody (on the board)",
            )
        )
    return (
        Group("Work", tuple(work)),
        Group(
            "Window",
            (
                Field("window_date", "Date", "date"),
                Field("window_start", "Start", "time"),
                Field(
                    "window_end",
                    "End (optional)",
                    "time",
                    hint="Empty: as long as the service takes",
                ),
            ),
        ),
        Group(
            "Vehicle",
            (
                Field("year", "Year", "int"),
                Field("make", "Make", "text"),
                Field("model", "Model", "text"),
                Field("vin", "VIN", "text"),
                Field("stock_no", "Stock no.", "text"),
            ),
        ),
        Group(
            "Notes",
            (Field("notes", "Notes for the technician", "textarea", hint="Shown with the job"),),
        ),
    )


def choices(lookups: Lookups, job: Job, lang: str) -> dict[str, list[tuple[str, str]]]:
    """The selects' options: active services by name in the UI language, active technicians;
    the job's own service or technician stays a choice even when deactivated since."""

    def named(service: Any) -> str:
        return str(service.name_fr if lang == "fr" else service.name)

    services = [s for s in lookups.services.values() if s.is_active]
    current = lookups.service(job)
    if current is not None and not current.is_active:
        services.append(current)
    technicians = [t for t in lookups.technicians.values() if t.is_active]
    holder = lookups.technicians.get(job.tech_id) if job.tech_id else None
    if holder is not None and not holder.is_active:
        technicians.append(holder)
    return {
        **reference_choices(lookups, lang),
        "services": [(s.code, named(s)) for s in sorted(services, key=named)],
        "technicians": [(str(t.id), t.name) for t in sorted(technicians, key=lambda t: t.name)],
    }


def _clock(when: datetime) -> str:
    return f"{when.hour:02d}:{when.minute:02d}"


def window_values(start: datetime | None, end: datetime | None, zone: ZoneInfo) -> dict[str, str]:
    """A window as the form's day, start and end inputs show it, in ``zone``."""
    first = start.astimezone(zone) if start is not None else None
    last = end.astimezone(zone) if end is not None and first is not None else None
    return {
        "window_date": first.date().isoformat() if first else "",
        "window_start": _clock(first) if first else "",
        "window_end": _clock(last) if last else "",
    }


def shown_values(job: Job, zone: ZoneInfo) -> dict[str, str]:
    """The job as its edit form shows it."""
    vehicle = job.vehicle
    return {
        "service_code": job.service_code or "",
        "urgency": job.urgency_override.value if job.urgency_override else "",
        "tech_id": str(job.tech_id) if job.tech_id else "",
        "year": str(vehicle.year) if vehicle.year else "",
        "make": vehicle.make or "",
        "model": vehicle.model or "",
        "vin": vehicle.vin or "",
        "stock_no": vehicle.stock_no or "",
        "notes": job.notes,
        **window_values(job.window_start, job.window_end, zone),
    }


def typed_values(form: Mapping[str, Any], job: Job, zone: ZoneInfo) -> dict[str, str]:
    """What the form showed after a refusal: what was typed, the job's values for the rest."""
    typed = {name: str(form.get(name) or "") for name in shown_values(job, zone) if name in form}
    return {**shown_values(job, zone), **typed}


def _posted(form: Mapping[str, Any], name: str) -> str | None:
    """The field's trimmed text, or None when the form did not have it at all."""
    return str(form.get(name) or "").strip() if name in form else None


def changes(form: Mapping[str, Any], job: Job, zone: ZoneInfo) -> dict[str, Any]:
    """The keyword arguments of ``DispatchService.update`` for what the form changed; raises
    InvalidInput naming the form's fields when a value cannot be read."""
    shown = shown_values(job, zone)
    problems: dict[str, str] = {}
    found: dict[str, Any] = {}

    code = _posted(form, "service_code")
    if code and code.upper() != (job.service_code or ""):
        found["service_code"] = code.upper()

    try:
        urgency = views.choice(Urgency, form, "urgency")
    except InvalidInput as exc:
        problems.update(exc.fields)
    else:
        if "urgency" in form and urgency != job.urgency_override:
            found["urgency"] = NO_OVERRIDE if urgency is None else urgency

    try:
        tech_id = views.uuid(form, "tech_id")
    except InvalidInput as exc:
        problems.update(exc.fields)
    else:
        if "tech_id" in form and tech_id != job.tech_id:
            found["tech_id"] = tech_id  # None: back on the board

    vehicle: dict[str, object] = {}
    for name in VEHICLE:
        text = _posted(form, name)
        if text is None:
            continue
        same = (
            text.replace(" ", "").upper() == shown[name] if name == "vin" else text == shown[name]
        )
        if same:
            continue
        if name == "year":
            try:
                vehicle["year"] = views.integer(form, "year")
            except InvalidInput as exc:
                problems.update(exc.fields)
        else:
            vehicle[name] = text or None
    if vehicle:
        found["vehicle"] = vehicle

    if "notes" in form:
        notes = str(form.get("notes") or "").replace("\r\n", "\n")
        if len(notes) > MAX_NOTES:
            problems["notes"] = f"at most {MAX_NOTES} characters"
        elif notes.strip() != job.notes:
            found["notes"] = notes.strip()

    allow = form.get("allow_overlap") == "1"
    typed = tuple(_posted(form, name) for name in WINDOW)
    if any(value is not None for value in typed):
        window = tuple(shown[n] if v is None else v for n, v in zip(WINDOW, typed, strict=True))
        if window != tuple(shown[name] for name in WINDOW):
            start, end = _window(window, zone, problems)
            found["window"] = WindowChange(start=start, end=end, allow_overlap=allow)
    if allow and "window" not in found:
        # The technician changed onto a booked time: confirm it without moving the window.
        found["window"] = WindowChange(allow_overlap=True)

    if problems:
        raise InvalidInput("Please correct the form", fields=problems)
    return found


def _window(
    typed: tuple[str, ...], zone: ZoneInfo, problems: dict[str, str]
) -> tuple[datetime | None, datetime | None]:
    """Day and wall-clock times in ``zone`` as aware instants; all empty is no window."""
    day_text, start_text, end_text = typed
    if not (day_text or start_text or end_text):
        return None, None
    day = _parse(day_text, date.fromisoformat, "window_date", "not a date", problems)
    start = _parse(start_text, time.fromisoformat, "window_start", "not a time", problems)
    end = (
        _parse(end_text, time.fromisoformat, "window_end", "not a time", problems)
        if end_text
        else None
    )
    if day is None or start is None:
        return None, None
    return wall_window(day, start, end, zone)


def _parse(
    text: str, parse: Callable[[str], T], name: str, why: str, problems: dict[str, str]
) -> T | None:
    if not text:
        problems[name] = "required for a window"
        return None
    try:
        return parse(text)
    except ValueError:
        problems[name] = why
        return None


@attrs.frozen
class EditForm:
    """The edit form as a page shows it: values, errors at fields, and what was refused."""

    values: Mapping[str, str]
    version: int
    """The version the form edits: the one the page showed, kept after a refusal."""
    errors: Mapping[str, str] = attrs.field(factory=dict)
    notice: tuple[str, str] | None = None
    """A refusal's title and detail."""
    overlap: bool = False
    """The Schedule rule refused: offer to book anyway."""
    stale: bool = False
    """Someone changed the job since the page was shown."""
    open: bool = False

    @classmethod
    def of(cls, job: Job, zone: ZoneInfo, *, open: bool = False) -> EditForm:
        return cls(values=shown_values(job, zone), version=job.version, open=open)


def refused(
    exc: Sm2Error, *, values: Mapping[str, str], version: int, names: set[str], t: Translator
) -> EditForm:
    """The form after the service (or the form itself) refused: the typed values kept, the
    invalid ones marked at their fields, anything else said in a notice."""
    if isinstance(exc, StaleVersion):
        return EditForm(values, version, stale=True, open=True)
    errors: dict[str, str] = {}
    if isinstance(exc, InvalidInput):
        rest: dict[str, str] = {}
        for field, why in exc.fields.items():
            name = _FORM_FIELD.get(field, field)
            target = errors if name in names else rest
            target[name] = _reason(name, why, t)
        if errors and not rest:
            return EditForm(values, version, errors=errors, open=True)
        exc = InvalidInput(exc.message, fields=rest) if rest else exc
    if isinstance(exc, NotFound) and exc.kind in ("service", "technician"):
        name = "service_code" if exc.kind == "service" else "tech_id"
        errors[name] = t("Not an active service" if exc.kind == "service" else "Unknown technician")
        return EditForm(values, version, errors=errors, open=True)
    overlap = isinstance(exc, PolicyViolation) and exc.rule is PolicyRule.SCHEDULE
    return EditForm(
        values, version, errors=errors, notice=describe(exc, t), overlap=overlap, open=True
    )


def _reason(name: str, why: str, t: Translator) -> str:
    if name == "vin" and why not in _REASONS:
        # The VIN's own words: "'1HG…' is not a valid VIN: check digit is '3', expected '2'".
        return f"{t('Not a valid VIN')}: {why.rpartition('is not a valid VIN: ')[2]}"
    return t(_REASONS.get(why, why))


def field_names(job: Job) -> set[str]:
    return {field.name for group in groups(job) for field in group.fields}
