"""A parse task takes the other texts waiting for theirs: batches, on the memory system.

The same rules as for a lone text (``test_intake.py`` and ``test_intake_optout.py`` run each
text alone); here several texts share one task, and one of them may fail.
"""

from __future__ import annotations

from uuid import UUID, uuid4

import attrs
import pytest
from core_helpers import Demo, parse_result

from sm2_core.domain.records import InboundMessage, MessageStatus, ReceivedSms
from sm2_core.errors import IntegrationError, InvalidInput
from sm2_core.parsing import ParsedRequest, ParseResult
from sm2_core.services import IntakeService
from sm2_core.tasks import ParseMessage, SendSms

FORD_LEVIS = "+14185550102"
TOYOTA = "+14185550103"
STRANGER = "+15145550199"
TWILIO = "+14185550000"
F150 = ParsedRequest(year=2024, make="Ford", model="F-150", service_code="OIL_CHANGE")
RAV4 = ParsedRequest(year=2022, make="Toyota", model="RAV4", service_code="TIRE_CHANGE")
#: A reading PostgreSQL cannot store (a NUL in the model): its text fails when written.
POISON = ParsedRequest(year=2020, make="Honda", model="Ci\x00vic", service_code="OIL_CHANGE")


async def receive(demo: Demo, body: str, *, sender: str = FORD_LEVIS) -> InboundMessage:
    receipt = await demo.svc.receipt.receive_sms(
        ReceivedSms(sid=f"SM{uuid4().hex}", from_number=sender, to_number=TWILIO, body=body)
    )
    return receipt.message


def stored(demo: Demo, message: InboundMessage) -> InboundMessage:
    return demo.system.store.tables.messages[message.id]


def parses(demo: Demo) -> list[UUID]:
    """The parse tasks waiting, leased or not, by text."""
    tasks = demo.system.tasks
    waiting = [*tasks.pending, *(task for _, task in tasks.scheduled)]
    return [task.message_id for task in waiting if isinstance(task, ParseMessage)]


def intake(demo: Demo, **options: object) -> IntakeService:
    return attrs.evolve(demo.svc.intake, **options)


class TestOneTaskManyTexts:
    async def test_the_task_of_the_first_text_makes_the_jobs_of_all_waiting(
        self, demo: Demo
    ) -> None:
        """Three texts waiting: the first's task parses all three, in the order they came, and
        their own tasks leave the queue; each dealership gets its confirmation queued."""
        demo.parser.reads("two cars", parse_result(F150, RAV4))
        demo.parser.reads("one more", parse_result(F150))
        demo.parser.reads("rav4", parse_result(RAV4))
        first = await receive(demo, "two cars")
        second = await receive(demo, "one more")
        third = await receive(demo, "rav4", sender=TOYOTA)
        jobs = await demo.svc.intake.process_message(first.id)
        codes = {
            m.body: [demo.system.store.tables.jobs[j].job_code for j in stored(demo, m).job_ids]
            for m in (first, second, third)
        }
        assert {
            "two cars": ["SM2-2026-001", "SM2-2026-002"],
            "one more": ["SM2-2026-003"],
            "rav4": ["SM2-2026-004"],
        } == codes
        assert ["SM2-2026-001", "SM2-2026-002"] == [job.job_code for job in jobs]
        assert [] == parses(demo)
        assert [SendSms] * 3 == [type(task) for task in demo.system.tasks.pending]

    async def test_each_text_is_parsed_once(self, demo: Demo) -> None:
        """The texts taken by a batch are not parsed again by their own tasks."""
        for n in range(5):
            demo.parser.reads(f"car {n}", parse_result(F150))
            await receive(demo, f"car {n}")
        await demo.system.run_tasks()
        assert [f"car {n}" for n in range(5)] == [body for body, _ in demo.parser.calls]
        assert 5 == len(demo.system.store.tables.jobs)

    async def test_a_batch_takes_at_most_its_size(self, demo: Demo) -> None:
        """With batches of two, the first task takes one other text; the rest wait for theirs."""
        texts = [await receive(demo, f"car {n}") for n in range(4)]
        await intake(demo, batch_size=2).process_message(texts[0].id)
        statuses = [stored(demo, text).status for text in texts]
        assert [MessageStatus.NO_WORK] * 2 + [MessageStatus.RECEIVED] * 2 == statuses
        assert [texts[2].id, texts[3].id] == parses(demo)

    async def test_every_rule_of_a_lone_text_holds_in_a_batch(self, demo: Demo) -> None:
        """A STOP, a stranger, a thanks and a request in one batch end as each would alone:
        opted out, in the inbox (announced), no work, and a job with its confirmation."""
        demo.parser.reads("oil", parse_result(F150))
        stop = await receive(demo, "STOP", sender=TOYOTA)
        stranger = await receive(demo, "need a tow", sender=STRANGER)
        thanks = await receive(demo, "merci")
        work = await receive(demo, "oil")
        await demo.svc.intake.process_message(stop.id)
        assert [
            MessageStatus.NO_WORK,
            MessageStatus.UNMATCHED,
            MessageStatus.NO_WORK,
            MessageStatus.PROCESSED,
        ] == [stored(demo, m).status for m in (stop, stranger, thanks, work)]
        async with demo.system.store.unit_of_work() as uow:
            assert await uow.opt_outs.get(TOYOTA) is not None
        # Each text's events in the batch's order (those making jobs last, with their jobs).
        assert [
            "optout.changed",
            "conversation.updated",
            "message.unmatched",
            "conversation.updated",
            "conversation.updated",
            "job.created",
            "conversation.updated",
        ] == demo.system.bus.names[-7:]
        assert ["merci", "oil"] == [body for body, _ in demo.parser.calls]
        assert [SendSms] == [type(task) for task in demo.system.tasks.pending]


class TestAFailingText:
    async def test_a_text_that_cannot_be_written_costs_the_others_nothing(self, demo: Demo) -> None:
        """The batch fails as a whole, then each text goes alone: the two good texts get their
        jobs, the poisoned one stays waiting, its task leased until it runs on its own."""
        demo.parser.reads("good 1", parse_result(F150))
        demo.parser.reads("poison", parse_result(POISON))
        demo.parser.reads("good 2", parse_result(RAV4))
        good1 = await receive(demo, "good 1")
        poison = await receive(demo, "poison")
        good2 = await receive(demo, "good 2")
        jobs = await demo.svc.intake.process_message(good1.id)
        assert [MessageStatus.PROCESSED, MessageStatus.RECEIVED, MessageStatus.PROCESSED] == [
            stored(demo, m).status for m in (good1, poison, good2)
        ]
        assert (1, 2) == (len(jobs), len(demo.system.store.tables.jobs))
        assert [poison.id] == parses(demo)
        assert [] == [t for t in demo.system.tasks.pending if isinstance(t, ParseMessage)]

    async def test_the_failed_text_runs_on_its_own_once_its_lease_runs_out(
        self, demo: Demo
    ) -> None:
        """Its own task, due again after the lease, fails with the text's own error and takes
        no other text with it (it is retried as a lone text by the queue)."""
        demo.parser.reads("poison", parse_result(POISON))
        demo.parser.reads("good", parse_result(F150))
        first = await receive(demo, "good")
        poison = await receive(demo, "poison")
        await demo.svc.intake.process_message(first.id)
        later = await receive(demo, "good")
        demo.system.clock.advance(seconds=61)
        with pytest.raises(InvalidInput):
            await demo.system.run_tasks()
        assert (MessageStatus.RECEIVED, MessageStatus.PROCESSED) == (
            stored(demo, poison).status,
            stored(demo, later).status,
        )

    async def test_the_tasks_own_text_raises_its_error_after_the_others_are_written(
        self, demo: Demo
    ) -> None:
        """The task of a poisoned text fails (the queue retries it), but only after the texts
        it took along were written."""
        demo.parser.reads("poison", parse_result(POISON))
        demo.parser.reads("good", parse_result(F150))
        poison = await receive(demo, "poison")
        good = await receive(demo, "good")
        with pytest.raises(InvalidInput):
            await demo.svc.intake.process_message(poison.id)
        assert (MessageStatus.RECEIVED, MessageStatus.PROCESSED) == (
            stored(demo, poison).status,
            stored(demo, good).status,
        )

    async def test_a_reading_that_fails_holds_back_no_other(self, demo: Demo) -> None:
        """The parser fails on one text (the LLM's limiter unreachable, say): the others are
        written; that text waits for its own task."""
        demo.parser.reads("good", parse_result(F150))
        good = await receive(demo, "good")
        broken = await receive(demo, "broken")
        failing = FailingParser(demo.parser.script, fail_on="broken")
        await intake(demo, parser=failing).process_message(good.id)
        assert (MessageStatus.PROCESSED, MessageStatus.RECEIVED) == (
            stored(demo, good).status,
            stored(demo, broken).status,
        )
        assert [broken.id] == parses(demo)


class TestLeases:
    async def test_a_leased_text_is_no_other_batchs(self, demo: Demo) -> None:
        """A text another task holds is skipped: the next batch takes the texts after it."""
        texts = [await receive(demo, f"car {n}") for n in range(3)]
        async with demo.system.store.unit_of_work() as uow:
            leased = await uow.backlog.lease(texts[0].id, more=1, seconds=60)
        async with demo.system.store.unit_of_work() as uow:
            others = await uow.backlog.lease(texts[0].id, more=5, seconds=60)
        assert [texts[0].id, texts[1].id] == [m.id for m in leased]
        assert [texts[0].id, texts[2].id] == [m.id for m in others]

    async def test_a_lease_never_finished_is_due_again_on_its_own(self, demo: Demo) -> None:
        """A worker that leased texts and died: after the lease they run on their own tasks,
        and no batch takes them meanwhile."""
        texts = [await receive(demo, f"car {n}") for n in range(3)]
        async with demo.system.store.unit_of_work() as uow:
            await uow.backlog.lease(texts[0].id, more=2, seconds=60)
        demo.system.tasks.pending.clear()  # the task of the first text died with its worker
        await demo.system.run_tasks()
        assert [MessageStatus.RECEIVED] * 3 == [stored(demo, t).status for t in texts]
        demo.system.clock.advance(seconds=61)
        await demo.system.run_tasks()
        assert [MessageStatus.RECEIVED] + [MessageStatus.NO_WORK] * 2 == [
            stored(demo, t).status for t in texts
        ]
        assert ["car 1", "car 2"] == [body for body, _ in demo.parser.calls]


@attrs.define
class FailingParser:
    script: dict[str, ParseResult]
    fail_on: str

    async def parse(self, body: str, *, dealership_id: UUID | None = None) -> ParseResult:
        if body == self.fail_on:
            raise IntegrationError("llm", "the limiter is unreachable", transient=True)
        return self.script.get(body, parse_result())
