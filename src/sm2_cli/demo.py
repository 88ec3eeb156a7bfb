"""``sm2 demo``: a newcomer's first look — texts in, a job walked from request to invoice.

By default it runs the real thing on a throwaway embedded PostgreSQL (the intake path, the
offline parser, the procrastinate task queue), with recording fakes standing in for Twilio and
QuickBooks, so it never touches a configured database or texts anyone. ``--memory`` runs the same
story on the in-memory adapters.
"""

from __future__ import annotations

import tempfile
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from pathlib import Path

import attrs

from sm2_adapters.bootstrap import seed_demo
from sm2_adapters.memory import RecordingAccounting, RecordingSmsSender, build_memory_system
from sm2_core.domain.enums import ReferenceKind, Role
from sm2_core.domain.job import Completion, Job, Part
from sm2_core.domain.records import Actor, AuditEntry, ReceivedSms
from sm2_core.notices import STATUS_WINDOW
from sm2_core.ports import JobFilter
from sm2_core.services import Services

Echo = Callable[[str], None]

#: Realistic texts from the demo dealerships (phone numbers as in the demo data).
DEMO_MESSAGES = (
    ("+14185550101", "Need a key for a 2023 Audi Q5 VIN WA1BNAFY4PP057830"),
    ("+14185550103", "Bonjour, changement d'huile sur un RAV4 2022 stock T9001 svp, client attend"),
    ("+14185550102", "F150 24 stk# T21-0456 pneus d'hiver à poser, pas pressé"),
    ("+14185550105", "Tucson 2022 voyant moteur allumé, besoin d'un diag"),
    ("+14185550104", "merci!"),
    ("+15145550199", "Hi, is this the key guy?"),
)
ADMIN = Actor(name="demo-admin", role=Role.ADMIN)


@attrs.define(kw_only=True)
class DemoHost:
    """What the story needs from a system, whichever adapters run it."""

    services: Services
    run_tasks: Callable[[], Awaitable[object]]
    sms: RecordingSmsSender
    accounting: RecordingAccounting
    where: str
    later: Callable[[float], Awaitable[object]]
    """Let ``seconds`` pass (for real, or on the memory system's clock), then run what is due."""


@asynccontextmanager
async def memory_host() -> AsyncIterator[DemoHost]:
    system = build_memory_system()

    async def later(seconds: float) -> object:
        system.clock.advance(seconds=seconds)
        return await system.run_tasks()

    yield DemoHost(
        services=system.services,
        run_tasks=system.run_tasks,
        sms=system.sms,
        accounting=system.accounting,
        where="in-memory adapters",
        later=later,
    )


@asynccontextmanager
async def postgres_host() -> AsyncIterator[DemoHost]:
    import asyncio

    from sm2_adapters.settings import Settings
    from sm2_adapters.system import build_system, stop_embedded_database

    sms, accounting = RecordingSmsSender(), RecordingAccounting()
    with tempfile.TemporaryDirectory(prefix="sm2-demo-") as data_dir:
        settings = Settings(data_dir=Path(data_dir), jwt_secret="demo", secret_key="demo")
        system = await asyncio.to_thread(build_system, settings, sms=sms, accounting=accounting)
        await system.open()

        async def later(seconds: float) -> object:
            await asyncio.sleep(seconds)
            return await system.run_tasks()

        try:
            yield DemoHost(
                services=system.services,
                run_tasks=system.run_tasks,
                sms=sms,
                accounting=accounting,
                where=f"an embedded PostgreSQL in {data_dir}",
                later=later,
            )
        finally:
            await system.close()
            await asyncio.to_thread(stop_embedded_database, settings)


def _row(job: Job, techs: dict[str, str]) -> str:
    hold = " [verify]" if job.awaiting_verification else ""
    tech = techs.get(str(job.tech_id), "-")
    return (
        f"  {job.job_code:<14} {job.urgency.value:<9} {job.ranking_score:>5}  "
        f"{job.status.value:<11} {job.vehicle.describe()[:28]:<28} "
        f"{job.service_code or '?':<16} {tech}{hold}"
    )


async def print_board(services: Services, echo: Echo) -> None:
    page = await services.dispatch.list_jobs(JobFilter(), limit=50)
    techs = {str(t.id): t.name for t in await services.admin.all(ReferenceKind.TECHNICIANS)}
    echo(
        f"  {'JOB':<14} {'URGENCY':<9} {'SCORE':>5}  {'STATUS':<11} {'VEHICLE':<28} "
        f"{'SERVICE':<16} TECHNICIAN"
    )
    for job in page.items:
        echo(_row(job, techs))


def _timeline_line(entry: AuditEntry, names: dict[str, str]) -> str:
    shown = ("status", "tech_id", "invoice_state", "qb_invoice_id", "verified_by", "approved_by")
    changes = ", ".join(
        f"{k}={names.get(str(v), v)}"
        for k, v in entry.new_values.items()
        if k in shown and v is not None
    )
    return f"  {entry.at:%H:%M:%S}  {entry.action:<15} by {entry.actor:<20} {changes}"


async def run_demo(echo: Echo, *, memory: bool = False) -> None:
    opener = memory_host if memory else postgres_host
    async with opener() as host:
        echo(f"SM2 Dispatch demo on {host.where}; Twilio and QuickBooks are recording fakes.\n")
        await texts_in(host, echo)
        await walk_one_job(host, echo)
        await messages_out(host, echo)


async def texts_in(host: DemoHost, echo: Echo) -> None:
    services = host.services
    await seed_demo(services)
    echo("1. Dealerships text in:")
    for number, (sender, body) in enumerate(DEMO_MESSAGES, start=1):
        await services.receipt.receive_sms(
            ReceivedSms(
                sid=f"SMdemo{number:04d}", from_number=sender, to_number="+14185550000", body=body
            )
        )
        echo(f"   {sender}: {body}")
    await host.run_tasks()
    echo("\n2. The dispatch board (urgency, score, age):")
    await print_board(services, echo)
    inbox = await services.intake.inbox()
    echo(f"\n   Inbox (no job made): {len(inbox)} message(s)")
    for message in inbox:
        echo(f"   - {message.status.value:<9} {message.from_number}: {message.body}")
    echo("\n3. Confirmations texted back:")
    for sms in host.sms.sent:
        echo(f"   → {sms.to}: {sms.body}")


async def walk_one_job(host: DemoHost, echo: Echo) -> None:
    services = host.services
    job = (await services.dispatch.list_jobs(JobFilter(), limit=1)).items[0]
    echo(f"\n4. Walking {job.job_code} ({job.vehicle.describe()}) through its lifecycle:")
    if job.awaiting_verification:
        echo(f"   held for review: {'; '.join(job.review_reasons)}")
        job = await services.dispatch.verify(job.id, actor=ADMIN, expected_version=job.version)
    best = (await services.dispatch.suggestions(job.id))[0]
    echo(f"   suggested: {best.technician.name} ({best.distance_km} km, {best.load} jobs)")
    job = await services.dispatch.assign(
        job.id, best.technician.id, actor=ADMIN, expected_version=job.version
    )
    tech = Actor(name=best.technician.name, role=Role.TECH, technician_id=best.technician.id)
    job = await services.field.accept(job.id, actor=tech)
    report = Completion(
        notes="Key cut and programmed, 2 fobs", labour_minutes=50, parts=(Part("Smart key fob", 2),)
    )
    job = await services.field.complete(job.id, report, actor=tech)
    shown = await services.billing.preview(job.id)
    echo(f"   the invoice to approve, {shown.subtotal} before taxes:")
    for p in shown.lines:
        line = p.line
        echo(f"     {line.description[:52]:<52} {line.quantity:>5} × {line.unit_price:>7}")
    for tax in shown.taxes:
        echo(f"     {f'{tax.rate.name} {tax.rate.percent} %':<59}{tax.amount:>9}")
    echo(f"     {'Estimated total':<59}{shown.total:>9}")
    job = await services.billing.approve(job.id, actor=ADMIN, expected_version=job.version)
    await host.run_tasks()
    detail = await services.dispatch.detail(job.id)
    echo(
        f"   {detail.job.job_code}: {detail.job.status.value}, invoice "
        f"{detail.job.invoice_state.value} (QuickBooks #{detail.job.qb_invoice_id})"
    )
    echo("\n5. Audit timeline:")
    names = {str(t.id): t.name for t in await services.admin.all(ReferenceKind.TECHNICIANS)}
    for entry in detail.timeline:
        echo(_timeline_line(entry, names))
    echo("\n6. The board now:")
    await print_board(services, echo)


async def messages_out(host: DemoHost, echo: Echo) -> None:
    """What each party's phone received: confirmations, the technician's alert, the
    dealership's status texts (combined over ten seconds, so the demo waits for them)."""
    seconds = STATUS_WINDOW.total_seconds() + 0.5
    echo(f"\n7. Waiting {seconds:g} s: status texts to a dealership are combined over that time")
    await host.later(seconds)
    names = {
        t.phone: f"technician {t.name}"
        for t in await host.services.admin.all(ReferenceKind.TECHNICIANS)
    }
    for dealer in await host.services.admin.all(ReferenceKind.DEALERSHIPS):
        names[dealer.phone] = f"dealership {dealer.name}"
    echo("\n8. What each phone received:")
    received: dict[str, list[str]] = {}
    for sms in host.sms.sent:
        received.setdefault(sms.to, []).append(sms.body)
    for phone, bodies in received.items():
        echo(f"   {names.get(phone, 'unknown')} ({phone}):")
        for body in bodies:
            echo("     " + body.replace("\n", "\n     "))
