"""The Reports page: the four reports of a period (this month so far unless the form asks for
another), each table downloadable as CSV, and charts drawn on the server (``charts``).

The CSV links are the API's own (``/api/reports/...?format=csv``): the admin's session cookie
opens the API's reads, so a plain link downloads what a script would get.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any
from urllib.parse import urlencode

import attrs
from litestar import Request, Response, get
from markupsafe import Markup

from sm2_core.domain.corrections import ParsedField
from sm2_core.domain.records import Actor
from sm2_core.errors import InvalidInput
from sm2_core.reports import Milestone, Period, Spread
from sm2_core.services import Reports, Services
from sm2_web.portal import formats
from sm2_web.portal.charts import Bars, Point, bar_chart, line_chart
from sm2_web.portal.corrections import FIELD_LABELS
from sm2_web.portal.i18n import Translator
from sm2_web.portal.render import render, translator
from sm2_web.routes.reports import parse_date

PATH = "/reports"
KINDS = ("dealerships", "turnaround", "technicians", "parser")
MILESTONES = {
    Milestone.CREATED: "Job created",
    Milestone.ASSIGNED: "Technician assigned",
    Milestone.STARTED: "Work started",
    Milestone.COMPLETED: "Work completed",
}
MONEY_DESCRIPTION = (
    "For the jobs created from {first} to {last}. The amounts are also in the table below."
)
JOBS_DESCRIPTION = "From {first} to {last}: {total} jobs, at most {most} in a day ({day})."
TURNAROUND_DESCRIPTION = (
    "Time from the text's receipt to each step, for the jobs created in the period. The "
    "figures are also in the table below."
)
#: The words the page's charts and durations are drawn with, translated like any other message.
MESSAGES = (
    "Invoiced and paid per dealership",
    MONEY_DESCRIPTION,
    "Invoiced",
    "Paid",
    "Nothing was invoiced for this period's jobs.",
    "Jobs created per day",
    JOBS_DESCRIPTION,
    "No job was created in this period.",
    "Turnaround: median (p50) and p90",
    TURNAROUND_DESCRIPTION,
    "p50 (median)",
    "p90",
    "No job in this period.",
    "{n} s",
    "{n} min",
    "{h} h {m} min",
    "{d} d {h} h",
    "This month",
    "Last month",
    "This year",
    *MILESTONES.values(),
)


def duration(seconds: int | None, t: Translator) -> str:
    """A turnaround as people say it: ``45 s``, ``12 min``, ``3 h 5 min``, ``2 d 4 h``."""
    if seconds is None:
        return "—"
    if abs(seconds) < 60:
        return t("{n} s", n=seconds)
    minutes = round(seconds / 60)
    if abs(minutes) < 60:
        return t("{n} min", n=minutes)
    if abs(minutes) < 24 * 60:
        return t("{h} h {m} min", h=minutes // 60, m=minutes % 60)
    hours = round(minutes / 60)
    return t("{d} d {h} h", d=hours // 24, h=hours % 24)


@attrs.frozen
class QuickPeriod:
    label: str
    first: date
    last: date


def quick_periods(today: date) -> list[QuickPeriod]:
    """The periods an owner asks for most, as links."""
    month = today.replace(day=1)
    last_month_end = month - timedelta(days=1)
    return [
        QuickPeriod("This month", month, today),
        QuickPeriod("Last month", last_month_end.replace(day=1), last_month_end),
        QuickPeriod("This year", today.replace(month=1, day=1), today),
    ]


def csv_links(span: Period) -> dict[str, str]:
    query = {"format": "csv", "from": span.first.isoformat(), "to": span.last.isoformat()}
    return {kind: f"/api/reports/{kind}?{urlencode(query)}" for kind in KINDS}


def _day(day: date, lang: str) -> str:
    return formats.format_day(day, lang)


def money_chart(found: Reports, t: Translator) -> Markup:
    span = found.dealerships.period
    rows = [r for r in found.dealerships.rows if r.figures.invoiced or r.figures.paid]
    return bar_chart(
        chart_id="chart-money",
        title=t("Invoiced and paid per dealership"),
        description=t(
            MONEY_DESCRIPTION,
            first=_day(span.first, t.lang),
            last=_day(span.last, t.lang),
        ),
        series=[t("Invoiced"), t("Paid")],
        groups=[
            Bars(
                r.name,
                (float(r.figures.invoiced), float(r.figures.paid)),
                (
                    formats.format_money(r.figures.invoiced, t.lang),
                    formats.format_money(r.figures.paid, t.lang),
                ),
            )
            for r in rows
        ],
        empty=t("Nothing was invoiced for this period's jobs."),
    )


def jobs_chart(found: Reports, t: Translator) -> Markup:
    span = found.dealerships.period
    days = found.created_per_day
    total = sum(n for _, n in days)
    busiest = max(days, key=lambda d: d[1])
    return line_chart(
        chart_id="chart-jobs",
        title=t("Jobs created per day"),
        description=t(
            JOBS_DESCRIPTION,
            first=_day(span.first, t.lang),
            last=_day(span.last, t.lang),
            total=total,
            most=busiest[1],
            day=_day(busiest[0], t.lang),
        ),
        points=[Point(_day(day, t.lang), n, str(n)) for day, n in days] if total else [],
        empty=t("No job was created in this period."),
    )


def turnaround_chart(found: Reports, t: Translator) -> Markup:
    overall = found.turnaround.overall
    reached = [m for m in Milestone if overall[m].count]
    return bar_chart(
        chart_id="chart-turnaround",
        title=t("Turnaround: median (p50) and p90"),
        description=t(TURNAROUND_DESCRIPTION),
        series=[t("p50 (median)"), t("p90")],
        groups=[_spread_bars(t(MILESTONES[m]), overall[m], t) for m in reached],
        empty=t("No job in this period."),
    )


def _spread_bars(label: str, found: Spread, t: Translator) -> Bars:
    return Bars(
        label,
        (float(found.p50 or 0), float(found.p90 or 0)),
        (duration(found.p50, t), duration(found.p90, t)),
    )


@get(PATH, name="portal:reports")
async def reports_page(
    request: Request[Any, Any, Any], services: Services, actor: Actor
) -> Response[str]:
    t = translator(request)
    asked = {name: request.query_params.get(name) or "" for name in ("from", "to")}
    refusal: InvalidInput | None = None
    try:
        span = services.reports.period(
            parse_date(asked["from"] or None, "from"), parse_date(asked["to"] or None, "to")
        )
    except InvalidInput as exc:
        refusal, span = exc, services.reports.period()
    found = await services.reports.all(span)
    return render(
        request,
        "admin/reports.html",
        {
            "actor": actor,
            "found": found,
            "span": span,
            "asked": asked if refusal else {"from": str(span.first), "to": str(span.last)},
            "refusal": refusal,
            "quick": quick_periods(services.reports.period().last),
            "csv": csv_links(span),
            "charts": {
                "money": money_chart(found, t),
                "jobs": jobs_chart(found, t),
                "turnaround": turnaround_chart(found, t),
            },
            "milestones": MILESTONES,
            "field_labels": {f: FIELD_LABELS[f] for f in ParsedField},
            "duration": lambda seconds: duration(seconds, t),
        },
    )


REPORT_HANDLERS = [reports_page]
