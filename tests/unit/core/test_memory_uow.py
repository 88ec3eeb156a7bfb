"""The memory fakes keep the real adapters' promises: transactions, versions, codes, idempotency."""

from __future__ import annotations

from datetime import UTC, datetime
from uuid import uuid4

import attrs
import pytest
from core_helpers import ADMIN, FORD_F150, Demo

from sm2_adapters.memory import MemorySystem
from sm2_core.domain.entities import Zone
from sm2_core.domain.enums import JobStatus
from sm2_core.domain.job import Job
from sm2_core.domain.records import DomainEvent, InboundMessage
from sm2_core.errors import AlreadyExists, IntegrationError, InvalidInput, NotFound, StaleVersion
from sm2_core.ports import JobFilter
from sm2_core.tasks import TASKS, SendSms, SyncInvoice, TaskPayload

NOW = datetime(2026, 11, 25, 13, 0, tzinfo=UTC)
LEVIS = Zone(id=uuid4(), name="Lévis", latitude=46.7382, longitude=-71.2465)


class Boom(Exception):
    pass


def _event() -> DomainEvent:
    return DomainEvent(name="zone.created", subject_id=LEVIS.id, occurred_at=NOW)


async def _failing_unit(system: MemorySystem) -> None:
    """A unit that writes to two tables, queues an event and a task, then fails."""
    async with system.store.unit_of_work() as uow:
        await uow.zones.add(LEVIS)
        await uow.jobs.next_code(2026)
        uow.events.add(_event())
        uow.tasks.add(SendSms(uuid4()))
        raise Boom


class TestUnitOfWork:
    async def test_error_rolls_back_every_write(self, system: MemorySystem) -> None:
        """An exception inside the unit undoes its writes, in every table."""
        store = system.store
        with pytest.raises(Boom):
            await _failing_unit(system)
        async with store.unit_of_work() as uow:
            assert ([], "SM2-2026-001") == (await uow.zones.all(), await uow.jobs.next_code(2026))
        assert 1 == store.rollbacks

    async def test_rolled_back_events_are_never_published(self, system: MemorySystem) -> None:
        """Watchers never hear of a change that did not happen."""
        with pytest.raises(Boom):
            await _failing_unit(system)
        assert [] == system.bus.names

    async def test_events_are_published_after_commit(self, system: MemorySystem) -> None:
        """A committed unit publishes its events, in order, numbered."""
        async with system.store.unit_of_work() as uow:
            await uow.zones.add(LEVIS)
            uow.events.add(_event())
            uow.events.add(attrs.evolve(_event(), name="zone.updated"))
            assert [] == system.bus.names
        assert [(1, "zone.created"), (2, "zone.updated")] == [
            (s.id, s.event.name) for s in system.bus.published
        ]

    async def test_tasks_are_queued_only_when_the_unit_commits(self, system: MemorySystem) -> None:
        """A task added in a failed unit never runs; one added in a committed unit does."""
        with pytest.raises(Boom):
            await _failing_unit(system)
        assert [] == system.tasks.pending
        async with system.store.unit_of_work() as uow:
            uow.tasks.add(SendSms(kept := uuid4()))
        assert [SendSms(kept)] == system.tasks.pending

    async def test_a_failed_unit_does_not_block_the_next(self, system: MemorySystem) -> None:
        """The store stays usable after a rollback (its lock is released)."""
        with pytest.raises(Boom):
            await _failing_unit(system)
        async with system.store.unit_of_work() as uow:
            await uow.zones.add(LEVIS)
        assert 1 == system.store.commits

    async def test_use_case_failing_midway_leaves_nothing(self, demo: Demo) -> None:
        """A rule refusing the second of two writes leaves the first undone too."""
        job = await demo.new_job()
        with pytest.raises(NotFound):  # the edit is saved, then the technician is not found
            await demo.svc.dispatch.update(
                job.id, actor=ADMIN, expected_version=1, urgency=job.urgency.LOW, tech_id=uuid4()
            )
        assert job == await demo.job(job.id)
        assert ["job.created"] == demo.events_for(job.id)


def _job(code: str = "SM2-2026-001") -> Job:
    return Job(
        id=uuid4(), job_code=code, dealership_id=uuid4(), vehicle=FORD_F150, created_at=NOW,
        updated_at=NOW,
    )  # fmt: skip


class TestJobRepository:
    async def test_update_checks_and_bumps_the_version(self, system: MemorySystem) -> None:
        """Saving a current copy returns it as the next version; an old copy is StaleVersion."""
        job = _job()
        async with system.store.unit_of_work() as uow:
            await uow.jobs.add(job)
            saved = await uow.jobs.update(attrs.evolve(job, status=JobStatus.CANCELLED))
            with pytest.raises(StaleVersion):
                await uow.jobs.update(job)
        assert (2, JobStatus.CANCELLED) == (saved.version, saved.status)

    async def test_codes_count_up_per_year(self, system: MemorySystem) -> None:
        """Each year starts again at 001."""
        async with system.store.unit_of_work() as uow:
            codes = [await uow.jobs.next_code(y) for y in (2026, 2026, 2027, 2026)]
        assert ["SM2-2026-001", "SM2-2026-002", "SM2-2027-001", "SM2-2026-003"] == codes

    async def test_job_codes_are_unique(self, system: MemorySystem) -> None:
        """Two jobs cannot share a code."""
        async with system.store.unit_of_work() as uow:
            await uow.jobs.add(_job())
            with pytest.raises(AlreadyExists):
                await uow.jobs.add(_job())

    async def test_pages_follow_each_other_without_gaps(self, demo: Demo) -> None:
        """Paging with the cursor visits every job once, in board order (here: oldest first)."""
        for _ in range(5):
            await demo.new_job()
            demo.system.clock.advance(minutes=1)
        seen: list[str] = []
        cursor: str | None = None
        while True:
            page = await demo.svc.dispatch.list_jobs(JobFilter(), limit=2, cursor=cursor)
            seen.extend(j.job_code for j in page.items)
            if (cursor := page.next_cursor) is None:
                break
        assert [f"SM2-2026-00{n}" for n in range(1, 6)] == seen

    async def test_foreign_cursor_is_refused(self, demo: Demo) -> None:
        """A cursor this list did not make is InvalidInput."""
        with pytest.raises(InvalidInput):
            await demo.svc.dispatch.list_jobs(JobFilter(), cursor="not-a-cursor")


class TestMessagesAndQueue:
    async def test_message_store_is_idempotent_on_sid(self, system: MemorySystem) -> None:
        """Adding a message with a known sid returns the stored one, not a new row."""
        first = InboundMessage(
            id=uuid4(), sid="SM1", from_number="+1", to_number="+2", body="a", received_at=NOW
        )
        async with system.store.unit_of_work() as uow:
            stored, new = await uow.messages.add(first)
            again, again_new = await uow.messages.add(attrs.evolve(first, id=uuid4(), body="b"))
        assert (True, False, first) == (new, again_new, again)
        assert stored == first

    async def test_queue_retries_transient_failures_only(self, system: MemorySystem) -> None:
        """Transient errors are retried up to three attempts; others fail at once."""
        attempts: list[TaskPayload] = []

        flaky, broken = SendSms(uuid4()), SyncInvoice(uuid4())

        async def handler(task: TaskPayload) -> None:
            attempts.append(task)
            raise IntegrationError("X", "down", transient=task == flaky)

        await system.tasks.defer(flaky)
        await system.tasks.defer(broken)
        await system.tasks.run_all(handler)
        assert (3, 1) == (attempts.count(flaky), attempts.count(broken))
        assert [broken, flaky] == [task for task, _ in system.tasks.failed]


class TestTaskRouting:
    async def test_unknown_task_is_refused(self, system: MemorySystem) -> None:
        """A worker handed a task nobody defined gets InvalidInput, not a silent success."""
        with pytest.raises(InvalidInput):
            TASKS.decode("mine_bitcoin", {})

    @pytest.mark.parametrize("payload", [{}, {"job_id": "not-a-uuid"}])
    async def test_bad_payload_is_refused(
        self, system: MemorySystem, payload: dict[str, str]
    ) -> None:
        """A task whose payload lacks a valid id is InvalidInput naming the task."""
        with pytest.raises(InvalidInput, match="sync_invoice"):
            TASKS.decode("sync_invoice", payload)
