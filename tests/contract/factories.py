"""Small builders for the port contract tests: valid ids, E.164 phones, microsecond UTC times.

Every builder gives a complete, valid entity whose unique keys (phone, code, name, username,
job code, sid) come from a process-wide counter, so no two calls collide unless a test wants
them to. Keyword arguments override any field.
"""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any
from uuid import UUID, uuid4

import attrs

from sm2_core.domain.entities import Dealership, RankingRule, Service, Technician, User, Zone
from sm2_core.domain.enums import (
    InvoiceState,
    JobStatus,
    Language,
    Role,
    TechnicianStatus,
    Urgency,
)
from sm2_core.domain.invoice import InvoiceLine, LineAdjustment, LineKind
from sm2_core.domain.job import Completion, Job, Part, Vehicle
from sm2_core.domain.pricing import CatalogPart, DealershipPrice
from sm2_core.domain.records import (
    AuditEntry,
    DomainEvent,
    InboundMessage,
    MessageStatus,
    OutboundSms,
)
from sm2_core.ports import UnitOfWorkFactory

#: A moment with microseconds: PostgreSQL keeps them, so must every adapter.
T0 = datetime(2026, 3, 14, 9, 26, 53, 589793, tzinfo=UTC)

_serial = itertools.count(1)


def serial() -> int:
    return next(_serial)


def at(seconds: float = 0) -> datetime:
    """T0 plus ``seconds``."""
    return T0 + timedelta(seconds=seconds)


def phone() -> str:
    """A fresh E.164 number: +1418555XXXX, then +1418556XXXX after ten thousand."""
    n = serial()
    return f"+1418{555 + n // 10_000}{n % 10_000:04d}"


def job_code() -> str:
    """A code no ``next_code`` call of the tests will hand out (year 2099)."""
    return f"SM2-2099-{serial():04d}"


def zone(**kw: Any) -> Zone:
    values: dict[str, Any] = {
        "id": uuid4(),
        "name": f"Zone {serial()}",
        "latitude": 46.813878,
        "longitude": -71.207981,
        "description": "Rive-Nord",
        "is_active": True,
    }
    return Zone(**(values | kw))


def service(**kw: Any) -> Service:
    values: dict[str, Any] = {
        "id": uuid4(),
        "code": f"SVC{serial()}",
        "name": "Oil change",
        "name_fr": "Vidange",
        "base_price": Decimal("129.95"),
        "requires_approval": False,
        "is_active": True,
        "qb_item_id": None,
    }
    return Service(**(values | kw))


def dealership(**kw: Any) -> Dealership:
    values: dict[str, Any] = {
        "id": uuid4(),
        "name": f"Garage {serial()}",
        "phone": phone(),
        "email": "billing@example.com",
        "zone_id": None,
        "is_audit_flagged": False,
        "is_active": True,
        "language": Language.FR,
        "qb_customer_id": None,
    }
    return Dealership(**(values | kw))


def technician(**kw: Any) -> Technician:
    values: dict[str, Any] = {
        "id": uuid4(),
        "name": f"Tech {serial()}",
        "phone": phone(),
        "zone_id": None,
        "skills": frozenset(),
        "status": TechnicianStatus.AVAILABLE,
        "is_active": True,
    }
    return Technician(**(values | kw))


def rule(**kw: Any) -> RankingRule:
    values: dict[str, Any] = {
        "id": uuid4(),
        "description": f"Rule {serial()}",
        "make": "Honda",
        "ranking_score": 0,
        "is_active": True,
    }
    return RankingRule(**(values | kw))


def part(**kw: Any) -> CatalogPart:
    """A catalog part with a unique name and SKU."""
    n = serial()
    values: dict[str, Any] = {
        "id": uuid4(),
        "name": f"Part {n}",
        "sku": f"SKU-{n}",
        "price": Decimal("12.99"),
        "is_active": True,
    }
    return CatalogPart(**(values | kw))


def price(dealership_id: UUID, service_code: str, **kw: Any) -> DealershipPrice:
    values: dict[str, Any] = {
        "id": uuid4(),
        "dealership_id": dealership_id,
        "service_code": service_code,
        "price": Decimal("79.95"),
        "is_active": True,
    }
    return DealershipPrice(**(values | kw))


def user(**kw: Any) -> User:
    values: dict[str, Any] = {
        "id": uuid4(),
        "username": f"user{serial()}",
        "role": Role.ADMIN,
        "password_hash": "$argon2id$v=19$m=65536,t=3,p=4$c2FsdA$aGFzaA",
        "technician_id": None,
        "is_active": True,
    }
    return User(**(values | kw))


def job(dealership_id: UUID, **kw: Any) -> Job:
    """A PENDING job with the defaults of a fresh intake."""
    values: dict[str, Any] = {
        "id": uuid4(),
        "job_code": job_code(),
        "dealership_id": dealership_id,
        "vehicle": Vehicle(),
        "created_at": T0,
        "updated_at": T0,
    }
    return Job(**(values | kw))


@attrs.frozen
class World:
    """Reference rows a job can point at, committed before the test's own writes."""

    zone: Zone
    service: Service
    dealership: Dealership
    technician: Technician
    message: InboundMessage


async def add_world(factory: UnitOfWorkFactory) -> World:
    z = zone()
    s = service()
    d = dealership(zone_id=z.id)
    t = technician(zone_id=z.id, skills=frozenset({s.code}))
    m = message(dealership_id=d.id, from_number=d.phone, status=MessageStatus.PROCESSED)
    async with factory() as uow:
        await uow.zones.add(z)
        await uow.services.add(s)
        await uow.dealerships.add(d)
        await uow.technicians.add(t)
        await uow.messages.add(m)
    return World(zone=z, service=s, dealership=d, technician=t, message=m)


def full_job(world: World, **kw: Any) -> Job:
    """A job with every optional field set: completed, approved, invoiced."""
    values: dict[str, Any] = {
        "vehicle": Vehicle(
            year=2021, make="Honda", model="Civic", vin="2HGFC2F59MH500001", stock_no="ST-42"
        ),
        "created_at": at(1),
        "updated_at": at(7_200.5),
        "service_id": world.service.id,
        "service_code": world.service.code,
        "urgency": Urgency.HIGH,
        "ranking_score": 15,
        "applied_rules": ("Honda first", "Flagged dealership"),
        "status": JobStatus.COMPLETED,
        "invoice_state": InvoiceState.SYNCED,
        "parsing_confidence": 0.8734,
        "review_reasons": ("VIN check digit failed", "new make"),
        "verified_by": "admin:alice",
        "verified_at": at(60.25),
        "tech_id": world.technician.id,
        "assigned_at": at(120.5),
        "started_at": at(1_800.25),
        "zone_id": world.zone.id,
        "source_message_id": world.message.id,
        "request_text": "Vidange + pneus d'hiver, SVP",
        "cancel_reason": "kept for the record",
        "completion": Completion(
            notes="Done; «client» satisfied",
            labour_minutes=95,
            parts=(Part(name="Filter", quantity=1), Part(name="5W-30 litre", quantity=5)),
            completed_at=at(3_600.000001),
        ),
        "approved_by": "admin:bob",
        "approved_at": at(5_000.75),
        "qb_invoice_id": "INV-1001",
        "invoice_error": "retried once",
        "window_start": at(9_000),
        "window_end": at(12_600),
        "proposed_start": at(8_000),
        "proposed_end": at(20_000),
        "notes": "Code du portail : 1234",
        "invoice_adjustments": (
            LineAdjustment(
                "part-2", "Huile fournie: «moins cher»", "admin:bob", at(4_000.5), Decimal("4")
            ),
            LineAdjustment("labour", "Rate agreed", "admin:bob", at(4_001), None, Decimal("80.00")),
        ),
        "invoice_lines": (
            InvoiceLine(LineKind.SERVICE, "Vidange — Civic 2021", Decimal("1"), Decimal("89.95")),
            InvoiceLine(LineKind.PART, "Filter", Decimal("1"), Decimal("12.99")),
            InvoiceLine(LineKind.PART, "5W-30 litre", Decimal("4"), Decimal("0.00"), "unknown"),
            InvoiceLine(LineKind.LABOUR, "Labour: 35 min", Decimal("0.58"), Decimal("80.00")),
        ),
        "version": 3,
    }
    return job(world.dealership.id, **(values | kw))


def message(**kw: Any) -> InboundMessage:
    values: dict[str, Any] = {
        "id": uuid4(),
        "sid": f"SM{serial():032d}",
        "from_number": phone(),
        "to_number": "+14185550000",
        "body": "Oil change on the Civic please",
        "received_at": T0,
    }
    return InboundMessage(**(values | kw))


def sms(**kw: Any) -> OutboundSms:
    values: dict[str, Any] = {
        "id": uuid4(),
        "to_number": phone(),
        "body": "Job SM2-2026-001 received",
        "created_at": T0,
    }
    return OutboundSms(**(values | kw))


def audit_entry(subject_id: UUID, **kw: Any) -> AuditEntry:
    values: dict[str, Any] = {
        "id": uuid4(),
        "subject": "dealership",
        "subject_id": subject_id,
        "action": "update",
        "actor": "admin:alice",
        "at": T0,
    }
    return AuditEntry(**(values | kw))


def event(subject_id: UUID, name: str = "job.updated", **data: Any) -> DomainEvent:
    return DomainEvent(name=name, subject_id=subject_id, occurred_at=T0, data=data)


async def published(factory: UnitOfWorkFactory) -> list[tuple[str, UUID, dict[str, Any]]]:
    """The events the adapter has made public: the memory bus, or PostgreSQL's events table."""
    store = getattr(factory, "__self__", None)
    if store is not None:
        return [(s.event.name, s.event.subject_id, s.event.data) for s in store.bus.published]
    pool = factory.pool  # type: ignore[attr-defined]
    async with pool.connection() as conn:
        cur = await conn.execute("SELECT name, subject_id, data FROM events ORDER BY id")
        return [(name, subject_id, data) for name, subject_id, data in await cur.fetchall()]


def is_postgres(factory: UnitOfWorkFactory) -> bool:
    return getattr(factory, "__self__", None) is None
