"""Running the board from a terminal: jobs, the inbox, invoices."""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import TYPE_CHECKING, Any
from uuid import UUID

import click

from sm2_cli.data import CLI_ADMIN, with_system
from sm2_cli.output import print_jobs, print_timeline
from sm2_core.domain.enums import InvoiceState, JobStatus, ReferenceKind, Urgency
from sm2_core.domain.job import Job
from sm2_core.domain.media import Attachment
from sm2_core.ports import JobFilter
from sm2_core.serialize import job_detail_primitives, job_primitives, media_item_primitives
from sm2_core.services.dispatch import UNCHANGED, WindowChange

if TYPE_CHECKING:
    from sm2_core.runtime import Runtime


def _choice(kind: type[Any]) -> click.Choice[str]:
    return click.Choice([m.value for m in kind], case_sensitive=False)


@click.group()
def jobs() -> None:
    """List, show and move jobs through their lifecycle."""


@jobs.command("list")
@click.option("--status", type=_choice(JobStatus))
@click.option("--dealership", help="Dealership id or phone.")
@click.option("--urgency", type=_choice(Urgency))
@click.option("--technician", help="Technician id or phone.")
@click.option("--vin")
@click.option("-q", "text", help="Free text: code, VIN, stock number, model, words.")
@click.option("--invoice-state", type=_choice(InvoiceState))
@click.option("--created-after", type=click.DateTime())
@click.option("--created-before", type=click.DateTime())
@click.option("--limit", default=50, show_default=True, type=click.IntRange(1, 200))
@click.option("--cursor", help="next_cursor of the previous page.")
@click.option("--json", "as_json", is_flag=True)
def list_jobs(
    status: str | None,
    dealership: str | None,
    urgency: str | None,
    technician: str | None,
    vin: str | None,
    text: str | None,
    invoice_state: str | None,
    created_after: datetime | None,
    created_before: datetime | None,
    limit: int,
    cursor: str | None,
    as_json: bool,
) -> None:
    """The board: most urgent, highest score, oldest first."""

    async def work(system: Runtime) -> None:
        query = JobFilter(
            status=JobStatus(status.upper()) if status else None,
            dealership_id=await _dealership_id(system, dealership),
            urgency=Urgency(urgency.upper()) if urgency else None,
            tech_id=await _technician_id(system, technician),
            vin=vin,
            text=text,
            invoice_state=InvoiceState(invoice_state.upper()) if invoice_state else None,
            # Times typed without a zone are the operator's local time.
            created_after=created_after.astimezone() if created_after else None,
            created_before=created_before.astimezone() if created_before else None,
        )
        page = await system.services.dispatch.list_jobs(query, limit=limit, cursor=cursor)
        if as_json:
            found = await system.services.media.attachments(page.items)
            click.echo(
                json.dumps(
                    {
                        "items": [job_primitives(j, found.get(j.id, ())) for j in page.items],
                        "next_cursor": page.next_cursor,
                    },
                    ensure_ascii=False,
                )
            )
            return
        print_jobs(list(page.items))
        if page.next_cursor:
            click.echo(f"more: --cursor {page.next_cursor}")

    with_system(work)


async def _dealership_id(system: Runtime, ref: str | None) -> UUID | None:
    if ref is None:
        return None
    return (await system.services.admin.reference(ReferenceKind.DEALERSHIPS, ref)).id


async def _technician_id(system: Runtime, ref: str | None) -> UUID | None:
    if ref is None:
        return None
    return (await system.services.admin.reference(ReferenceKind.TECHNICIANS, ref)).id


@jobs.command("show")
@click.argument("job")
@click.option("--json", "as_json", is_flag=True)
def show(job: str, as_json: bool) -> None:
    """One job (by code or id) with its audit timeline."""

    async def work(system: Runtime) -> None:
        found = await system.services.dispatch.resolve(job)
        detail = await system.services.dispatch.detail(found.id)
        if as_json:
            attachments = await system.services.media.attachments_of(detail.job)
            data = job_detail_primitives(detail.job, detail.timeline, attachments)
            click.echo(json.dumps(data, ensure_ascii=False))
            return
        print_jobs([detail.job])
        if detail.job.review_reasons:
            click.echo("review: " + "; ".join(detail.job.review_reasons))
        print_timeline(list(detail.timeline))

    with_system(work)


Step = Callable[..., Awaitable[Job]]


def _step(name: str, help_text: str) -> Callable[[Step], click.Command]:
    """A lifecycle command: JOB [--version V], printing the job after the step."""

    def decorate(run: Step) -> click.Command:
        @jobs.command(name, help=help_text)
        @click.argument("job")
        @click.option("--version", "version", type=int, help="Refuse if the job changed since.")
        @click.option("--json", "as_json", is_flag=True)
        def command(job: str, version: int | None, as_json: bool, **extra: Any) -> None:
            async def work(system: Runtime) -> tuple[Job, tuple[Attachment, ...]]:
                found = await system.services.dispatch.resolve(job)
                result: Job = await run(system, found, version, **extra)
                return result, await system.services.media.attachments_of(result)

            done, attachments = with_system(work)
            click.echo(
                json.dumps(job_primitives(done, attachments), ensure_ascii=False)
                if as_json
                else f"{done.job_code}: {done.status.value}, version {done.version}"
            )

        return command

    return decorate


@click.argument("technician")
@_step("assign", "Assign JOB to TECHNICIAN (id or phone): PENDING → SCHEDULED.")
async def _assign(system: Runtime, job: Job, version: int | None, technician: str) -> Job:
    tech_id = await _technician_id(system, technician)
    assert tech_id is not None
    return await system.services.dispatch.assign(
        job.id, tech_id, actor=CLI_ADMIN, expected_version=version
    )


@click.option("--start", help="The window's start, ISO 8601 with its offset.")
@click.option("--end", help="Its end (default: the service's expected duration).")
@click.option("--technician", help="Assign to this technician (id or phone) as well.")
@click.option("--allow-overlap", is_flag=True, help="Book although the technician is busy.")
@click.option("--clear", is_flag=True, help="Remove the window.")
@_step("schedule", "Set JOB's appointment window (with its technician, optionally).")
async def _schedule(
    system: Runtime,
    job: Job,
    version: int | None,
    start: str | None,
    end: str | None,
    technician: str | None,
    allow_overlap: bool,
    clear: bool,
) -> Job:
    if clear == (start is not None):
        raise click.UsageError("give --start (and --end), or --clear")
    tech_id = await _technician_id(system, technician) if technician else UNCHANGED
    window = WindowChange(
        start=None if clear else _instant(start, "--start"),
        end=None if clear or end is None else _instant(end, "--end"),
        allow_overlap=allow_overlap,
    )
    return await system.services.dispatch.update(
        job.id,
        actor=CLI_ADMIN,
        expected_version=job.version if version is None else version,
        tech_id=tech_id,
        window=window,
    )


def _instant(value: str | None, name: str) -> datetime:
    try:
        return datetime.fromisoformat(value or "")
    except ValueError:
        raise click.BadParameter(
            "an ISO 8601 date-time with its offset, e.g. 2026-12-08T09:00-05:00", param_hint=name
        ) from None


@_step("unassign", "Give JOB back to the board: SCHEDULED → PENDING.")
async def _unassign(system: Runtime, job: Job, version: int | None) -> Job:
    return await system.services.dispatch.unassign(
        job.id, actor=CLI_ADMIN, expected_version=version
    )


@_step("verify", "Clear JOB's manual-review hold.")
async def _verify(system: Runtime, job: Job, version: int | None) -> Job:
    return await system.services.dispatch.verify(job.id, actor=CLI_ADMIN, expected_version=version)


@click.option("--reason", required=True, help="Why the job is cancelled.")
@_step("cancel", "Cancel JOB with a reason.")
async def _cancel(system: Runtime, job: Job, version: int | None, reason: str) -> Job:
    return await system.services.dispatch.cancel(
        job.id, reason, actor=CLI_ADMIN, expected_version=version
    )


@_step("approve", "Approve a COMPLETED JOB and queue its QuickBooks invoice.")
async def _approve(system: Runtime, job: Job, version: int | None) -> Job:
    return await system.services.billing.approve(job.id, actor=CLI_ADMIN, expected_version=version)


@click.group()
def invoices() -> None:
    """QuickBooks invoices of approved jobs."""


@invoices.command("retry")
@click.argument("job", required=False)
@click.option("--all-failed", is_flag=True, help="Retry every job whose invoice FAILED.")
def retry(job: str | None, all_failed: bool) -> None:
    """Queue the invoice of JOB (or of every FAILED one) again."""
    if (job is None) == (not all_failed):
        raise click.UsageError("give a JOB or --all-failed")

    async def work(system: Runtime) -> list[Job]:
        if job is not None:
            targets = [await system.services.dispatch.resolve(job)]
        else:
            page = await system.services.dispatch.list_jobs(
                JobFilter(invoice_state=InvoiceState.FAILED), limit=200
            )
            targets = list(page.items)
        return [await system.services.billing.retry(t.id, actor=CLI_ADMIN) for t in targets]

    for done in with_system(work):
        click.echo(f"{done.job_code}: invoice queued again")


@click.command()
@click.option("--limit", default=50, show_default=True, type=click.IntRange(1, 500))
@click.option("--json", "as_json", is_flag=True)
def inbox(limit: int, as_json: bool) -> None:
    """Texts that made no job: unknown senders and messages asking for nothing."""

    async def work(system: Runtime) -> tuple[list[Any], dict[UUID, Any]]:
        messages = await system.services.intake.inbox(limit=limit)
        return messages, await system.services.media.items(messages)

    messages, media = with_system(work)
    if as_json:
        click.echo(
            json.dumps(
                [
                    {
                        "id": str(m.id),
                        "from": m.from_number,
                        "body": m.body,
                        "status": m.status.value,
                        "received_at": m.received_at.isoformat(),
                        "media": [media_item_primitives(i) for i in media[m.id]],
                    }
                    for m in messages
                ],
                ensure_ascii=False,
            )
        )
        return
    for m in messages:
        click.echo(
            f"{m.received_at:%Y-%m-%d %H:%M}  {m.status.value:<9}  {m.from_number:<13}  "
            f"{m.body[:70]}"
        )
