"""The safety net of intake: texts stored but never parsed are queued again."""

from __future__ import annotations

from sm2_adapters.memory import MemorySystem
from sm2_core.domain.records import ReceivedSms
from sm2_core.tasks import ParseMessage


class TestRequeueWaiting:
    async def test_a_text_whose_task_was_lost_is_parsed_later(self, system: MemorySystem) -> None:
        """A stored text whose parse task vanished gets a new task once it is old enough."""
        from sm2_adapters.seed import seed_demo

        await seed_demo(system.services)
        await system.services.receipt.receive_sms(
            ReceivedSms(sid="SMlost", from_number="+14185550103", to_number="+1418", body="x")
        )
        system.tasks.pending.clear()  # the worker died before the task was written
        assert 0 == await system.services.receipt.requeue_waiting()
        system.clock.advance(minutes=3)
        assert 1 == await system.services.receipt.requeue_waiting()
        assert [ParseMessage] == [type(task) for task in system.tasks.pending]

    async def test_a_text_still_in_the_backlog_gets_no_second_task(
        self, system: MemorySystem
    ) -> None:
        """Old but still queued (a long backlog): its task is there, none is added."""
        from sm2_adapters.seed import seed_demo

        await seed_demo(system.services)
        await system.services.receipt.receive_sms(
            ReceivedSms(sid="SMqueued", from_number="+14185550103", to_number="+1418", body="x")
        )
        system.clock.advance(minutes=30)
        assert 0 == await system.services.receipt.requeue_waiting()
        assert [ParseMessage] == [type(task) for task in system.tasks.pending]

    async def test_parsed_and_unmatched_texts_are_left_alone(self, system: MemorySystem) -> None:
        """Only matched texts still waiting for their parse are queued again."""
        from sm2_adapters.seed import seed_demo

        await seed_demo(system.services)
        await system.services.receipt.receive_sms(
            ReceivedSms(sid="SMdone", from_number="+14185550103", to_number="+1418", body="x")
        )
        await system.services.receipt.receive_sms(
            ReceivedSms(sid="SMunknown", from_number="+15145550000", to_number="+1418", body="x")
        )
        await system.run_tasks()
        system.clock.advance(minutes=10)
        assert 0 == await system.services.receipt.requeue_waiting()
