"""Tables for people, JSON for scripts."""

from __future__ import annotations

import click

from sm2_core.domain.job import Job
from sm2_core.domain.records import AuditEntry


def print_jobs(jobs: list[Job]) -> None:
    if not jobs:
        click.echo("no jobs")
        return
    click.echo(
        f"{'JOB':<14} {'URGENCY':<9} {'SCORE':>5}  {'STATUS':<11} {'INVOICE':<16} "
        f"{'VEHICLE':<26} {'SERVICE':<20} REVIEW"
    )
    for job in jobs:
        review = "verify" if job.awaiting_verification else ""
        click.echo(
            f"{job.job_code:<14} {job.urgency.value:<9} {job.ranking_score:>5}  "
            f"{job.status.value:<11} {job.invoice_state.value:<16} "
            f"{job.vehicle.describe()[:26]:<26} {job.service_code or '?':<20} {review}"
        )


def print_timeline(entries: list[AuditEntry]) -> None:
    for entry in entries:
        changes = ", ".join(
            f"{k}={v}" for k, v in entry.new_values.items() if not isinstance(v, dict | list)
        )
        click.echo(
            f"  {entry.at:%Y-%m-%d %H:%M:%S}  {entry.action:<15} {entry.actor:<22} {changes[:90]}"
        )


def print_rows(rows: list[dict[str, str]], columns: tuple[str, ...]) -> None:
    widths = {c: max([len(c), *(len(r.get(c, "")) for r in rows)]) for c in columns}
    click.echo("  ".join(c.upper().ljust(min(widths[c], 36)) for c in columns))
    for row in rows:
        click.echo("  ".join(row.get(c, "")[:36].ljust(min(widths[c], 36)) for c in columns))
