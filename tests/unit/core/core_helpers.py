"""Helpers shared by the core's unit tests: actors, a scripted parser, the demo data by name.

Every test builds its system with :class:`ScriptedParser` so that none depends on the offline
parser: a test says what the parser reads from a body, and the rest is the core's behaviour.
"""

from __future__ import annotations

from collections.abc import Iterable
from uuid import UUID

import attrs

from sm2_adapters.memory import MemorySystem
from sm2_adapters.seed import seed_demo
from sm2_core.domain.entities import Dealership, Service, Technician, Zone
from sm2_core.domain.enums import Language, Role, Urgency
from sm2_core.domain.job import Completion, Job, Vehicle
from sm2_core.domain.records import Actor, AuditEntry
from sm2_core.domain.vin import check_digit
from sm2_core.parsing import ParsedRequest, ParseResult
from sm2_core.services import Services

ADMIN = Actor(name="admin:alice", role=Role.ADMIN)
FORD_F150 = Vehicle(year=2024, make="Ford", model="F-150")
DONE = Completion(notes="Oil and filter changed", labour_minutes=30)


def make_vin(first_sixteen: str) -> str:
    """A VIN from the 16 characters around the check digit (8 before it, 8 after it)."""
    assert len(first_sixteen) == 16
    draft = first_sixteen[:8] + "0" + first_sixteen[8:]
    return draft[:8] + check_digit(draft) + draft[9:]


def tech_actor(technician: Technician) -> Actor:
    return Actor(name=f"tech:{technician.name}", role=Role.TECH, technician_id=technician.id)


def parse_result(
    *requests: ParsedRequest,
    confidence: float = 0.95,
    language: Language = Language.EN,
    urgency: Urgency = Urgency.MEDIUM,
    warnings: tuple[str, ...] = (),
) -> ParseResult:
    return ParseResult(
        requests=requests,
        confidence=confidence,
        language=language,
        parser="scripted",
        urgency=urgency,
        warnings=warnings,
    )


class ScriptedParser:
    """A parser that reads what the test told it to; any other body asks for no work."""

    def __init__(self) -> None:
        self.script: dict[str, ParseResult] = {}
        self.calls: list[tuple[str, UUID | None]] = []

    def reads(self, body: str, result: ParseResult) -> str:
        self.script[body] = result
        return body

    async def parse(self, body: str, *, dealership_id: UUID | None = None) -> ParseResult:
        self.calls.append((body, dealership_id))
        return self.script.get(body, parse_result())


@attrs.define
class Demo:
    """The memory system loaded with the demo data, with the records looked up by name."""

    system: MemorySystem
    parser: ScriptedParser
    dealers: dict[str, Dealership]
    techs: dict[str, Technician]
    """By first name: Marc-André, Julie, Karim, Sophie, Éric, Nathalie (ON_LEAVE)."""
    zones: dict[str, Zone]
    services: dict[str, Service]

    @classmethod
    async def load(cls, system: MemorySystem, parser: ScriptedParser) -> Demo:
        await seed_demo(system.services)
        admin = system.services.admin
        return cls(
            system=system,
            parser=parser,
            dealers={d.name: d for d in await admin.all("dealerships")},
            techs={t.name.split()[0]: t for t in await admin.all("technicians")},
            zones={z.name: z for z in await admin.all("zones")},
            services={s.code: s for s in await admin.all("services")},
        )

    @property
    def svc(self) -> Services:
        return self.system.services

    def as_tech(self, first_name: str) -> Actor:
        return tech_actor(self.techs[first_name])

    async def new_job(
        self,
        dealer: str = "Ford Lévis",
        service: str | None = "OIL_CHANGE",
        vehicle: Vehicle = FORD_F150,
    ) -> Job:
        return await self.svc.intake.create_job(
            dealership_id=self.dealers[dealer].id,
            service_code=service,
            vehicle=vehicle,
            actor=ADMIN,
        )

    async def scheduled_job(self, tech: str = "Julie", **kwargs: object) -> Job:
        job = await self.new_job(**kwargs)  # type: ignore[arg-type]
        return await self.svc.dispatch.assign(job.id, self.techs[tech].id, actor=ADMIN)

    async def in_progress_job(self, tech: str = "Julie", **kwargs: object) -> Job:
        job = await self.scheduled_job(tech, **kwargs)
        return await self.svc.field.accept(job.id, actor=self.as_tech(tech))

    async def completed_job(self, tech: str = "Julie", **kwargs: object) -> Job:
        job = await self.in_progress_job(tech, **kwargs)
        return await self.svc.field.complete(job.id, DONE, actor=self.as_tech(tech))

    async def job(self, job_id: UUID) -> Job:
        return (await self.svc.dispatch.detail(job_id)).job

    async def timeline(self, job_id: UUID) -> list[AuditEntry]:
        return list((await self.svc.dispatch.detail(job_id)).timeline)

    def events_for(self, subject_id: UUID) -> list[str]:
        return [s.event.name for s in self.system.bus.published if s.event.subject_id == subject_id]


def actions(entries: Iterable[AuditEntry]) -> list[str]:
    return [e.action for e in entries]
