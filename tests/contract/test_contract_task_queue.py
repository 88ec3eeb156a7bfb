"""Contract of the TaskQueue: a deferred task is queued, and ``not_queued`` names the tasks that
are not, in the order asked, telling kinds apart.

Runs on the memory queue and on procrastinate's. That a task running on a live worker counts as
queued, and one whose worker stopped beating does not, is PostgreSQL's alone: see
tests/integration/postgres/test_tasks_with_changes.py (TestNotQueued).
"""

from __future__ import annotations

from uuid import uuid4

import pytest

from sm2_core.tasks import ParseMessage, SendSms, SyncInvoice

KINDS = [ParseMessage, SendSms, SyncInvoice]


class TestDefer:
    @pytest.mark.parametrize("kind", KINDS, ids=lambda k: k.__name__)
    async def test_a_deferred_task_is_queued(self, task_queue, kind):
        """Each kind of task, once deferred, is no longer reported as not queued."""
        task = kind(uuid4())
        await task_queue.defer(task)
        assert [] == await task_queue.not_queued([task])

    async def test_deferring_the_same_task_twice_is_allowed(self, task_queue):
        """At least once: a second defer of an equal task is accepted, and it is queued."""
        task = ParseMessage(uuid4())
        await task_queue.defer(task)
        await task_queue.defer(ParseMessage(task.message_id))
        assert [] == await task_queue.not_queued([task])

    async def test_deferring_one_task_queues_no_other(self, task_queue):
        """Only the task deferred is queued: another of its kind is not."""
        queued, other = ParseMessage(uuid4()), ParseMessage(uuid4())
        await task_queue.defer(queued)
        assert [other] == await task_queue.not_queued([queued, other])


class TestNotQueued:
    async def test_tasks_never_deferred_are_listed_in_the_order_asked(self, task_queue):
        """The answer keeps the question's order, whatever the order of deferral."""
        first, second, third, fourth = (ParseMessage(uuid4()) for _ in range(4))
        await task_queue.defer(third)
        await task_queue.defer(first)
        assert [fourth, second] == await task_queue.not_queued([fourth, third, second, first])

    async def test_an_empty_question_gets_an_empty_answer(self, task_queue):
        """Nothing asked, nothing listed."""
        await task_queue.defer(ParseMessage(uuid4()))
        assert [] == await task_queue.not_queued([])

    async def test_a_task_of_another_kind_with_the_same_id_is_not_confused(self, task_queue):
        """ParseMessage(x) queued says nothing of SendSms(x) or SyncInvoice(x)."""
        same = uuid4()
        await task_queue.defer(ParseMessage(same))
        assert [SendSms(same), SyncInvoice(same)] == await task_queue.not_queued(
            [SendSms(same), ParseMessage(same), SyncInvoice(same)]
        )

    async def test_asking_changes_nothing(self, task_queue):
        """not_queued only reads: asking twice gives the same answer, and queues nothing."""
        queued, missing = SendSms(uuid4()), SendSms(uuid4())
        await task_queue.defer(queued)
        asked = [missing, queued]
        assert [missing] == await task_queue.not_queued(asked)
        assert [missing] == await task_queue.not_queued(asked)
