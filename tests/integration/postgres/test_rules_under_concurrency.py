"""Issue 14's proof on PostgreSQL: the business rules hold after concurrent clients, so the
technician locks and the optimistic versions are tested, not assumed.

Several asyncio clients act on shared jobs and technicians at once (technicians accept and
complete, admins edit, assign, unassign, verify, cancel and approve, a worker invoices); the
invariants of ``rules_invariants`` are then checked on what the database holds.
"""

from __future__ import annotations

import asyncio
import collections
import random
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from uuid import UUID

import attrs
import pytest

from pgtools import seeded_system
from rules_invariants import State, read_state, stored_state, violations
from sm2_adapters.memory import RecordingAccounting
from sm2_adapters.postgres.uow import PostgresUnitOfWork
from sm2_adapters.settings import Settings
from sm2_adapters.system import System
from sm2_core.domain.entities import Technician
from sm2_core.domain.enums import JobStatus, PolicyRule, ReferenceKind, Role, Urgency
from sm2_core.domain.job import Completion, Job, Vehicle
from sm2_core.domain.records import Actor
from sm2_core.errors import (
    InvalidInput,
    InvalidTransition,
    NotFound,
    PermissionDenied,
    PolicyViolation,
    StaleVersion,
)
from sm2_core.services import Services

pytestmark = pytest.mark.postgres

ADMIN = Actor(name="admin:alice", role=Role.ADMIN)
REFUSALS = (
    PolicyViolation,
    InvalidTransition,
    InvalidInput,
    NotFound,
    PermissionDenied,
    StaleVersion,
)
DONE = Completion(notes="Oil and filter changed", labour_minutes=30)
CLIENTS = 6
WORKLOAD_SECONDS = 3.0
#: Lévis and Saguenay are 190 km apart; Julie and Éric both do oil changes and PDIs.
NEAR, FAR = "Ford Lévis", "Chevrolet Buick GMC Saguenay"
FORD = Vehicle(year=2024, make="Ford", model="F-150")
AUDI_Q5 = Vehicle(year=2023, make="Audi", model="Q5", vin="WA1BNAFY4PP057830")
#: The shared jobs: (dealership, service, vehicle, technician); held ones are verified first.
STARTING_JOBS = [
    (NEAR, "OIL_CHANGE", FORD, "Julie"),
    (FAR, "OIL_CHANGE", FORD, "Julie"),
    ("Toyota Sainte-Foy", "PDI", Vehicle(make="Toyota"), "Julie"),
    ("Mazda Saint-Georges", "PDI", Vehicle(make="Mazda"), "Éric"),
    (FAR, "PDI", FORD, "Éric"),
    (NEAR, "OIL_CHANGE", FORD, "Éric"),
    ("Audi Québec", "OIL_CHANGE", AUDI_Q5, "Julie"),
    (NEAR, "ENGINE_REPAIR", FORD, "Karim"),
    ("Volkswagen Québec", "DIAGNOSTIC", Vehicle(make="Volkswagen"), "Karim"),
    ("Toyota Sainte-Foy", None, Vehicle(make="Toyota"), None),
]
VEHICLE_EDITS: list[dict[str, object] | None] = [
    None,
    {"make": "Audi"},
    {"make": "Ford", "vin": None},
    {"vin": "WA1BNAFY4PP057830"},
    {"model": "Q7", "year": None},
    {"stock_no": "S-1"},
    {"vin": "' OR 1=1--"},
]
SERVICE_EDITS = [None, None, "OIL_CHANGE", "PDI", "ENGINE_REPAIR", "DIAGNOSTIC"]


@pytest.fixture
def accounting() -> RecordingAccounting:
    return RecordingAccounting()


@pytest.fixture
async def system(
    pg_url: str, tmp_path: Path, accounting: RecordingAccounting
) -> AsyncIterator[System]:
    """The real system on the emptied test database, seeded, invoicing into the recorder."""
    settings = Settings(database_url=pg_url, data_dir=tmp_path)
    async with seeded_system(settings, pool_size=12, accounting=accounting) as built:
        yield built


def tech_actor(technician: Technician) -> Actor:
    return Actor(name=f"tech:{technician.name}", role=Role.TECH, technician_id=technician.id)


@attrs.define
class Board:
    """The seeded system, its records by name, and the jobs the clients share."""

    system: System
    techs: dict[str, Technician]
    dealers: dict[str, UUID]
    open_ids: list[UUID] = attrs.Factory(list)
    """The shared jobs: every job made, until a client finds it finished and replaces it."""

    @classmethod
    async def load(cls, system: System) -> Board:
        admin = system.services.admin
        return cls(
            system=system,
            techs={t.name.split()[0]: t for t in await admin.all(ReferenceKind.TECHNICIANS)},
            dealers={d.name: d.id for d in await admin.all(ReferenceKind.DEALERSHIPS)},
        )

    async def new_job(self, dealer: str, service: str | None, vehicle: Vehicle) -> Job:
        job = await self.system.services.intake.create_job(
            dealership_id=self.dealers[dealer], service_code=service, vehicle=vehicle, actor=ADMIN
        )
        self.open_ids.append(job.id)
        return job

    async def scheduled(self, dealer: str, service: str | None, vehicle: Vehicle, tech: str) -> Job:
        """A verified job assigned to ``tech``."""
        job = await self.new_job(dealer, service, vehicle)
        dispatch = self.system.services.dispatch
        if job.awaiting_verification:
            job = await dispatch.verify(job.id, actor=ADMIN)
        return await dispatch.assign(job.id, self.techs[tech].id, actor=ADMIN)

    async def job(self, job_id: UUID) -> Job:
        return await self.system.services.dispatch.resolve(str(job_id))

    async def state(self, accounting: RecordingAccounting) -> State:
        return await stored_state(self.system.uow, accounting)


@pytest.fixture
async def board(system: System) -> Board:
    return await Board.load(system)


Operation = Callable[["Client", Job], Awaitable[object]]


@attrs.define
class Client:
    """One person at a screen: reads a shared job, then acts on it as its state suggests."""

    board: Board
    rng: random.Random
    outcomes: collections.Counter[str]
    unexpected: list[str]

    def holder(self, job: Job) -> Actor:
        techs = list(self.board.techs.values())
        held = [t for t in techs if t.id == job.tech_id]
        return tech_actor(held[0] if held and self.rng.random() < 0.9 else self.rng.choice(techs))

    def some_tech(self, job: Job) -> Technician:
        techs = list(self.board.techs.values())
        certified = [t for t in techs if job.service_code in t.skills]
        return self.rng.choice(certified if certified and self.rng.random() < 0.9 else techs)

    async def accept(self, job: Job) -> object:
        return await self.services.field.accept(job.id, actor=self.holder(job))

    async def accept_on_two_devices(self, job: Job) -> object:
        """The holder starts this job and another of theirs at once, from two devices."""
        actor = self.holder(job)
        theirs = await self.services.field.my_jobs(actor=actor)
        others = [j.id for j in theirs if j.status is JobStatus.SCHEDULED and j.id != job.id]
        pair = [job.id, *self.rng.sample(others, k=min(1, len(others)))]
        results = await asyncio.gather(
            *(self.services.field.accept(i, actor=actor) for i in pair), return_exceptions=True
        )
        failures = [r for r in results if isinstance(r, BaseException)]
        # A bug first, then a refusal: the caller records the worst outcome.
        failures.sort(key=lambda r: isinstance(r, REFUSALS))
        if failures:
            raise failures[0]
        return results

    async def complete(self, job: Job) -> object:
        return await self.services.field.complete(job.id, DONE, actor=self.holder(job))

    async def edit(self, job: Job) -> object:
        return await self.services.dispatch.update(
            job.id,
            actor=ADMIN,
            expected_version=job.version,
            vehicle=self.rng.choice(VEHICLE_EDITS),
            service_code=self.rng.choice(SERVICE_EDITS),
            urgency=self.rng.choice([None, *Urgency]),
        )

    async def assign(self, job: Job) -> object:
        tech = self.some_tech(job)
        if self.rng.random() < 0.5:
            return await self.services.dispatch.assign(job.id, tech.id, actor=ADMIN)
        return await self.services.dispatch.update(
            job.id, actor=ADMIN, expected_version=job.version, tech_id=tech.id
        )

    async def unassign(self, job: Job) -> object:
        return await self.services.dispatch.update(
            job.id, actor=ADMIN, expected_version=job.version, tech_id=None
        )

    async def verify(self, job: Job) -> object:
        return await self.services.dispatch.verify(job.id, actor=ADMIN)

    async def cancel(self, job: Job) -> object:
        return await self.services.dispatch.cancel(job.id, "Dealer called", actor=ADMIN)

    async def approve(self, job: Job) -> object:
        return await self.services.billing.approve(job.id, actor=ADMIN)

    async def replace(self, job: Job) -> object:
        """A finished job leaves the shared set; a new one, verified and assigned, joins it."""
        if job.id in self.board.open_ids:
            self.board.open_ids.remove(job.id)
        dealer, service, vehicle, tech = self.rng.choice(STARTING_JOBS)
        if tech is None:
            return await self.board.new_job(dealer, service, vehicle)
        return await self.board.scheduled(dealer, service, vehicle, tech)

    @property
    def services(self) -> Services:
        return self.board.system.services

    def choose(self, job: Job) -> Operation:
        """Mostly what the job's state calls for; sometimes anything (to be refused)."""
        fitting: dict[JobStatus, list[Operation]] = {
            JobStatus.PENDING: [Client.verify, Client.assign, Client.assign, Client.edit],
            JobStatus.SCHEDULED: [
                Client.accept,
                Client.accept_on_two_devices,
                Client.accept_on_two_devices,
                Client.edit,
                Client.assign,
                Client.unassign,
                Client.cancel,
            ],
            JobStatus.IN_PROGRESS: [Client.complete, Client.complete, Client.edit, Client.cancel],
            JobStatus.COMPLETED: [Client.approve, Client.approve, Client.replace],
            JobStatus.CANCELLED: [Client.replace],
        }
        anything = [op for ops in fitting.values() for op in ops]
        return self.rng.choice(fitting[job.status] if self.rng.random() < 0.8 else anything)

    async def work_until(self, deadline: float) -> None:
        while time.monotonic() < deadline:
            job = await self.board.job(self.rng.choice(self.board.open_ids))
            operation = self.choose(job)
            name = operation.__name__
            try:
                await operation(self, job)
            except REFUSALS as refusal:
                self.outcomes[f"{name}: {getattr(refusal, 'rule', type(refusal).__name__)}"] += 1
            except Exception as exc:  # anything but a refusal is a bug the test reports
                self.unexpected.append(f"{name} on {job.job_code}: {exc!r}")
            else:
                self.outcomes[f"{name}: done"] += 1


async def audit_until(system: System, deadline: float, found: set[str]) -> None:
    """An auditor reading consistent snapshots while the clients work: every committed state
    keeps the rules, not only the last one (a later change could hide a broken one)."""
    while time.monotonic() < deadline:
        async with system.uow() as uow:
            assert isinstance(uow, PostgresUnitOfWork)
            await uow.conn.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
            state = await read_state(uow, RecordingAccounting())
        found.update(violations(state, at_rest=False))
        await asyncio.sleep(0.05)


async def invoice_until(system: System, deadline: float) -> None:
    """A worker running the queued invoices while the clients work."""
    while time.monotonic() < deadline:
        await system.run_tasks()
        await asyncio.sleep(0.05)


class TestConcurrentWorkload:
    async def test_rules_hold_after_concurrent_clients(
        self, board: Board, accounting: RecordingAccounting
    ) -> None:
        """Six clients acting at once on shared jobs leave no rule broken in the database."""
        await board.system.services.admin.create(
            ReferenceKind.RULES,
            {
                "description": "Engine repairs from Ford Lévis are critical",
                "dealership_id": board.dealers[NEAR],
                "service_code": "ENGINE_REPAIR",
                "target_urgency": Urgency.CRITICAL,
                "ranking_score": 15,
            },
            actor=ADMIN,
        )
        for dealer, service, vehicle, tech in STARTING_JOBS:
            if tech is None:
                await board.new_job(dealer, service, vehicle)
            else:
                await board.scheduled(dealer, service, vehicle, tech)
        outcomes: collections.Counter[str] = collections.Counter()
        unexpected: list[str] = []
        deadline = time.monotonic() + WORKLOAD_SECONDS
        clients = [Client(board, random.Random(n), outcomes, unexpected) for n in range(CLIENTS)]
        seen_by_auditor: set[str] = set()

        await asyncio.gather(
            invoice_until(board.system, deadline),
            audit_until(board.system, deadline, seen_by_auditor),
            *(c.work_until(deadline) for c in clients),
        )
        await board.system.run_tasks()

        assert [] == unexpected
        assert [] == sorted(seen_by_auditor)
        assert 0 < outcomes["accept: done"] + outcomes["accept_on_two_devices: done"], outcomes
        assert [] == violations(await board.state(accounting))


class TestTwentyKmRuleUnderConcurrency:
    async def test_two_far_accepts_at_once_start_one_job(
        self, board: Board, accounting: RecordingAccounting
    ) -> None:
        """Julie accepts jobs in Lévis and Saguenay from two devices at once, five times: each
        time exactly one starts and the other is refused by the 20 km rule."""
        julie = tech_actor(board.techs["Julie"])
        field, dispatch = board.system.services.field, board.system.services.dispatch
        for _ in range(5):
            near = await board.scheduled(NEAR, "OIL_CHANGE", FORD, "Julie")
            far = await board.scheduled(FAR, "OIL_CHANGE", FORD, "Julie")

            results = await asyncio.gather(
                field.accept(near.id, actor=julie),
                field.accept(far.id, actor=julie),
                return_exceptions=True,
            )

            started = [r for r in results if isinstance(r, Job)]
            refused = [r for r in results if not isinstance(r, Job)]
            assert 1 == len(started), results
            assert [PolicyRule.ZONE_CONFLICT] == [getattr(r, "rule", r) for r in refused]
            statuses = sorted([(await board.job(j.id)).status.value for j in (near, far)])
            assert ["IN_PROGRESS", "SCHEDULED"] == statuses
            await field.complete(started[0].id, DONE, actor=julie)
            other = far if started[0].id == near.id else near
            await dispatch.cancel(other.id, "Dealer called", actor=ADMIN)
        assert [] == violations(await board.state(accounting))
