"""The job lifecycle as a Hypothesis state machine over the whole memory system.

Random admins and technicians create, verify, assign, accept, complete, cancel and approve jobs
from dealerships in several zones while QuickBooks sometimes fails; the invariants are what
users rely on whatever the order of events.
"""

from __future__ import annotations

import asyncio
import itertools
from collections.abc import Coroutine
from typing import Any, TypeVar
from uuid import UUID

from core_helpers import ADMIN, DONE, Demo, ScriptedParser
from hypothesis import HealthCheck, event, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
)

from sm2_adapters.memory import build_memory_system
from sm2_core.domain.enums import ALLOWED_TRANSITIONS, InvoiceState, JobStatus, TechnicianStatus
from sm2_core.domain.job import Job, Vehicle
from sm2_core.errors import (
    IntegrationError,
    InvalidTransition,
    NotConfigured,
    NotFound,
    PermissionDenied,
    PolicyViolation,
)
from sm2_core.policies import PolicyConfig, haversine_km

T = TypeVar("T")
#: The refusals a user may meet; anything else escaping a use case is a bug.
REFUSALS = (InvalidTransition, PolicyViolation, PermissionDenied, NotFound)
#: Near each other (Lévis, Sainte-Foy twice) and far from them and each other (Saguenay, Beauce).
DEALERS = [
    "Ford Lévis",
    "Toyota Sainte-Foy",
    "Audi Québec",
    "Chevrolet Buick GMC Saguenay",
    "Mazda Saint-Georges",
]
#: Julie and Éric share oil changes and PDIs, so one of them often works in two zones.
SERVICES = ["OIL_CHANGE", "PDI", "OIL_CHANGE", "DIAGNOSTIC", "KEY_PROGRAMMING", "ENGINE_REPAIR"]
VEHICLES = [
    Vehicle(make="Ford"),
    Vehicle(make="Audi", model="Q5"),
    Vehicle(make="Toyota"),
    Vehicle(),
]
TECHS = ["Julie", "Éric", "Karim", "Marc-André", "Sophie", "Nathalie"]
LIMIT_KM = PolicyConfig().max_in_progress_distance_km
#: Few jobs, many steps: jobs get far through their lifecycle instead of piling up.
MAX_JOBS = 5


class LifecycleMachine(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self.runner = asyncio.Runner()
        parser = ScriptedParser()
        self.system = build_memory_system(parser=parser)
        self.demo = self.run(Demo.load(self.system, parser))
        self.job_ids: list[UUID] = []

    def teardown(self) -> None:
        self.runner.close()

    def run(self, coroutine: Coroutine[Any, Any, T]) -> T:
        return self.runner.run(coroutine)

    def attempt(self, job_id: UUID, coroutine: Coroutine[Any, Any, Job]) -> None:
        """Run a use case on a job; a refusal must leave the job exactly as it was."""
        before = self.job(job_id)
        step = coroutine.__qualname__.split(".")[-1]
        try:
            after = self.run(coroutine)
        except REFUSALS as refusal:
            event(f"{step}: {getattr(refusal, 'rule', type(refusal).__name__)}")
            assert before == self.job(job_id)
        else:
            event(f"{step}: done")
            assert after == self.job(job_id)

    def job(self, job_id: UUID) -> Job:
        return self.system.store.tables.jobs[job_id]

    @property
    def jobs(self) -> list[Job]:
        return [self.job(i) for i in self.job_ids]

    def pick(self, data: st.DataObject, *statuses: JobStatus) -> Job:
        """Mostly a job where the step makes sense, sometimes any job (to be refused)."""
        fitting = [j for j in self.jobs if j.status in statuses]
        pool = fitting if fitting and data.draw(st.integers(0, 4), label="fit") else self.jobs
        return data.draw(st.sampled_from(pool), label="job")

    def as_tech_of(self, job: Job, data: st.DataObject) -> Any:
        """Usually the technician holding the job; sometimes someone else."""
        holder = next((n for n, t in self.demo.techs.items() if t.id == job.tech_id), None)
        if holder is not None and data.draw(st.integers(0, 5), label="holder"):
            return self.demo.as_tech(holder)
        return self.demo.as_tech(data.draw(st.sampled_from(TECHS), label="other tech"))

    # --- rules --------------------------------------------------------------------------------

    @initialize(dealer=st.sampled_from(DEALERS), service=st.sampled_from(SERVICES))
    def first_job(self, dealer: str, service: str) -> None:
        self.create_job(dealer, service, VEHICLES[0])

    @precondition(lambda self: len(self.job_ids) < MAX_JOBS)
    @rule(
        dealer=st.sampled_from(DEALERS),
        service=st.sampled_from(SERVICES),
        vehicle=st.sampled_from(VEHICLES),
    )
    def create_job(self, dealer: str, service: str, vehicle: Vehicle) -> None:
        job = self.run(self.demo.new_job(dealer, service, vehicle))
        assert (JobStatus.PENDING, 1) == (job.status, job.version)
        self.job_ids.append(job.id)

    @rule(data=st.data())
    def verify(self, data: st.DataObject) -> None:
        job = self.pick(data, JobStatus.PENDING)
        self.attempt(job.id, self.demo.svc.dispatch.verify(job.id, actor=ADMIN))

    @rule(data=st.data())
    def assign(self, data: st.DataObject) -> None:
        job = self.pick(data, JobStatus.PENDING, JobStatus.SCHEDULED)
        certified = [n for n, t in self.demo.techs.items() if job.service_code in t.skills]
        name = data.draw(st.sampled_from(certified or TECHS) | st.sampled_from(TECHS), label="tech")
        tech_id = self.demo.techs[name].id
        self.attempt(job.id, self.demo.svc.dispatch.assign(job.id, tech_id, actor=ADMIN))

    @rule(data=st.data())
    def unassign(self, data: st.DataObject) -> None:
        job = self.pick(data, JobStatus.SCHEDULED)
        self.attempt(job.id, self.demo.svc.dispatch.unassign(job.id, actor=ADMIN))

    @rule(data=st.data())
    def accept(self, data: st.DataObject) -> None:
        job = self.pick(data, JobStatus.SCHEDULED)
        actor = self.as_tech_of(job, data)
        self.attempt(job.id, self.demo.svc.field.accept(job.id, actor=actor))

    @rule(data=st.data())
    def complete(self, data: st.DataObject) -> None:
        job = self.pick(data, JobStatus.IN_PROGRESS)
        actor = self.as_tech_of(job, data)
        self.attempt(job.id, self.demo.svc.field.complete(job.id, DONE, actor=actor))

    @rule(data=st.data())
    def cancel(self, data: st.DataObject) -> None:
        job = data.draw(st.sampled_from(self.jobs), label="job")  # any job: cancel is rare
        self.attempt(job.id, self.demo.svc.dispatch.cancel(job.id, "dealer called", actor=ADMIN))

    @rule(data=st.data(), by_tech=st.integers(0, 4))
    def approve(self, data: st.DataObject, by_tech: int) -> None:
        job = self.pick(data, JobStatus.COMPLETED)
        actor = self.as_tech_of(job, data) if by_tech == 0 else ADMIN
        self.attempt(job.id, self.demo.svc.billing.approve(job.id, actor=actor))

    @rule(data=st.data())
    def advance(self, data: st.DataObject) -> None:
        """The next step a diligent team would take on some job, so that jobs get far."""
        job = data.draw(st.sampled_from(self.jobs), label="job")
        svc, tech = self.demo.svc, self.as_tech_of(job, data)
        if job.status is JobStatus.PENDING and job.awaiting_verification:
            step = svc.dispatch.verify(job.id, actor=ADMIN)
        elif job.status is JobStatus.PENDING:
            certified = [t for t in self.demo.techs.values() if job.service_code in t.skills]
            chosen = data.draw(st.sampled_from(certified), label="certified") if certified else None
            if chosen is None:
                return
            step = svc.dispatch.assign(job.id, chosen.id, actor=ADMIN)
        elif job.status is JobStatus.SCHEDULED:
            step = svc.field.accept(job.id, actor=tech)
        elif job.status is JobStatus.IN_PROGRESS:
            step = svc.field.complete(job.id, DONE, actor=tech)
        elif job.status is JobStatus.COMPLETED and not job.is_approved:
            step = svc.billing.approve(job.id, actor=ADMIN)
        elif job.invoice_state is InvoiceState.FAILED:
            step = svc.billing.retry(job.id, actor=ADMIN)
        else:
            self.run_tasks()
            return
        self.attempt(job.id, step)

    @rule(data=st.data())
    def advance_more(self, data: st.DataObject) -> None:
        """Rules are drawn uniformly: a second entry makes progress twice as likely."""
        self.advance(data)

    @precondition(lambda self: len(self.system.accounting.fail_with) < 2)
    @rule(kind=st.sampled_from(["transient", "permanent", "not configured"]))
    def accounting_will_fail(self, kind: str) -> None:
        failure: Exception = {
            "transient": IntegrationError("QuickBooks", "503", transient=True),
            "permanent": IntegrationError("QuickBooks", "400", transient=False, code="6000"),
            "not configured": NotConfigured("QuickBooks is not connected"),
        }[kind]
        self.system.accounting.fail_with.append(failure)  # type: ignore[arg-type]

    @rule()
    def run_tasks(self) -> None:
        self.run(self.system.run_tasks())
        event(f"synced jobs: {sum(j.invoice_state is InvoiceState.SYNCED for j in self.jobs)}")

    @rule(
        name=st.sampled_from(["Julie", "Karim", "Marc-André"]),
        status=st.sampled_from([TechnicianStatus.AVAILABLE, TechnicianStatus.OFFLINE]),
    )
    def technician_status(self, name: str, status: TechnicianStatus) -> None:
        tech = self.demo.techs[name]
        self.run(
            self.demo.svc.admin.update("technicians", tech.id, {"status": status}, actor=ADMIN)
        )

    # --- invariants ---------------------------------------------------------------------------

    @invariant()
    def no_job_skips_a_state(self) -> None:
        """Replaying each job's audit trail walks only along ALLOWED_TRANSITIONS."""
        for job in self.jobs:
            entries = [e for e in self.system.store.tables.audit if e.job_id == job.id]
            assert "create" == entries[0].action
            status = JobStatus(entries[0].new_values["status"])
            assert JobStatus.PENDING == status
            for entry in entries[1:]:
                if "status" in entry.new_values:
                    assert status.value == entry.old_values["status"]
                    new = JobStatus(entry.new_values["status"])
                    assert new in ALLOWED_TRANSITIONS[status], (entry.action, status, new)
                    status = new
            assert job.status == status

    @invariant()
    def every_change_has_its_audit_entry_and_event(self) -> None:
        """Version 1 + one per audited change; one event per audit entry."""
        audit_counts: dict[UUID, int] = {}
        for entry in self.system.store.tables.audit:
            if entry.job_id is not None:
                audit_counts[entry.job_id] = audit_counts.get(entry.job_id, 0) + 1
        event_counts: dict[UUID, int] = {}
        for stored in self.system.bus.published:
            event_counts[stored.event.subject_id] = event_counts.get(stored.event.subject_id, 0) + 1
        for job in self.jobs:
            assert job.version == audit_counts[job.id]
            assert audit_counts[job.id] == event_counts[job.id]

    @invariant()
    def only_completed_and_approved_jobs_are_invoiced_once(self) -> None:
        """Accounting holds invoices exactly for the SYNCED jobs, all COMPLETED and approved."""
        synced = {j.id for j in self.jobs if j.invoice_state is InvoiceState.SYNCED}
        assert synced == set(self.system.accounting.invoices)
        for job_id in self.system.accounting.invoices:
            job = self.job(job_id)
            assert (JobStatus.COMPLETED, True) == (job.status, job.is_approved)
            assert self.system.accounting.invoice_ids[job_id] == job.qb_invoice_id

    @invariant()
    def no_technician_works_far_apart(self) -> None:
        """No technician holds two IN_PROGRESS jobs more than 20 km apart."""
        zones = {z.id: z for z in self.demo.zones.values()}
        for tech in self.demo.techs.values():
            working = [
                zones[j.zone_id]
                for j in self.jobs
                if j.tech_id == tech.id and j.status is JobStatus.IN_PROGRESS and j.zone_id
            ]
            for a, b in itertools.combinations(working, 2):
                assert haversine_km(a, b) <= LIMIT_KM, (tech.name, a.name, b.name)

    @invariant()
    def holders_match_statuses(self) -> None:
        """Jobs on the board have no technician; jobs scheduled or started have one, certified."""
        certified = {t.id: t.skills for t in self.demo.techs.values()}
        for job in self.jobs:
            if job.status is JobStatus.PENDING:
                assert job.tech_id is None
            elif job.status in (JobStatus.SCHEDULED, JobStatus.IN_PROGRESS):
                assert job.service_code in certified[job.tech_id]  # type: ignore[index]
            if job.status in (JobStatus.SCHEDULED, JobStatus.IN_PROGRESS) and job.review_reasons:
                assert job.verified_at is not None


LifecycleMachine.TestCase.settings = settings(
    max_examples=200,
    stateful_step_count=50,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
TestJobLifecycle = LifecycleMachine.TestCase
