"""The Day view: each active technician's day on a timeline, and the PENDING jobs waiting.

Rendered on the server from ``services.schedule.day`` so it works without a script;
``schedule.js`` adds drag and drop and the live refresh (``?fragment=1`` answers the board part
alone). Scheduling a job posts a form here (``/jobs/{id}/schedule``) with the page's CSRF token:
the script asks for JSON (``Accept: application/json``), a plain form gets the day back, with the
outcome or the refusal.

Times on the page are wall-clock times in the company's zone (``services.schedule.zone``): the
form says a day and a time, and the server makes them instants there.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from datetime import date, datetime, time, timedelta
from typing import Any
from uuid import UUID
from zoneinfo import ZoneInfo

import attrs
from litestar import Request, Response, get, post
from litestar.enums import MediaType

from sm2_core.domain.entities import Technician
from sm2_core.domain.records import Actor
from sm2_core.domain.scheduled import ScheduledJob
from sm2_core.domain.window import MAX_LENGTH, at_local, describe, wall_window
from sm2_core.errors import InvalidInput, PolicyViolation, Sm2Error
from sm2_core.schedule import DEFAULT_DURATION, DaySchedule
from sm2_core.services import Services
from sm2_core.services.dispatch import WindowChange
from sm2_web.portal import views
from sm2_web.portal.errors import describe as describe_refusal
from sm2_web.portal.render import NO_STORE, render, translator
from sm2_web.problems import status_of
from sm2_web.routes.schedule import parse_day

#: The hours the timeline always shows; it grows to fit a block outside them.
FIRST_HOUR, LAST_HOUR = 7, 19
QUARTER = 15
"""Minutes: where a drop or a form's time lands is a quarter of an hour."""
DONE = {"scheduled": "Job scheduled."}
"""Outcome notices a redirect may ask the day to show (never free text from the URL)."""
SCHEDULED = "{code} scheduled: {when}."
"""What the script shows after a drop or a form it sent."""
_YES = ("1", "true", "on", "yes")


# --- the page's model ---------------------------------------------------------------------


@attrs.frozen
class Timeline:
    """The hours shown, ``first`` (inclusive) to ``last`` (exclusive), in quarter columns."""

    first: int = FIRST_HOUR
    last: int = LAST_HOUR

    @property
    def quarters(self) -> int:
        return (self.last - self.first) * 60 // QUARTER

    @property
    def hours(self) -> list[tuple[int, int, int]]:
        """Each hour with its grid columns (start, end)."""
        return [
            (h, self.column(h * 60), self.column((h + 1) * 60))
            for h in range(self.first, self.last)
        ]

    def column(self, minute: int) -> int:
        """The grid line at ``minute`` of the day (1 is the timeline's start)."""
        return (minute - self.first * 60) // QUARTER + 1

    def columns(self, start: int, end: int) -> tuple[int, int]:
        """The grid columns of a block from ``start`` to ``end`` (minutes of the day): at least
        a quarter wide, inside the timeline."""
        first = max(1, min(self.column(start), self.quarters))
        last = math.ceil((end - self.first * 60) / QUARTER) + 1
        return first, max(first + 1, min(last, self.quarters + 1))

    @classmethod
    def fitting(cls, spans: list[tuple[int, int]]) -> Timeline:
        starts = [s for s, _ in spans] or [FIRST_HOUR * 60]
        ends = [e for _, e in spans] or [LAST_HOUR * 60]
        first = min(FIRST_HOUR, min(starts) // 60)
        last = max(LAST_HOUR, math.ceil(max(ends) / 60))
        return cls(max(0, first), min(24, last))


@attrs.frozen
class Slot:
    """What a job's "Schedule…" form starts with: a day, a start and an end, local."""

    day: date
    start: str = ""
    end: str = ""


@attrs.frozen
class BlockView:
    job: ScheduledJob
    start: datetime
    end: datetime
    """Local, in the company's zone."""
    columns: tuple[int, int]
    minutes: int | None
    """The window's length when it has an end: a drag keeps it; None takes the service's."""
    duration: int
    """How long the block is drawn, in minutes."""
    slot: Slot
    km_before: float | None = None
    after: str | None = None
    """The job before it in the technician's day, if any (the km are from there)."""


@attrs.frozen
class RowView:
    technician: Technician
    blocks: tuple[BlockView, ...]
    without_window: tuple[ScheduledJob, ...]


@attrs.frozen
class DayView:
    day: date
    zone: ZoneInfo
    timeline: Timeline
    rows: tuple[RowView, ...]
    unscheduled: tuple[ScheduledJob, ...]
    schedule: DaySchedule

    @property
    def technicians(self) -> list[Technician]:
        return [row.technician for row in self.rows]

    def duration(self, job: ScheduledJob) -> int:
        """The minutes a job without a window end takes: its service's."""
        service = self.schedule.services.get(job.service_id) if job.service_id else None
        if service is None:
            return int(DEFAULT_DURATION.total_seconds() // 60)
        return service.duration_minutes

    def service_name(self, job: ScheduledJob, lang: str) -> str:
        service = self.schedule.services.get(job.service_id) if job.service_id else None
        if service is None:
            return job.service_code or ""
        return service.name_fr if lang == "fr" else service.name

    def dealership_name(self, job: ScheduledJob) -> str:
        found = self.schedule.dealerships.get(job.dealership_id)
        return found.name if found else "?"

    def zone_name(self, job: ScheduledJob) -> str:
        found = self.schedule.zones.get(job.zone_id) if job.zone_id else None
        return found.name if found else ""

    def slot(self, job: ScheduledJob) -> Slot:
        """The form's first values: the job's window, else what the text asked, else the day
        shown with no time yet."""
        start, end = job.window_start, job.window_end
        if start is None:
            start, end = job.proposed_start, job.proposed_end
        if start is None:
            return Slot(self.day)
        first = start.astimezone(self.zone)
        last = end.astimezone(self.zone).strftime("%H:%M") if end is not None else ""
        return Slot(first.date(), first.strftime("%H:%M"), last)

    def proposal(self, job: ScheduledJob, lang: str) -> str:
        if job.proposed_start is None:
            return ""
        return describe(job.proposed_start, job.proposed_end, self.zone, lang)

    def clock(self, moment: datetime, lang: str) -> str:
        """``9 h 30`` / ``9:30 AM`` in the company's zone."""
        local = moment.astimezone(self.zone)
        if lang == "fr":
            return f"{local.hour} h {local.minute:02d}"
        hour = local.hour % 12 or 12
        return f"{hour}:{local.minute:02d} {'AM' if local.hour < 12 else 'PM'}"

    def span(self, start: datetime, end: datetime, lang: str) -> str:
        """``8 h 30–10 h 00`` / ``8:30–10:00 AM`` (one AM/PM when both ends share it)."""
        first, last = self.clock(start, lang), self.clock(end, lang)
        if lang != "fr" and first[-2:] == last[-2:]:
            first = first[:-3]
        return f"{first}–{last}"

    def hour(self, hour: int, lang: str) -> str:
        if lang == "fr":
            return f"{hour} h"
        return f"{hour % 12 or 12} {'AM' if hour % 24 < 12 else 'PM'}"

    def day_name(self, lang: str) -> str:
        noon = at_local(self.day, time(12), self.zone)
        text = describe(noon, None, self.zone, lang)
        return text.rsplit(" ", 1)[0].rstrip(",")


def _minute(moment: datetime, day: date, zone: ZoneInfo) -> int:
    """The minute of ``day`` a moment falls on (0 before the day, 1440 after it)."""
    local = moment.astimezone(zone)
    if local.date() < day:
        return 0
    if local.date() > day:
        return 24 * 60
    return local.hour * 60 + local.minute


def day_view(schedule: DaySchedule) -> DayView:
    day, zone = schedule.day, schedule.zone
    spans = [
        (_minute(b.span.start, day, zone), _minute(b.span.end, day, zone))
        for row in schedule.technicians
        for b in row.blocks
    ]
    timeline = Timeline.fitting(spans)
    shell = DayView(day, zone, timeline, (), schedule.unscheduled, schedule)
    rows = []
    for found in schedule.technicians:
        blocks = []
        for n, block in enumerate(found.blocks):
            job = block.job
            start, end = _minute(block.span.start, day, zone), _minute(block.span.end, day, zone)
            length = None
            if job.window_start is not None and job.window_end is not None:
                length = int((job.window_end - job.window_start).total_seconds() // 60)
            blocks.append(
                BlockView(
                    job=job,
                    start=block.span.start.astimezone(zone),
                    end=block.span.end.astimezone(zone),
                    columns=timeline.columns(start, end),
                    minutes=length,
                    duration=int((block.span.end - block.span.start).total_seconds() // 60),
                    km_before=found.km_between[n - 1] if n else None,
                    after=found.blocks[n - 1].job.job_code if n else None,
                    slot=shell.slot(job),
                )
            )
        rows.append(RowView(found.technician, tuple(blocks), found.without_window))
    return attrs.evolve(shell, rows=tuple(rows))


# --- the page -----------------------------------------------------------------------------


def _day(value: str | None) -> date | None:
    """The API's reading of a day; an empty field (a form's date left blank) is no day."""
    return parse_day(value) if value and value.strip() else None


@attrs.frozen
class Refusal:
    """A scheduling the services refused, as the page shows it (with the form's values to book
    anyway when the Schedule rule refused it)."""

    title: str
    detail: str
    rule: str | None = None
    job_id: UUID | None = None
    fields: Mapping[str, str] = attrs.field(factory=dict)


async def _page(
    request: Request[Any, Any, Any],
    services: Services,
    actor: Actor,
    day: date,
    *,
    notice: str | None = None,
    warnings: tuple[str, ...] = (),
    refusal: Refusal | None = None,
    status: int = 200,
    fragment: bool = False,
) -> Response[str]:
    view = day_view(await services.schedule.day(day))
    context = {
        "actor": actor,
        "view": view,
        "today": services.schedule.today(),
        "previous_day": day - timedelta(days=1),
        "next_day": day + timedelta(days=1),
        "notice": notice,
        "warnings": warnings,
        "refusal": refusal,
    }
    template = "admin/_day_board.html" if fragment else "admin/day.html"
    return render(request, template, context, status=status)


@get("/day", name="portal:day")
async def day_page(
    request: Request[Any, Any, Any], services: Services, actor: Actor
) -> Response[str]:
    params = request.query_params
    day = _day(params.get("date")) or services.schedule.today()
    if params.get("fragment") in _YES:
        return await _page(request, services, actor, day, fragment=True)
    notice = DONE.get(params.get("done") or "")
    warnings: tuple[str, ...] = ()
    job_id = views.uuid(params, "job") if notice else None
    if job_id is not None:
        warnings = await services.dispatch.warnings((await services.dispatch.detail(job_id)).job)
    return await _page(request, services, actor, day, notice=notice, warnings=warnings)


# --- scheduling -----------------------------------------------------------------------------


@attrs.frozen
class Asked:
    """A scheduling as the form (or a drop) says it."""

    tech_id: UUID
    day: date
    start: datetime
    end: datetime | None
    version: int
    allow_overlap: bool


def _time(form: Mapping[str, Any], name: str) -> time | None:
    value = views.text(form, name)
    if value is None:
        return None
    try:
        return time.fromisoformat(value)
    except ValueError:
        raise InvalidInput(f"{name} must be a time, HH:MM", fields={name: "not a time"}) from None


MAX_LENGTH_MINUTES = int(MAX_LENGTH.total_seconds() // 60)


def asked(form: Mapping[str, Any], zone: ZoneInfo) -> Asked:
    tech_id = views.required_uuid(form, "tech_id")
    day = _day(views.required(form, "date"))
    start_time = _time(form, "start")
    if day is None or start_time is None:
        raise InvalidInput("start is required", fields={"start": "required"})
    start, end = wall_window(day, start_time, _time(form, "end"), zone)
    minutes = views.integer(form, "minutes")
    if end is None and minutes is not None:
        if not 1 <= minutes <= MAX_LENGTH_MINUTES:
            raise InvalidInput(
                f"minutes must be 1..{MAX_LENGTH_MINUTES}", fields={"minutes": "out of range"}
            )
        end = start + timedelta(minutes=minutes)  # in UTC: real minutes
    return Asked(
        tech_id=tech_id,
        day=day,
        start=start,
        end=end,
        version=views.required_int(form, "version"),
        allow_overlap=str(form.get("allow_overlap") or "").lower() in _YES,
    )


def _wants_json(request: Request[Any, Any, Any]) -> bool:
    return "application/json" in request.headers.get("accept", "")


def refusal_of(request: Request[Any, Any, Any], exc: Sm2Error, job_id: UUID) -> Refusal:
    rule = exc.rule if isinstance(exc, PolicyViolation) else None
    title, detail = describe_refusal(exc, translator(request))
    return Refusal(title, detail, rule.value if rule else None, job_id)


@post("/jobs/{job_id:uuid}/schedule", name="portal:schedule")
async def schedule_job(
    request: Request[Any, Any, Any], services: Services, actor: Actor, job_id: UUID
) -> Response[Any]:
    """Give a job a technician and a window in one step (the PATCH of the API, for the page)."""
    form = await request.form()
    t = translator(request)
    zone = services.schedule.zone
    try:
        wanted = asked(form, zone)
        job = await services.dispatch.update(
            job_id,
            actor=actor,
            expected_version=wanted.version,
            tech_id=wanted.tech_id,
            window=WindowChange(
                start=wanted.start, end=wanted.end, allow_overlap=wanted.allow_overlap
            ),
        )
    except Sm2Error as exc:
        refusal = refusal_of(request, exc, job_id)
        if _wants_json(request):
            return Response(
                {
                    "ok": False,
                    "status": status_of(exc),
                    "title": refusal.title,
                    "detail": refusal.detail,
                    "rule": refusal.rule,
                },
                status_code=status_of(exc),
                media_type=MediaType.JSON,
                headers=NO_STORE,
            )
        fields = {
            name: str(form.get(name) or "")
            for name in ("tech_id", "date", "start", "end", "minutes", "version")
        }
        shown = _day(str(form.get("back") or "")) or _day(fields["date"]) or None
        return await _page(
            request,
            services,
            actor,
            shown or services.schedule.today(),
            refusal=attrs.evolve(refusal, fields=fields),
            status=status_of(exc),
        )
    warnings = await services.dispatch.warnings(job)
    if not _wants_json(request):
        return Response(
            None,
            status_code=303,
            headers={"Location": f"/day?date={wanted.day}&done=scheduled&job={job.id}"},
        )
    said = describe(wanted.start, job.window_end, zone, t.lang)
    return Response(
        {
            "ok": True,
            "notice": t(SCHEDULED, code=job.job_code, when=said),
            "warnings": list(warnings),
            "warning_title": t("Heads-up for this assignment"),
            "job": {
                "id": str(job.id),
                "job_code": job.job_code,
                "status": job.status.value,
                "tech_id": str(job.tech_id) if job.tech_id else None,
                "window_start": job.window_start.isoformat() if job.window_start else None,
                "window_end": job.window_end.isoformat() if job.window_end else None,
                "version": job.version,
            },
        },
        status_code=200,
        media_type=MediaType.JSON,
        headers=NO_STORE,
    )


DAY_HANDLERS = [day_page, schedule_job]
