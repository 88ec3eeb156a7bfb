"""``sm2 export jobs --from DATE --to DATE [--format csv|jsonl]``: the jobs created in a period,
with their invoice and payment state, for accountants and scripts.

Written a page at a time as the pages are read (``ReportService.export_jobs``): a year of a
million jobs streams in constant memory.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Callable
from datetime import datetime
from typing import IO, TYPE_CHECKING, Any

import click

from sm2_core.errors import InvalidInput
from sm2_core.reports import EXPORT_COLUMNS, export_record

if TYPE_CHECKING:
    from sm2_core.runtime import Runtime

_DATE = click.DateTime(formats=["%Y-%m-%d"])
_Write = Callable[[dict[str, Any]], object]


@click.command("jobs")
@click.option(
    "--from", "first", type=_DATE, metavar="DATE", required=True, help="The first day, YYYY-MM-DD."
)
@click.option(
    "--to",
    "last",
    type=_DATE,
    metavar="DATE",
    required=True,
    help="The last day, included (YYYY-MM-DD).",
)
@click.option(
    "--format",
    "form",
    type=click.Choice(["csv", "jsonl"]),
    default="csv",
    show_default=True,
    help="CSV with a header line, or one JSON object a line.",
)
@click.option(
    "--output",
    "-o",
    type=click.File("w", encoding="utf-8", lazy=True),
    default="-",
    show_default="stdout",
    help="The file to write.",
)
def export_jobs(first: datetime, last: datetime, form: str, output: IO[str]) -> None:
    """The jobs created from --from to --to (days in the company's time zone, SM2_TIMEZONE),
    oldest first: dealership, service, vehicle, status, invoice state, QuickBooks invoice,
    subtotal, total, paid, balance and due date. At most 366 days."""
    from sm2_cli.data import with_system

    async def work(system: Runtime) -> int:
        reports = system.services.reports
        try:
            span = reports.period(first.date(), last.date())
        except InvalidInput as exc:
            raise click.UsageError(_reason(exc)) from None
        write = _writer(form, output)
        count = 0
        async for page in reports.export_jobs(span):
            for job in page.jobs:
                dealer = page.dealerships.get(job.dealership_id)
                write(export_record(job, dealer.name if dealer else "", span.zone))
                count += 1
            output.flush()
        return count

    count = with_system(work)
    output.flush()
    click.echo(f"{count} {'job' if count == 1 else 'jobs'} exported", err=True)


def _reason(exc: InvalidInput) -> str:
    """The period's refusal, with the options at fault as they are typed."""
    options = ", ".join(f"--{name}" for name in exc.fields)
    return f"{exc.message}: check {options}" if options else exc.message


def _writer(form: str, output: IO[str]) -> _Write:
    if form == "jsonl":
        return lambda record: output.write(json.dumps(record, ensure_ascii=False) + "\n")
    writer = csv.DictWriter(output, fieldnames=list(EXPORT_COLUMNS), lineterminator="\r\n")
    writer.writeheader()
    return writer.writerow
