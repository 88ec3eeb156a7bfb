"""The owner's reports (admin only): ``GET /api/reports/dealerships``, ``/turnaround``,
``/technicians`` and ``/parser`` for ``?from=&to=`` (local dates, ``to`` included; default this
month so far), as JSON, or as CSV with ``?format=csv``.

A query parameter rather than ``Accept``: a plain link (the Reports page's "Download CSV")
can ask for it. The tables below are also what the Reports page downloads.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Annotated, Any, Literal
from uuid import UUID

import msgspec
from litestar import Controller, Response, get
from litestar.di import Provide
from litestar.openapi.spec import (
    OpenAPIFormat,
    OpenAPIMediaType,
    OpenAPIResponse,
    OpenAPIType,
    Operation,
    Schema,
)
from litestar.params import Parameter
from msgspec import Struct

from sm2_core.domain.invoice import cents
from sm2_core.domain.records import Actor
from sm2_core.errors import InvalidInput
from sm2_core.reports import (
    DealershipFigures,
    DealershipReport,
    Milestone,
    ParserReport,
    Period,
    Spread,
    TechnicianReport,
    TurnaroundReport,
    TurnaroundRow,
)
from sm2_core.services import Services
from sm2_web.auth import admin_actor
from sm2_web.problems import document_errors

CSV = "text/csv"
Table = tuple[list[str], list[list[Any]]]
"""A CSV table: its header and its rows."""

# --- the period ---------------------------------------------------------------------------------


def parse_date(value: str | None, name: str) -> date | None:
    """A ``YYYY-MM-DD`` date (None when not given); anything else, an empty value included, is
    a 422 naming ``name``."""
    if value is None:
        return None
    try:
        return date.fromisoformat(value.strip())
    except ValueError:
        raise InvalidInput(
            f"{name} must be a date, YYYY-MM-DD", fields={name: "not a YYYY-MM-DD date"}
        ) from None


def asked_period(services: Services, first: str | None, last: str | None) -> Period:
    return services.reports.period(parse_date(first, "from"), parse_date(last, "to"))


def _date_parameter(name: str, meaning: str) -> Any:
    return Parameter(
        query=name,
        description=meaning,
        schema_extra={"oneOf": None, "type": OpenAPIType.STRING, "format": OpenAPIFormat.DATE},
    )


From = Annotated[
    str | None,
    _date_parameter("from", "The first day, YYYY-MM-DD in the company's time zone (default: "
                    "the first of to's month)"),
]  # fmt: skip
To = Annotated[
    str | None,
    _date_parameter("to", "The last day, included (default: today); at most 366 days after "
                    "from"),
]  # fmt: skip
Format = Annotated[
    Literal["json", "csv"] | None,
    Parameter(description="csv: the same figures as a CSV table (default: json)"),
]


# --- JSON ------------------------------------------------------------------------------------------


class PeriodOut(Struct, kw_only=True):
    first: date = msgspec.field(name="from")
    last: date = msgspec.field(name="to")
    """Included."""
    timezone: str


def period_out(span: Period) -> PeriodOut:
    return PeriodOut(first=span.first, last=span.last, timezone=span.timezone)


def money(amount: Decimal) -> str:
    return str(cents(amount))


class DealershipFiguresOut(Struct, kw_only=True):
    texts: int
    jobs_created: int
    completed: int
    cancelled: int
    invoiced: str
    """Dollars with two decimals: the invoices of the period's jobs (voided ones left out)."""
    paid: str
    overdue: str


class DealershipRowOut(DealershipFiguresOut, kw_only=True):
    dealership_id: UUID
    name: str


class DealershipReportOut(Struct, kw_only=True):
    period: PeriodOut
    items: list[DealershipRowOut]
    totals: DealershipFiguresOut


def _figures(f: DealershipFigures) -> dict[str, Any]:
    return {
        "texts": f.texts,
        "jobs_created": f.jobs_created,
        "completed": f.completed,
        "cancelled": f.cancelled,
        "invoiced": money(f.invoiced),
        "paid": money(f.paid),
        "overdue": money(f.overdue),
    }


def dealership_out(report: DealershipReport) -> DealershipReportOut:
    return DealershipReportOut(
        period=period_out(report.period),
        items=[
            DealershipRowOut(
                dealership_id=r.figures.dealership_id, name=r.name, **_figures(r.figures)
            )
            for r in report.rows
        ],
        totals=DealershipFiguresOut(**_figures(report.totals)),
    )


class SpreadOut(Struct, kw_only=True):
    count: int
    """Jobs that reached the milestone."""
    p50: int | None
    """Seconds from the text's receipt: the median (nearest rank); null when none did."""
    p90: int | None


class MilestonesOut(Struct, kw_only=True):
    created: SpreadOut
    assigned: SpreadOut
    started: SpreadOut
    completed: SpreadOut


class ServiceTurnaroundOut(MilestonesOut, kw_only=True):
    service_code: str | None
    """Null for jobs without a service."""
    name: str


class DealershipTurnaroundOut(MilestonesOut, kw_only=True):
    dealership_id: UUID
    name: str


class TurnaroundReportOut(Struct, kw_only=True):
    period: PeriodOut
    overall: MilestonesOut
    by_service: list[ServiceTurnaroundOut]
    by_dealership: list[DealershipTurnaroundOut]


def _milestones(found: Mapping[Milestone, Spread]) -> dict[str, SpreadOut]:
    return {m.value: SpreadOut(count=s.count, p50=s.p50, p90=s.p90) for m, s in found.items()}


def turnaround_out(report: TurnaroundReport) -> TurnaroundReportOut:
    return TurnaroundReportOut(
        period=period_out(report.period),
        overall=MilestonesOut(**_milestones(report.overall)),
        by_service=[
            ServiceTurnaroundOut(
                service_code=r.key or None, name=r.name, **_milestones(r.milestones)
            )
            for r in report.by_service
        ],
        by_dealership=[
            DealershipTurnaroundOut(
                dealership_id=UUID(r.key), name=r.name, **_milestones(r.milestones)
            )
            for r in report.by_dealership
        ],
    )


class TechnicianRowOut(Struct, kw_only=True):
    technician_id: UUID
    name: str
    completed: int
    labour_minutes: int
    """As the technician reported them on completing the jobs."""
    km_between_jobs: float
    """Each working day, between consecutive jobs' zones in the order they were started."""
    busy_seconds: int
    """From start to completion of the jobs completed."""
    working_days: int
    busy_share: float | None
    """busy_seconds over working_days × working_day_hours; null without a working day."""


class TechnicianReportOut(Struct, kw_only=True):
    period: PeriodOut
    working_day_hours: float
    items: list[TechnicianRowOut]


def technician_out(report: TechnicianReport) -> TechnicianReportOut:
    return TechnicianReportOut(
        period=period_out(report.period),
        working_day_hours=report.working_day_hours,
        items=[
            TechnicianRowOut(
                technician_id=r.figures.technician_id,
                name=r.name,
                completed=r.figures.completed,
                labour_minutes=r.figures.labour_minutes,
                km_between_jobs=r.km,
                busy_seconds=round(r.figures.busy_us / 1_000_000),
                working_days=r.figures.working_days,
                busy_share=r.busy_share,
            )
            for r in report.rows
        ],
    )


class FieldShareOut(Struct, kw_only=True):
    field: str
    corrected: int
    """Parsed jobs a dispatcher corrected this field of."""
    share: float | None
    """Of the parsed jobs; null when there were none."""


class ParserReportOut(Struct, kw_only=True):
    period: PeriodOut
    parsed_jobs: int
    """Jobs the parser made from a text (not typed in by hand)."""
    corrected_jobs: int
    """Of them, those corrected in any field."""
    corrected_share: float | None
    fields: list[FieldShareOut]


def parser_out(report: ParserReport) -> ParserReportOut:
    return ParserReportOut(
        period=period_out(report.period),
        parsed_jobs=report.parsed_jobs,
        corrected_jobs=report.corrected_jobs,
        corrected_share=report.corrected_share,
        fields=[
            FieldShareOut(field=f.field.value, corrected=f.corrected, share=f.share)
            for f in report.fields
        ],
    )


# --- CSV --------------------------------------------------------------------------------------------


def safe_cell(value: Any) -> Any:
    """A cell a spreadsheet shows as typed: text that would start a formula (a dealership named
    ``=HYPERLINK(...)``) is prefixed with ``'``."""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return "" if value is None else value


def csv_text(table: Table) -> str:
    header, rows = table
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(header)
    writer.writerows([safe_cell(v) for v in row] for row in rows)
    return out.getvalue()


def dealership_table(report: DealershipReport) -> Table:
    header = ["dealership_id", "dealership", "texts", "jobs_created", "completed", "cancelled"]
    header += ["invoiced", "paid", "overdue"]
    rows = [[r.figures.dealership_id, r.name, *_figures(r.figures).values()] for r in report.rows]
    return header, rows


def _spread_cells(
    group: str, key: str, name: str, row: Mapping[Milestone, Spread]
) -> Iterable[list[Any]]:
    for milestone in Milestone:
        found = row[milestone]
        yield [group, key, name, milestone.value, found.count, found.p50, found.p90]


def turnaround_table(report: TurnaroundReport) -> Table:
    header = ["group", "key", "name", "milestone", "count", "p50_seconds", "p90_seconds"]
    rows = list(_spread_cells("overall", "", "", report.overall))
    groups: Sequence[tuple[str, tuple[TurnaroundRow, ...]]] = (
        ("service", report.by_service),
        ("dealership", report.by_dealership),
    )
    for group, found in groups:
        for r in found:
            rows += _spread_cells(group, r.key, r.name, r.milestones)
    return header, rows


def technician_table(report: TechnicianReport) -> Table:
    header = ["technician_id", "technician", "completed", "labour_minutes", "km_between_jobs"]
    header += ["busy_seconds", "working_days", "busy_share"]
    rows = [
        [
            r.figures.technician_id,
            r.name,
            r.figures.completed,
            r.figures.labour_minutes,
            r.km,
            round(r.figures.busy_us / 1_000_000),
            r.figures.working_days,
            r.busy_share,
        ]
        for r in report.rows
    ]
    return header, rows


def parser_table(report: ParserReport) -> Table:
    header = ["field", "parsed_jobs", "corrected", "share"]
    rows = [["any", report.parsed_jobs, report.corrected_jobs, report.corrected_share]]
    rows += [[f.field.value, report.parsed_jobs, f.corrected, f.share] for f in report.fields]
    return header, rows


def csv_response(table: Table, name: str, span: Period) -> Response[str]:
    filename = f"sm2-{name}-{span.first}-to-{span.last}.csv"
    return Response(
        csv_text(table),
        media_type=CSV,
        headers={
            "Content-Disposition": f'attachment; filename="{filename}"',
            "Cache-Control": "no-store",
        },
    )


def _answer(
    body: Struct, table: Table, format: str | None, name: str, span: Period
) -> Response[Any]:
    if format == "csv":
        return csv_response(table, name, span)
    return Response(body, headers={"Cache-Control": "no-store"})


@dataclass
class JsonOrCsv(Operation):
    """The operation's success answer is documented as JSON and as CSV (``format=csv``)."""

    def __post_init__(self) -> None:
        ok = (self.responses or {}).get("200")
        if isinstance(ok, OpenAPIResponse) and ok.content is not None:
            ok.content["text/csv"] = OpenAPIMediaType(
                schema=Schema(type=OpenAPIType.STRING, description="The report as a CSV table")
            )


# --- the routes ----------------------------------------------------------------------------------


@document_errors
class ReportController(Controller):
    path = "/api/reports"
    tags = ["reports"]
    dependencies = {"actor": Provide(admin_actor)}
    security = [{"bearer": []}]

    @get(
        "/dealerships",
        operation_id="getDealershipReport",
        summary="Per dealership: texts, jobs created, completed, cancelled, amounts invoiced, "
        "paid and overdue",
        operation_class=JsonOrCsv,
    )
    async def dealerships(
        self,
        services: Services,
        actor: Actor,
        first: From = None,
        last: To = None,
        format: Format = None,
    ) -> Response[DealershipReportOut]:
        report = await services.reports.dealerships(asked_period(services, first, last))
        return _answer(
            dealership_out(report), dealership_table(report), format, "dealerships", report.period
        )

    @get(
        "/turnaround",
        operation_id="getTurnaroundReport",
        summary="p50 and p90 seconds from the text's receipt to created, assigned, started and "
        "completed: overall, per service and per dealership",
        operation_class=JsonOrCsv,
    )
    async def turnaround(
        self,
        services: Services,
        actor: Actor,
        first: From = None,
        last: To = None,
        format: Format = None,
    ) -> Response[TurnaroundReportOut]:
        report = await services.reports.turnaround(asked_period(services, first, last))
        return _answer(
            turnaround_out(report), turnaround_table(report), format, "turnaround", report.period
        )

    @get(
        "/technicians",
        operation_id="getTechnicianReport",
        summary="Per technician: jobs completed, labour minutes, km between jobs, time on jobs "
        "and its share of their working days",
        description="Over the jobs each technician started (accepted) on a day of the period, "
        "whenever they were created: a month's figures are the work of its working days.",
        operation_class=JsonOrCsv,
    )
    async def technicians(
        self,
        services: Services,
        actor: Actor,
        first: From = None,
        last: To = None,
        format: Format = None,
    ) -> Response[TechnicianReportOut]:
        report = await services.reports.technicians(asked_period(services, first, last))
        return _answer(
            technician_out(report), technician_table(report), format, "technicians", report.period
        )

    @get(
        "/parser",
        operation_id="getParserReport",
        summary="The share of parsed jobs a dispatcher corrected, overall and per field",
        operation_class=JsonOrCsv,
    )
    async def parser(
        self,
        services: Services,
        actor: Actor,
        first: From = None,
        last: To = None,
        format: Format = None,
    ) -> Response[ParserReportOut]:
        report = await services.reports.parser(asked_period(services, first, last))
        return _answer(parser_out(report), parser_table(report), format, "parser", report.period)
