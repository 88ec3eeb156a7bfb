"""A small, fixed month of work for the reports' contract: March 2026 in Québec City (daylight
saving time begins on the 8th), with texts and jobs on both sides of its edges.

Every figure the contract expects is worked out by hand in the comments below, from these times.

- Zones A, B, C; dealerships D1 (zone A), D2 (zone B), D3 (inactive, a text only); technicians
  T1 and T2; services S1 and S2.
- Texts: D1 at Mar 2 08:00 (tA) and 09:00 (tB), Apr 1 00:30 and Feb 28 23:59 (both outside);
  D2 at Mar 9 10:00 (tC) and Mar 31 23:30 (tD, inside: April begins at 04:00 UTC); D3 at Mar 10
  12:00 (a text that asked for no work); an unknown number at Mar 3 (nobody's).
- Jobs (local times):
  j1  D1 S1 from tA, created +30 s, T1 assigned 08:10, started 09:00, completed 11:00, zone A,
      90 min; invoice 100.00 / total 114.98 / balance 0 (PAID)
  j2  D1 S2 from tB, created +45.5 s, T1 assigned 09:20, started 12:00, completed 13:00, zone B,
      50 min; invoice 200.00, QuickBooks has not said its total (SYNCED)
  j3  D2 S1 typed Mar 9 11:00, T2 assigned 12:00, started 13:00 (IN_PROGRESS), zone B
  j4  D2 S1 from tC, created +60 s, T2 assigned +30 min, then CANCELLED, zone B
  j5  D2 S2 from tD, created +15 s, T2 assigned Apr 1 01:00, started 02:00, completed 03:00,
      zone A, 60 min; invoice 200.00 / total 229.95 / balance 100.00 (OVERDUE)
  j6  D1 S1 typed Mar 15 09:00, T1 assigned 09:30, started 10:00, completed 11:00, zone C,
      30 min; invoice voided (VOIDED)
  j7  D1 S1 from the February text, created Feb 28 23:59:40: outside
  j8  D1 without a service, typed Mar 20 (PENDING)
  j9  D1 S1 typed Mar 2 10:00, T1 assigned 10:10, started 10:30, completed 11:00, zone unknown,
      20 min (waiting for approval)
  j10 D1 S2 typed Mar 2 13:00, T1 assigned 13:30, started 14:00, completed 15:00, zone C, 40 min
  j11 D2 S2 typed Mar 25 (PENDING)
- Corrections: j1's service and model, j2's VIN, j7's make (outside).
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from typing import Any
from uuid import UUID, uuid4
from zoneinfo import ZoneInfo

import attrs
import factories as f

from sm2_core.domain.corrections import ParseCorrection, ParsedField
from sm2_core.domain.entities import Dealership, Service, Technician, Zone
from sm2_core.domain.enums import InvoiceState, JobStatus, Language
from sm2_core.domain.invoice import Invoice
from sm2_core.domain.job import Completion, Job
from sm2_core.domain.records import InboundMessage, MessageStatus
from sm2_core.ports import UnitOfWorkFactory
from sm2_core.reports import Period

TZ = "America/Toronto"
TORONTO = ZoneInfo(TZ)
MARCH = Period(date(2026, 3, 1), date(2026, 3, 31), TZ)


def local(day: int, hour: int, minute: int = 0, second: float = 0, month: int = 3) -> datetime:
    """A wall-clock time in Québec City in 2026, as a UTC instant."""
    moment = datetime.combine(date(2026, month, day), time(hour, minute), tzinfo=TORONTO)
    return (moment + timedelta(seconds=second)).astimezone(UTC)


@attrs.frozen
class ReportWorld:
    zones: dict[str, Zone]
    dealerships: dict[str, Dealership]
    technicians: dict[str, Technician]
    services: dict[str, Service]
    texts: dict[str, InboundMessage]
    jobs: dict[str, Job]


def _text(dealer: Dealership | None, at: datetime, **kw: Any) -> InboundMessage:
    values: dict[str, Any] = {
        "dealership_id": dealer.id if dealer else None,
        "from_number": dealer.phone if dealer else f.phone(),
        "received_at": at,
        "status": MessageStatus.PROCESSED if dealer else MessageStatus.UNMATCHED,
    }
    return f.message(**(values | kw))


def _done(at: datetime, minutes: int) -> Completion:
    return Completion(notes="done", labour_minutes=minutes, completed_at=at)


async def build(factory: UnitOfWorkFactory) -> ReportWorld:
    zones = {
        "A": f.zone(latitude=46.8139, longitude=-71.2080),
        "B": f.zone(latitude=46.7500, longitude=-71.3000),
        "C": f.zone(latitude=47.0000, longitude=-71.0000),
    }
    services = {"S1": f.service(), "S2": f.service()}
    dealers = {
        "D1": f.dealership(zone_id=zones["A"].id),
        "D2": f.dealership(zone_id=zones["B"].id),
        "D3": f.dealership(is_active=False),
    }
    techs = {"T1": f.technician(), "T2": f.technician()}
    d1, d2, d3 = dealers["D1"], dealers["D2"], dealers["D3"]
    texts = {
        "tA": _text(d1, local(2, 8)),
        "tB": _text(d1, local(2, 9)),
        "tC": _text(d2, local(9, 10)),
        "tD": _text(d2, local(31, 23, 30)),
        "tG": _text(d3, local(10, 12), status=MessageStatus.NO_WORK),
        "tE": _text(d1, local(1, 0, 30, month=4)),
        "tF": _text(d1, local(28, 23, 59, month=2)),
        "tH": _text(None, local(3, 9)),
    }
    jobs = _jobs(zones, services, dealers, techs, texts)
    async with factory() as uow:
        for zone in zones.values():
            await uow.zones.add(zone)
        for service in services.values():
            await uow.services.add(service)
        for dealer in dealers.values():
            await uow.dealerships.add(dealer)
        for tech in techs.values():
            await uow.technicians.add(tech)
        for text in texts.values():
            await uow.messages.add(text)
        for job in jobs.values():
            await uow.jobs.add(job)
        for invoice in _invoices(jobs):
            await uow.invoices.save(invoice)
        for correction in _corrections(jobs, texts):
            await uow.corrections.save(correction)
    return ReportWorld(zones, dealers, techs, services, texts, jobs)


def _jobs(
    zones: dict[str, Zone],
    services: dict[str, Service],
    dealers: dict[str, Dealership],
    techs: dict[str, Technician],
    texts: dict[str, InboundMessage],
) -> dict[str, Job]:
    def job(dealer: str, service: str | None, created: datetime, **kw: Any) -> Job:
        found = services[service] if service else None
        return f.job(
            dealers[dealer].id,
            service_id=found.id if found else None,
            service_code=found.code if found else None,
            created_at=created,
            updated_at=created,
            **kw,
        )

    def parsed(text: str) -> dict[str, Any]:
        return {"source_message_id": texts[text].id, "parsing_confidence": 0.9}

    t1, t2 = techs["T1"].id, techs["T2"].id
    za, zb, zc = zones["A"].id, zones["B"].id, zones["C"].id
    completed = {"status": JobStatus.COMPLETED, "approved_at": local(20, 9)}
    return {
        "j1": job(
            "D1",
            "S1",
            local(2, 8, 0, 30),
            **parsed("tA"),
            tech_id=t1,
            zone_id=za,
            assigned_at=local(2, 8, 10),
            started_at=local(2, 9),
            completion=_done(local(2, 11), 90),
            **completed,
            invoice_state=InvoiceState.PAID,
        ),
        "j2": job(
            "D1",
            "S2",
            local(2, 9, 0, 45.5),
            **parsed("tB"),
            tech_id=t1,
            zone_id=zb,
            assigned_at=local(2, 9, 20),
            started_at=local(2, 12),
            completion=_done(local(2, 13), 50),
            **completed,
            invoice_state=InvoiceState.SYNCED,
        ),
        "j3": job(
            "D2",
            "S1",
            local(9, 11),
            tech_id=t2,
            zone_id=zb,
            status=JobStatus.IN_PROGRESS,
            assigned_at=local(9, 12),
            started_at=local(9, 13),
        ),
        "j4": job(
            "D2",
            "S1",
            local(9, 10, 1),
            **parsed("tC"),
            tech_id=t2,
            zone_id=zb,
            status=JobStatus.CANCELLED,
            assigned_at=local(9, 10, 31),
            cancel_reason="dealer",
        ),
        "j5": job(
            "D2",
            "S2",
            local(31, 23, 30, 15),
            **parsed("tD"),
            tech_id=t2,
            zone_id=za,
            assigned_at=local(1, 1, month=4),
            started_at=local(1, 2, month=4),
            completion=_done(local(1, 3, month=4), 60),
            **completed,
            invoice_state=InvoiceState.OVERDUE,
        ),
        "j6": job(
            "D1",
            "S1",
            local(15, 9),
            tech_id=t1,
            zone_id=zc,
            assigned_at=local(15, 9, 30),
            started_at=local(15, 10),
            completion=_done(local(15, 11), 30),
            **completed,
            invoice_state=InvoiceState.VOIDED,
        ),
        "j7": job(
            "D1", "S1", local(28, 23, 59, 40, month=2), **parsed("tF"), status=JobStatus.PENDING
        ),
        "j8": job("D1", None, local(20, 14)),
        "j9": job(
            "D1",
            "S1",
            local(2, 10),
            tech_id=t1,
            assigned_at=local(2, 10, 10),
            started_at=local(2, 10, 30),
            completion=_done(local(2, 11), 20),
            status=JobStatus.COMPLETED,
            invoice_state=InvoiceState.PENDING_APPROVAL,
        ),
        "j10": job(
            "D1",
            "S2",
            local(2, 13),
            tech_id=t1,
            zone_id=zc,
            assigned_at=local(2, 13, 30),
            started_at=local(2, 14),
            completion=_done(local(2, 15), 40),
            status=JobStatus.COMPLETED,
            invoice_state=InvoiceState.PENDING_APPROVAL,
        ),
        "j11": job("D2", "S2", local(25, 16)),
    }


def _invoice(job: Job, subtotal: str, **kw: Any) -> Invoice:
    return Invoice(
        job_id=job.id,
        qb_invoice_id=f"qb-{f.serial()}",
        lines=(),
        subtotal=Decimal(subtotal),
        created_at=local(20, 10),
        updated_at=local(20, 10),
        **kw,
    )


def _invoices(jobs: dict[str, Job]) -> list[Invoice]:
    return [
        _invoice(jobs["j1"], "100.00", total=Decimal("114.98"), balance=Decimal("0.00")),
        _invoice(jobs["j2"], "200.00"),
        _invoice(
            jobs["j5"],
            "200.00",
            total=Decimal("229.95"),
            balance=Decimal("100.00"),
            due_date=date(2026, 3, 31),
        ),
        _invoice(jobs["j6"], "50.00", total=Decimal("57.49"), balance=Decimal("0"), voided=True),
    ]


def _corrections(jobs: dict[str, Job], texts: dict[str, InboundMessage]) -> list[ParseCorrection]:
    def fix(job: str, text: str, field: ParsedField) -> ParseCorrection:
        message = texts[text]
        return ParseCorrection(
            id=uuid4(),
            job_id=jobs[job].id,
            message_id=message.id,
            field=field,
            parsed="x",
            corrected="y",
            corrected_by="admin:alice",
            corrected_at=local(25, 9),
            sender=message.from_number,
            body=message.body,
            language=Language.FR,
        )

    return [
        fix("j1", "tA", ParsedField.SERVICE_CODE),
        fix("j1", "tA", ParsedField.MODEL),
        fix("j2", "tB", ParsedField.VIN),
        fix("j7", "tF", ParsedField.MAKE),
    ]


def ids(world: ReportWorld, *names: str) -> list[UUID]:
    return [world.jobs[n].id for n in names]
