"""Issue 14's proof on the memory system: the business rules hold whatever admins, technicians,
rule changes and the invoice task do, in any order.

The machine drives the application services (admin edits of any field, verification,
(un)assignment, accept and complete, cancel, approve, invoicing, ranking rule changes and
technician statuses) and checks the invariants of ``rules_invariants`` after every step.
Refusals are expected; a refusal must change nothing.
"""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine
from datetime import datetime, timedelta
from typing import Any, TypeVar
from uuid import UUID
from zoneinfo import ZoneInfo

from core_helpers import ADMIN, DONE, make_vin, tech_actor
from hypothesis import HealthCheck, event, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, precondition, rule

from rules_invariants import Facts, memory_state, violations
from sm2_adapters.memory import build_memory_system
from sm2_adapters.seed import seed_demo
from sm2_core.domain.entities import Technician
from sm2_core.domain.enums import InvoiceState, JobStatus, ReferenceKind, TechnicianStatus, Urgency
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
from sm2_core.services.dispatch import UNCHANGED, WindowChange

T = TypeVar("T")
#: The domain's refusals: expected, and they must leave everything as it was.
REFUSALS = (
    PolicyViolation,
    InvalidTransition,
    InvalidInput,
    NotFound,
    PermissionDenied,
    StaleVersion,
)
#: The audit actions that derive a job from its facts again (creation and edits, as
#: ``sm2_core.derivation`` says): a ranking rule changed since then applies to the job at its
#: next edit. Other changes (verify, assign, accept, invoicing...) keep the ranking it had.
DERIVING = frozenset({"create", "edit"})

#: Windows start on one morning, on the hour: enough for technicians' days to collide.
DAY = datetime(2026, 12, 8, 8, tzinfo=ZoneInfo("America/Toronto"))
SLOTS = [0, 1, 2, 3]
OPEN = (JobStatus.SCHEDULED, JobStatus.IN_PROGRESS)

AUDI_VIN = "WA1BNAFY4PP057830"
FORD_VIN = make_vin("1FTFW1E5PFA12345")
#: An Audi maker code with a wrong check digit: held twice (Audi rule, invalid VIN).
BAD_AUDI_VIN = "WA1BNAFY0PP057830"
#: Audi Québec is flagged for audit; Sainte-Foy, Lévis and Québec Centre are near each other,
#: Saguenay and Beauce far from them and from each other.
DEALERS = [
    "Audi Québec",
    "Ford Lévis",
    "Toyota Sainte-Foy",
    "Volkswagen Québec",
    "Chevrolet Buick GMC Saguenay",
    "Mazda Saint-Georges",
]
SERVICES = [
    None,
    "OIL_CHANGE",
    "OIL_CHANGE",
    "PDI",
    "DIAGNOSTIC",
    "ENGINE_REPAIR",
    "KEY_PROGRAMMING",
    "SOFTWARE_UPDATE",
]
TECHS = ["Julie", "Éric", "Karim", "Marc-André", "Sophie", "Nathalie"]
VEHICLES = st.builds(
    Vehicle,
    year=st.sampled_from([None, 2019, 2024]),
    make=st.sampled_from([None, "Ford", "Audi", " audi", "Toyota"]),
    model=st.sampled_from([None, "Q5", "F-150"]),
    vin=st.sampled_from([None, None, AUDI_VIN, FORD_VIN, BAD_AUDI_VIN]),
    stock_no=st.sampled_from([None, "T9001", "A-17"]),
)
#: Field changes of a PATCH's vehicle_data (None clears).
VEHICLE_EDITS = [
    ("make", "Audi"),
    ("make", "Ford"),
    ("make", None),
    ("model", "Q7"),
    ("model", None),
    ("year", 2023),
    ("year", None),
    ("vin", AUDI_VIN),
    ("vin", AUDI_VIN.lower()),
    ("vin", FORD_VIN),
    ("vin", None),
    ("stock_no", "S-1"),
    ("stock_no", None),
]
#: Field changes refused as invalid: drawn in a third of the edits.
INVALID_VEHICLE_EDITS = [("year", 1970), ("vin", "' OR 1=1--"), ("colour", "red")]
VEHICLE_CHANGES = st.one_of(
    st.lists(st.sampled_from(VEHICLE_EDITS), max_size=3),
    st.lists(st.sampled_from(VEHICLE_EDITS), max_size=3),
    st.lists(st.sampled_from(VEHICLE_EDITS + INVALID_VEHICLE_EDITS), min_size=1, max_size=3),
)
URGENCIES = st.sampled_from([None, None, *Urgency])
#: AVAILABLE twice: technicians spend more time at work than away.
STATUSES = [
    TechnicianStatus.AVAILABLE,
    TechnicianStatus.AVAILABLE,
    TechnicianStatus.OFFLINE,
    TechnicianStatus.ON_LEAVE,
]
MAX_JOBS = 6


class RulesMachine(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self.loop = asyncio.new_event_loop()
        self.system = build_memory_system()
        self.run(seed_demo(self.system.services))
        tables = self.system.store.tables
        self.techs = {t.name.split()[0]: t for t in tables.technicians.values()}
        self.dealers = {d.name: d.id for d in tables.dealerships.values()}
        self.job_ids: list[UUID] = []
        self.admin_set = {t.id: t.status for t in self.techs.values()}
        """Each technician's last status an admin chose (the demo data's to begin with)."""
        self.audit_seen = len(tables.audit)
        self.facts_at: dict[UUID, Facts] = {}
        """The reference data in force at each job's last derivation."""

    def teardown(self) -> None:
        self.loop.close()

    def run(self, coroutine: Coroutine[Any, Any, T]) -> T:
        return self.loop.run_until_complete(coroutine)

    @property
    def svc(self) -> Services:
        return self.system.services

    @property
    def jobs(self) -> list[Job]:
        return [self.system.store.tables.jobs[i] for i in self.job_ids]

    def attempt(self, coroutine: Coroutine[Any, Any, object]) -> bool:
        """Run a use case; a refusal must leave every record as it was."""
        before = self.records()
        step = ".".join(coroutine.__qualname__.split(".")[-2:])
        try:
            self.run(coroutine)
        except REFUSALS as refusal:
            event(f"{step}: {getattr(refusal, 'rule', type(refusal).__name__)}")
            assert before == self.records()
            return False
        finally:
            self.note_derivations()
        event(f"{step}: done")
        return True

    def records(self) -> tuple[object, ...]:
        t = self.system.store.tables
        return (dict(t.jobs), dict(t.technicians), dict(t.rules), len(t.audit))

    def note_derivations(self) -> None:
        """Remember the reference data now for each job derived again since the last step."""
        audit = self.system.store.tables.audit
        new, self.audit_seen = audit[self.audit_seen :], len(audit)
        derived = {e.subject_id for e in new if e.subject == "job" and e.action in DERIVING}
        if derived:
            facts = memory_state(self.system).facts
            self.facts_at.update(dict.fromkeys(derived, facts))

    def pick(self, data: st.DataObject, *statuses: JobStatus) -> Job:
        """Mostly a job where the step makes sense, sometimes any job (to be refused)."""
        fitting = [j for j in self.jobs if j.status in statuses]
        pool = fitting if fitting and data.draw(st.integers(0, 4), label="fit") else self.jobs
        return data.draw(st.sampled_from(pool), label="job")

    def holder(self, job: Job, data: st.DataObject) -> Actor:
        """Usually the technician holding the job; sometimes someone else."""
        held = [t for t in self.techs.values() if t.id == job.tech_id]
        if held and data.draw(st.integers(0, 5), label="holder"):
            return tech_actor(held[0])
        return tech_actor(self.techs[data.draw(st.sampled_from(TECHS), label="other tech")])

    def some_tech(self, job: Job, data: st.DataObject) -> Technician:
        """Usually one certified for the job's service."""
        certified = [t for t in self.techs.values() if job.service_code in t.skills]
        names = st.sampled_from(TECHS).map(self.techs.__getitem__)
        return data.draw(st.sampled_from(certified) | names if certified else names, label="tech")

    def booked_tech(self, job: Job, data: st.DataObject) -> UUID:
        """Often a technician who already has a window (so bookings collide), else any."""
        booked = sorted(
            {
                str(j.tech_id)
                for j in self.jobs
                if j.tech_id and j.window_start and j.status in OPEN and j.id != job.id
            }
        )
        if booked and data.draw(st.booleans(), label="collide"):
            return UUID(data.draw(st.sampled_from(booked), label="booked tech"))
        return self.some_tech(job, data).id

    def version(self, job: Job, data: st.DataObject) -> int:
        """The job's version, sometimes one that someone else changed since."""
        return job.version - data.draw(st.sampled_from([0, 0, 0, 0, 1]), label="stale")

    # --- jobs ---------------------------------------------------------------------------------

    @initialize(
        dealer=st.sampled_from(DEALERS), service=st.sampled_from(SERVICES), vehicle=VEHICLES
    )
    def first_job(self, dealer: str, service: str | None, vehicle: Vehicle) -> None:
        self.create(dealer, service, vehicle)

    @precondition(lambda self: len(self.job_ids) < MAX_JOBS)
    @rule(dealer=st.sampled_from(DEALERS), service=st.sampled_from(SERVICES), vehicle=VEHICLES)
    def create(self, dealer: str, service: str | None, vehicle: Vehicle) -> None:
        job = self.run(
            self.svc.intake.create_job(
                dealership_id=self.dealers[dealer],
                service_code=service,
                vehicle=vehicle,
                actor=ADMIN,
            )
        )
        self.job_ids.append(job.id)
        self.note_derivations()

    @rule(
        data=st.data(),
        changes=VEHICLE_CHANGES,
        service=st.sampled_from([None, None, *SERVICES[1:], "NOPE"]),
        urgency=URGENCIES,
    )
    def edit(
        self,
        data: st.DataObject,
        changes: list[tuple[str, object]],
        service: str | None,
        urgency: Urgency | None,
    ) -> None:
        job = self.pick(data, JobStatus.PENDING, JobStatus.SCHEDULED, JobStatus.IN_PROGRESS)
        vehicle = dict(changes) if changes or data.draw(st.booleans(), label="empty") else None
        self.attempt(
            self.svc.dispatch.update(
                job.id,
                actor=ADMIN,
                expected_version=self.version(job, data),
                vehicle=vehicle,
                service_code=service,
                urgency=urgency,
            )
        )

    @precondition(
        lambda self: any(
            j.status in (JobStatus.SCHEDULED, JobStatus.IN_PROGRESS) for j in self.jobs
        )
    )
    @rule(
        data=st.data(),
        correction=st.sampled_from(
            [
                {"vehicle": {"make": "Audi"}},
                {"vehicle": {"vin": AUDI_VIN}},
                {"service_code": "ENGINE_REPAIR"},
                {"service_code": "SOFTWARE_UPDATE"},
            ]
        ),
    )
    def hold_after_assignment(self, data: st.DataObject, correction: dict[str, Any]) -> None:
        """The issue's bypass: an admin's correction holds a job already handed out (an
        Audi, a service that needs approval), then its technician tries to start it."""
        job = self.pick(data, JobStatus.SCHEDULED, JobStatus.IN_PROGRESS)
        self.attempt(
            self.svc.dispatch.update(
                job.id, actor=ADMIN, expected_version=job.version, **correction
            )
        )
        self.attempt(self.svc.field.accept(job.id, actor=self.holder(job, data)))

    @rule(data=st.data())
    def verify(self, data: st.DataObject) -> None:
        job = self.pick(data, JobStatus.PENDING, JobStatus.SCHEDULED)
        self.attempt(self.svc.dispatch.verify(job.id, actor=ADMIN))

    @rule(data=st.data(), by_patch=st.booleans())
    def assign(self, data: st.DataObject, by_patch: bool) -> None:
        job = self.pick(data, JobStatus.PENDING, JobStatus.SCHEDULED)
        tech = self.some_tech(job, data)
        if by_patch:
            step = self.svc.dispatch.update(
                job.id, actor=ADMIN, expected_version=self.version(job, data), tech_id=tech.id
            )
        else:
            step = self.svc.dispatch.assign(job.id, tech.id, actor=ADMIN)
        self.attempt(step)

    @rule(
        data=st.data(),
        start=st.sampled_from(SLOTS),
        hours=st.sampled_from([None, 1, 2, 13, -1]),
        assign=st.booleans(),
        allow=st.sampled_from([False, False, True]),
    )
    def schedule(
        self, data: st.DataObject, start: int, hours: int | None, assign: bool, allow: bool
    ) -> None:
        """A window (some too long or ending before it starts), often with a technician."""
        job = self.pick(data, JobStatus.PENDING, JobStatus.SCHEDULED, JobStatus.IN_PROGRESS)
        begins = DAY + timedelta(hours=start)
        window = WindowChange(
            start=begins,
            end=None if hours is None else begins + timedelta(hours=hours),
            allow_overlap=allow,
        )
        tech_id = self.booked_tech(job, data) if assign else UNCHANGED
        self.attempt(
            self.svc.dispatch.update(
                job.id,
                actor=ADMIN,
                expected_version=self.version(job, data),
                tech_id=tech_id,
                window=window,
            )
        )

    @rule(data=st.data(), by_patch=st.booleans())
    def unassign(self, data: st.DataObject, by_patch: bool) -> None:
        job = self.pick(data, JobStatus.SCHEDULED)
        if by_patch:
            step = self.svc.dispatch.update(
                job.id, actor=ADMIN, expected_version=self.version(job, data), tech_id=None
            )
        else:
            step = self.svc.dispatch.unassign(job.id, actor=ADMIN)
        self.attempt(step)

    @rule(data=st.data())
    def accept(self, data: st.DataObject) -> None:
        job = self.pick(data, JobStatus.SCHEDULED)
        self.attempt(self.svc.field.accept(job.id, actor=self.holder(job, data)))

    @rule(data=st.data(), minutes=st.sampled_from([30, 0, -5]))
    def complete(self, data: st.DataObject, minutes: int) -> None:
        job = self.pick(data, JobStatus.IN_PROGRESS)
        report = Completion(notes="Done", labour_minutes=minutes)
        self.attempt(self.svc.field.complete(job.id, report, actor=self.holder(job, data)))

    @rule(data=st.data(), reason=st.sampled_from(["Car sold", " "]))
    def cancel(self, data: st.DataObject, reason: str) -> None:
        job = data.draw(st.sampled_from(self.jobs), label="job")
        self.attempt(self.svc.dispatch.cancel(job.id, reason, actor=ADMIN))

    @rule(data=st.data())
    def approve(self, data: st.DataObject) -> None:
        job = self.pick(data, JobStatus.COMPLETED)
        self.attempt(self.svc.billing.approve(job.id, actor=ADMIN))

    @rule(data=st.data())
    def advance(self, data: st.DataObject) -> None:
        """The next step a diligent team would take on some job, so that jobs get far."""
        job = data.draw(st.sampled_from(self.jobs), label="job")
        tech = self.holder(job, data)
        if job.awaiting_verification and not job.status.is_terminal:
            step = self.svc.dispatch.verify(job.id, actor=ADMIN)
        elif job.status is JobStatus.PENDING:
            step = self.svc.dispatch.assign(job.id, self.some_tech(job, data).id, actor=ADMIN)
        elif job.status is JobStatus.SCHEDULED:
            step = self.svc.field.accept(job.id, actor=tech)
        elif job.status is JobStatus.IN_PROGRESS:
            step = self.svc.field.complete(job.id, DONE, actor=tech)
        elif job.status is JobStatus.COMPLETED and not job.is_approved:
            step = self.svc.billing.approve(job.id, actor=ADMIN)
        else:
            self.run_tasks()
            return
        self.attempt(step)

    @rule(data=st.data())
    def advance_again(self, data: st.DataObject) -> None:
        """Rules are drawn uniformly: a second entry makes progress twice as likely."""
        self.advance(data)

    def open_work(self) -> dict[str, list[Job]]:
        """Jobs not started yet, by the name of each technician certified for them."""
        work: dict[str, list[Job]] = {}
        for job in self.jobs:
            if job.status in (JobStatus.PENDING, JobStatus.SCHEDULED):
                for name, tech in self.techs.items():
                    if job.service_code in tech.skills:
                        work.setdefault(name, []).append(job)
        return work

    @precondition(lambda self: self.open_work())
    @rule(data=st.data())
    def technician_starts_several(self, data: st.DataObject) -> None:
        """A technician is handed jobs they are certified for and starts each, maybe far apart
        (the 20 km rule's case): usually verified first, assigned, and accepted."""
        work = self.open_work()
        tech = self.techs[data.draw(st.sampled_from(sorted(work)), label="tech")]
        jobs = st.lists(st.sampled_from(work[tech.name.split()[0]]), min_size=1, max_size=2)
        verifies = data.draw(st.integers(0, 3), label="verifies") > 0
        for job in data.draw(
            jobs.map(lambda js: list({j.id: j for j in js}.values())), label="jobs"
        ):
            if job.awaiting_verification and verifies:
                self.attempt(self.svc.dispatch.verify(job.id, actor=ADMIN))
            if job.tech_id != tech.id:
                self.attempt(self.svc.dispatch.assign(job.id, tech.id, actor=ADMIN))
            self.attempt(self.svc.field.accept(job.id, actor=tech_actor(tech)))

    @precondition(lambda self: self.open_work())
    @rule(data=st.data())
    def technician_starts_more(self, data: st.DataObject) -> None:
        """Drawn as often again: the 20 km rule needs two jobs started by one technician."""
        self.technician_starts_several(data)

    @rule()
    def run_tasks(self) -> None:
        self.run(self.system.run_tasks())
        self.note_derivations()
        event(f"invoiced: {sum(j.invoice_state is InvoiceState.SYNCED for j in self.jobs)}")

    # --- reference data -------------------------------------------------------------------------

    @rule(
        dealer=st.sampled_from(DEALERS),
        service=st.sampled_from([None, "ENGINE_REPAIR", "OIL_CHANGE", "PDI"]),
        make=st.sampled_from([None, "Audi", "Ford"]),
        at_least=st.sampled_from([None, *Urgency]),
        score=st.sampled_from([0, 3, 15]),
        by_dealer=st.booleans(),
    )
    def add_rule(
        self,
        dealer: str,
        service: str | None,
        make: str | None,
        at_least: Urgency | None,
        score: int,
        by_dealer: bool,
    ) -> None:
        fields = {
            "description": f"{service or make or 'all'} from {dealer if by_dealer else 'anyone'}",
            "dealership_id": self.dealers[dealer] if by_dealer else None,
            "service_code": service,
            "make": make,
            "target_urgency": at_least,
            "ranking_score": score,
        }
        self.attempt(self.svc.admin.create(ReferenceKind.RULES, fields, actor=ADMIN))

    @rule(dealer=st.sampled_from(DEALERS))
    def engine_repairs_from_dealer_are_critical(self, dealer: str) -> None:
        """The rule of the issue: ENGINE_REPAIR from a dealership is CRITICAL, +15."""
        fields = {
            "description": f"Engine repairs from {dealer} are critical",
            "dealership_id": self.dealers[dealer],
            "service_code": "ENGINE_REPAIR",
            "target_urgency": Urgency.CRITICAL,
            "ranking_score": 15,
        }
        self.attempt(self.svc.admin.create(ReferenceKind.RULES, fields, actor=ADMIN))

    @rule(
        data=st.data(),
        change=st.sampled_from(
            [
                {"is_active": False},
                {"is_active": True},
                {"ranking_score": 1},
                {"target_urgency": Urgency.CRITICAL},
                {"target_urgency": None},
            ]
        ),
    )
    def change_rule(self, data: st.DataObject, change: dict[str, object]) -> None:
        rules = sorted(self.system.store.tables.rules.values(), key=lambda r: r.description)
        chosen = data.draw(st.sampled_from(rules), label="rule")
        self.attempt(self.svc.admin.update(ReferenceKind.RULES, chosen.id, change, actor=ADMIN))

    @rule(name=st.sampled_from(TECHS), status=st.sampled_from(STATUSES))
    def technician_status(self, name: str, status: TechnicianStatus) -> None:
        tech_id = self.techs[name].id
        fields = {"status": status}
        if self.attempt(
            self.svc.admin.update(ReferenceKind.TECHNICIANS, tech_id, fields, actor=ADMIN)
        ):
            self.admin_set[tech_id] = status

    # --- the invariants -------------------------------------------------------------------------

    @invariant()
    def rules_hold(self) -> None:
        """Every invariant of issue 14, on the whole state."""
        state = memory_state(self.system)
        assert [] == violations(
            state,
            facts_for=lambda job: self.facts_at[job.id],
            admin_set=self.admin_set,
        )


RulesMachine.TestCase.settings = settings(
    max_examples=120,
    stateful_step_count=40,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)


class TestBusinessRules(RulesMachine.TestCase):  # type: ignore[valid-type,misc]
    """The invariants hold after every step of any interleaving of use cases."""
