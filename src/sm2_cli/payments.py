"""``sm2 invoices refresh``: read invoices' payments from QuickBooks now, without waiting for
Intuit's webhook or the periodic change poll."""

from __future__ import annotations

import json
from datetime import datetime
from typing import TYPE_CHECKING, Any

import click

from sm2_cli.sms import IsoDateTime

if TYPE_CHECKING:
    from sm2_core.domain.payments import RefreshReport
    from sm2_core.runtime import Runtime


@click.command("refresh")
@click.argument("jobs", nargs=-1)
@click.option(
    "--since",
    type=IsoDateTime(),
    help="Ask QuickBooks what changed from this time (ISO 8601, at most 30 days ago).",
)
@click.option(
    "--open",
    "open_invoices",
    is_flag=True,
    help="Read every invoice not yet paid or voided from QuickBooks by its id.",
)
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
def refresh(
    jobs: tuple[str, ...], since: datetime | None, open_invoices: bool, as_json: bool
) -> None:
    """Read payments, voids and due dates from QuickBooks: of the JOBS given, of every open
    invoice (--open), or of what changed since the last poll (or --since). Safe to run at any
    time: what QuickBooks says is applied once."""
    if sum((bool(jobs), since is not None, open_invoices)) > 1:
        raise click.UsageError("give JOBS, --since or --open, not several")
    from sm2_cli.data import with_system
    from sm2_core.domain.payments import RefreshReport
    from sm2_core.errors import NotConfigured

    async def work(system: Runtime) -> tuple[RefreshReport, str]:
        payments = system.services.payments
        if jobs:
            report = RefreshReport()
            for job in jobs:
                found = await system.services.dispatch.resolve(job)
                report += await payments.refresh_job(found.id)
            return report, "the jobs given"
        if open_invoices:
            return await payments.catch_up(), "every open invoice"
        polled = await payments.poll(since=since)
        if polled is None:
            raise NotConfigured("QuickBooks is not connected: there is nothing to read")
        start = polled.since.isoformat(timespec="seconds") if polled.since else None
        return polled.refreshed, f"changes since {start}" if start else "every open invoice"

    report, what = with_system(work)
    if as_json:
        click.echo(json.dumps(_json(report, what)))
        return
    click.echo(
        f"QuickBooks, {what}: {report.read} invoice(s) read, {len(report.changed)} changed"
        + (f", {len(report.unknown)} not SM2's" if report.unknown else "")
    )
    for job in report.changed:
        click.echo(f"  {job.job_code}: {job.invoice_state.value}")


def _json(report: RefreshReport, what: str) -> dict[str, Any]:
    return {
        "read": what,
        "invoices": report.read,
        "changed": [
            {"job_code": j.job_code, "invoice_state": j.invoice_state.value} for j in report.changed
        ],
        "recorded": report.recorded,
        "not_ours": list(report.unknown),
    }
