"""The business rules as invariants over a whole system's state (issue 14's proof).

Shared by the memory state machine (tests/unit/core/test_rules_state_machine.py) and the
concurrent workload on PostgreSQL (tests/integration/postgres/test_rules_under_concurrency.py):
each reads the system into a :class:`State`, and :func:`violations` lists every rule broken,
one sentence per job or technician at fault, so a test asserts ``[] == violations(state)``.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterable, Mapping
from datetime import datetime, timedelta
from typing import Any
from uuid import UUID

import attrs

from sm2_adapters.memory import MemorySystem, RecordingAccounting
from sm2_core.derivation import derive_job
from sm2_core.domain.entities import Dealership, RankingRule, Service, Technician, Zone
from sm2_core.domain.enums import InvoiceState, JobStatus, TechnicianStatus
from sm2_core.domain.job import Job
from sm2_core.domain.records import AuditEntry
from sm2_core.domain.window import Window
from sm2_core.policies import PolicyConfig, haversine_km, status_for_work
from sm2_core.ports import JobFilter, UnitOfWork, UnitOfWorkFactory
from sm2_core.serialize import plain

CONFIG = PolicyConfig()
#: Bookkeeping that the audit trail does not replay.
UNREPLAYED = ("version", "updated_at", "allow_overlap", "overlaps")
"""Bookkeeping, and an admin's confirmation of an overlap (recorded with the change, not a
field of the job)."""
#: Where a job's time fields sit in ``plain(job)``: compared as instants, not as text, since
#: PostgreSQL may hand a time back in another offset than the one the audit entry recorded.
TIME_FIELDS = (
    "created_at",
    "verified_at",
    "approved_at",
    "window_start",
    "window_end",
    "proposed_start",
    "proposed_end",
)
#: An admin's word on a technician that the work never overwrites.
ADMIN_ONLY = (TechnicianStatus.OFFLINE, TechnicianStatus.ON_LEAVE)


@attrs.frozen
class Facts:
    """The reference data a job's derivation reads, as it was at one moment."""

    dealerships: Mapping[UUID, Dealership]
    services: Mapping[UUID, Service]
    rules: tuple[RankingRule, ...]
    """The active ranking rules."""


@attrs.frozen
class State:
    """Everything the invariants look at, read at one moment."""

    jobs: tuple[Job, ...]
    technicians: tuple[Technician, ...]
    zones: Mapping[UUID, Zone]
    timelines: Mapping[UUID, tuple[AuditEntry, ...]]
    """Each job's audit entries (subject ``job``), oldest first."""
    invoices: Mapping[UUID, str]
    """Job id → the invoice number the accounting fake made for it."""
    accounting_calls: int
    """How many times the accounting was asked for an invoice."""
    facts: Facts
    """The reference data now."""


def current_facts(
    dealerships: Iterable[Dealership], services: Iterable[Service], rules: Iterable[RankingRule]
) -> Facts:
    return Facts(
        dealerships={d.id: d for d in dealerships},
        services={s.id: s for s in services},
        rules=tuple(r for r in rules if r.is_active),
    )


def memory_state(system: MemorySystem) -> State:
    """The memory system's state, read straight from its tables."""
    t = system.store.tables
    timelines: dict[UUID, list[AuditEntry]] = {job_id: [] for job_id in t.jobs}
    for entry in t.audit:
        if entry.subject == "job":
            timelines.setdefault(entry.subject_id, []).append(entry)
    return State(
        jobs=tuple(t.jobs.values()),
        technicians=tuple(t.technicians.values()),
        zones=dict(t.zones),
        timelines={k: tuple(v) for k, v in timelines.items()},
        invoices=dict(system.accounting.invoice_ids),
        accounting_calls=system.accounting.calls,
        facts=current_facts(t.dealerships.values(), t.services.values(), t.rules.values()),
    )


async def stored_state(uow: UnitOfWorkFactory, accounting: RecordingAccounting) -> State:
    """The state as a unit of work reads it (PostgreSQL), in one transaction."""
    async with uow() as u:
        return await read_state(u, accounting)


async def read_state(u: UnitOfWork, accounting: RecordingAccounting) -> State:
    """The state as the caller's unit of work reads it."""
    jobs: list[Job] = []
    cursor: str | None = None
    while True:
        page = await u.jobs.search(JobFilter(), limit=200, cursor=cursor)
        jobs.extend(page.items)
        if (cursor := page.next_cursor) is None:
            break
    return State(
        jobs=tuple(jobs),
        technicians=tuple(await u.technicians.all(include_inactive=True)),
        zones={z.id: z for z in await u.zones.all(include_inactive=True)},
        timelines={job.id: tuple(await u.audit.for_subject("job", job.id)) for job in jobs},
        invoices=dict(accounting.invoice_ids),
        accounting_calls=accounting.calls,
        facts=current_facts(
            await u.dealerships.all(include_inactive=True),
            await u.services.all(include_inactive=True),
            await u.rules.all(),
        ),
    )


# --- the invariants -----------------------------------------------------------------------


def held_jobs_stay_off_the_field(state: State) -> list[str]:
    """No job is IN_PROGRESS, COMPLETED or invoiced while it awaits verification."""
    return [
        f"{job.job_code} is {job.status.value}/{job.invoice_state.value} but awaits "
        f"verification for {list(job.review_reasons)}"
        for job in state.jobs
        if job.awaiting_verification
        and (
            job.status in (JobStatus.IN_PROGRESS, JobStatus.COMPLETED)
            or job.invoice_state is InvoiceState.SYNCED
        )
    ]


def no_work_far_apart(state: State) -> list[str]:
    """No technician holds two IN_PROGRESS jobs whose zones are more than 20 km apart."""
    found = []
    limit = CONFIG.max_in_progress_distance_km
    for tech in state.technicians:
        working = [
            j
            for j in state.jobs
            if j.tech_id == tech.id and j.status is JobStatus.IN_PROGRESS and j.zone_id
        ]
        for a, b in itertools.combinations(working, 2):
            za, zb = state.zones[a.zone_id], state.zones[b.zone_id]  # type: ignore[index]
            distance = haversine_km(za, zb)
            if distance > limit:
                found.append(
                    f"{tech.name} works {a.job_code} in {za.name} and {b.job_code} in "
                    f"{zb.name}, {distance:.1f} km apart"
                )
    return found


def invoices_only_for_approved_work(state: State) -> list[str]:
    """Invoices exist exactly for the SYNCED jobs, each COMPLETED and approved, one per job."""
    jobs = {j.id: j for j in state.jobs}
    found = []
    for job_id, invoice_id in state.invoices.items():
        job = jobs.get(job_id)
        if job is None:
            found.append(f"invoice {invoice_id} for a job that does not exist ({job_id})")
        elif (job.status, job.is_approved) != (JobStatus.COMPLETED, True):
            found.append(
                f"invoice {invoice_id} for {job.job_code}, {job.status.value}, "
                f"approved={job.is_approved}"
            )
        elif (job.invoice_state, job.qb_invoice_id) != (InvoiceState.SYNCED, invoice_id):
            found.append(
                f"invoice {invoice_id} for {job.job_code} whose invoice is "
                f"{job.invoice_state.value} #{job.qb_invoice_id}"
            )
    found += [
        f"{job.job_code} is SYNCED as #{job.qb_invoice_id} but no invoice was made"
        for job in state.jobs
        if job.invoice_state is InvoiceState.SYNCED and job.id not in state.invoices
    ]
    found += [
        f"{jobs[job_id].job_code} was recorded as invoiced {n} times"
        for job_id, timeline in state.timelines.items()
        if (n := sum(e.action == "invoice_synced" for e in timeline)) > 1
    ]
    if state.accounting_calls != len(state.invoices):
        found.append(
            f"the accounting was asked {state.accounting_calls} times for "
            f"{len(state.invoices)} invoices"
        )
    return found


def derived_from_facts(state: State, facts_for: Callable[[Job], Facts]) -> list[str]:
    """Urgency, score, applied rules and review reasons are the pure derivation of the job's
    facts with the reference data and rules ``facts_for`` says were in force for it."""
    found = []
    for job in state.jobs:
        facts = facts_for(job)
        service = facts.services[job.service_id] if job.service_id else None
        derived = derive_job(
            job,
            dealership=facts.dealerships[job.dealership_id],
            service=service,
            rules=facts.rules,
            config=CONFIG,
        )
        expected = (
            derived.urgency,
            derived.ranking_score,
            derived.applied_rules,
            derived.review_reasons,
        )
        actual = (job.urgency, job.ranking_score, job.applied_rules, job.review_reasons)
        if expected != actual:
            found.append(f"{job.job_code} is {actual}, its facts make it {expected}")
    return found


def audit_replays_the_job(state: State) -> list[str]:
    """One audit entry per change (the version counts them), and replaying the entries' new
    values from the ``create`` entry rebuilds the job."""
    found = []
    for job in state.jobs:
        timeline = state.timelines.get(job.id, ())
        if len(timeline) != job.version:
            found.append(f"{job.job_code} is version {job.version} with {len(timeline)} entries")
        if not timeline or timeline[0].action != "create":
            found.append(f"{job.job_code}'s audit trail does not start with its creation")
            continue
        replayed: dict[str, Any] = {}
        for entry in timeline:
            replayed.update(entry.new_values)
        expected, actual = _comparable(plain(job)), _comparable(replayed)
        if expected != actual:
            fields = sorted(
                k for k in expected.keys() | actual.keys() if expected.get(k) != actual.get(k)
            )
            found.append(
                f"{job.job_code}'s audit replays to {[(k, actual.get(k)) for k in fields]}, "
                f"the job has {[(k, expected.get(k)) for k in fields]}"
            )
    return found


def no_booking_overlaps_unconfirmed(state: State) -> list[str]:
    """A technician's open jobs' windows do not overlap, unless an admin confirmed booking one
    of the two anyway (``allow_overlap`` in its audit trail). Without a service duration at
    hand, a window without an end counts as one minute: every service lasts longer, so the
    core's own check is stricter than this one."""
    confirmed = {
        job_id
        for job_id, timeline in state.timelines.items()
        if any(e.new_values.get("allow_overlap") for e in timeline)
    }
    found = []
    open_jobs = [
        j
        for j in state.jobs
        if j.status in (JobStatus.SCHEDULED, JobStatus.IN_PROGRESS) and j.window_start
    ]
    for i, a in enumerate(open_jobs):
        for b in open_jobs[i + 1 :]:
            if a.tech_id != b.tech_id or {a.id, b.id} & confirmed:
                continue
            if _span(a).overlaps(_span(b)):
                found.append(f"{a.job_code} and {b.job_code} overlap unconfirmed")
    return found


def _span(job: Job) -> Window:
    assert job.window_start is not None
    return Window(job.window_start, job.window_end or job.window_start + timedelta(minutes=1))


def technician_status_follows_work(
    state: State, admin_set: Mapping[UUID, TechnicianStatus] | None = None
) -> list[str]:
    """BUSY iff a job is IN_PROGRESS (``policies.status_for_work``), unless an admin set
    OFFLINE or ON_LEAVE, which stays; ``admin_set`` is each technician's last status an admin
    chose, when the caller knows it."""
    found = []
    for tech in state.technicians:
        working = any(
            j.tech_id == tech.id and j.status is JobStatus.IN_PROGRESS for j in state.jobs
        )
        settled = status_for_work(tech.status, working=working)
        chosen = (admin_set or {}).get(tech.id)
        if settled is not tech.status:
            found.append(
                f"{tech.name} is {tech.status.value} with{'' if working else ' no'} job "
                f"in progress (expected {settled.value})"
            )
        elif chosen in ADMIN_ONLY and tech.status is not chosen:
            found.append(f"{tech.name} is {tech.status.value}, an admin set {chosen.value}")
    return found


def violations(
    state: State,
    *,
    facts_for: Callable[[Job], Facts] | None = None,
    admin_set: Mapping[UUID, TechnicianStatus] | None = None,
    at_rest: bool = True,
) -> list[str]:
    """Every invariant; ``facts_for`` defaults to the reference data now.

    ``at_rest=False`` leaves out the invoices, for a state read while the invoice task may be
    between the accounting and the database: every other invariant holds in every committed
    state."""
    return [
        *held_jobs_stay_off_the_field(state),
        *no_work_far_apart(state),
        *(invoices_only_for_approved_work(state) if at_rest else ()),
        *derived_from_facts(state, facts_for or (lambda job: state.facts)),
        *audit_replays_the_job(state),
        *technician_status_follows_work(state, admin_set),
        *no_booking_overlaps_unconfirmed(state),
    ]


def _comparable(job: dict[str, Any]) -> dict[str, Any]:
    data = {k: v for k, v in job.items() if k not in UNREPLAYED}
    for name in TIME_FIELDS:
        data[name] = _instant(data.get(name))
    if isinstance(data.get("completion"), dict):
        completion = dict(data["completion"])
        completion["completed_at"] = _instant(completion.get("completed_at"))
        data["completion"] = completion
    return data


def _instant(value: Any) -> Any:
    return datetime.fromisoformat(value) if isinstance(value, str) else value
