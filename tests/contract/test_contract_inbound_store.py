"""Contract of the InboundStore: a new text and its ParseMessage task are stored together,
exactly once per sid, and a text the store refuses leaves nothing behind.

Runs on ``StoreAndQueue`` over the memory store and over PostgreSQL units of work, and on
PostgreSQL's group-commit store.
"""

from __future__ import annotations

import asyncio

import factories as f
import pytest

from sm2_core.errors import AlreadyExists, InvalidInput
from sm2_core.tasks import ParseMessage

#: No test here may hang: every gather runs under this many seconds.
DEADLINE = 20


async def gather(*aws):
    async with asyncio.timeout(DEADLINE):
        return await asyncio.gather(*aws)


class TestNewText:
    async def test_a_new_text_is_stored_and_its_parse_task_queued(self, inbound):
        """The text comes back as given, created; it is stored; one ParseMessage names it."""
        message = f.message()
        result = await inbound.store.store_and_queue(message)
        assert (message, True) == result
        async with inbound.uow() as uow:
            assert message == await uow.messages.get(message.id)
        assert [ParseMessage(message_id=message.id)] == await inbound.queued()

    async def test_every_field_of_the_text_is_kept(self, inbound):
        """Accents, quotes, media count and microseconds survive the store."""
        message = f.message(body="Pneus d'hiver «Civic» 2020 — merci", num_media=2)
        await inbound.store.store_and_queue(message)
        async with inbound.uow() as uow:
            assert message == await uow.messages.get(message.id)

    async def test_distinct_texts_at_once_are_all_stored_each_with_its_task(self, inbound):
        """Ten texts delivered together: each created as given, each with one task."""
        messages = [f.message() for _ in range(10)]
        results = await gather(*(inbound.store.store_and_queue(m) for m in messages))
        assert [(m, True) for m in messages] == results
        assert sorted(m.sid for m in messages) == await inbound.sids()
        queued = await inbound.queued()
        assert sorted(str(m.id) for m in messages) == sorted(
            str(t.message_id) for t in queued if isinstance(t, ParseMessage)
        )
        assert 10 == len(queued)


class TestRepeatedDelivery:
    async def test_a_repeated_sid_returns_the_first_text_and_queues_nothing(self, inbound):
        """A second delivery (new id, other body) answers the first text, not created."""
        first = f.message(body="first")
        await inbound.store.store_and_queue(first)
        again = f.message(sid=first.sid, body="second", from_number=f.phone())
        assert (first, False) == await inbound.store.store_and_queue(again)
        assert [first.sid] == await inbound.sids()
        assert [ParseMessage(message_id=first.id)] == await inbound.queued()

    async def test_the_same_message_stored_twice_is_a_repeat(self, inbound):
        """The very same text again (same id, same sid): not created, one task."""
        message = f.message()
        await inbound.store.store_and_queue(message)
        assert (message, False) == await inbound.store.store_and_queue(message)
        assert [ParseMessage(message_id=message.id)] == await inbound.queued()

    async def test_concurrent_deliveries_of_one_sid_store_one_text_and_one_task(self, inbound):
        """Eight deliveries of one sid at once, each with its own id (as receipt makes them):
        one created, all answered with that text, one task naming it."""
        sid = f.message().sid
        deliveries = [f.message(sid=sid) for _ in range(8)]
        results = await gather(*(inbound.store.store_and_queue(m) for m in deliveries))
        assert 1 == sum(created for _, created in results)
        (winner,) = {stored for stored, _ in results}
        assert winner in deliveries
        assert [sid] == await inbound.sids()
        assert [ParseMessage(message_id=winner.id)] == await inbound.queued()

    async def test_the_same_message_delivered_concurrently_is_created_once(self, inbound):
        """The very same text eight times at once: one 'created', one task."""
        message = f.message()
        results = await gather(*(inbound.store.store_and_queue(message) for _ in range(8)))
        assert 1 == sum(created for _, created in results)
        assert {message} == {stored for stored, _ in results}
        assert [ParseMessage(message_id=message.id)] == await inbound.queued()


class TestRefusal:
    async def test_a_text_whose_id_is_taken_is_refused_and_leaves_nothing(self, inbound):
        """A new sid under a stored text's id: AlreadyExists, no second text, no second task;
        the same sid under a fresh id is then stored as new."""
        stored = f.message()
        await inbound.store.store_and_queue(stored)
        clash = f.message(id=stored.id)
        with pytest.raises(AlreadyExists):
            await inbound.store.store_and_queue(clash)
        assert [stored.sid] == await inbound.sids()
        assert [ParseMessage(message_id=stored.id)] == await inbound.queued()
        retry = f.message(sid=clash.sid)
        assert (retry, True) == await inbound.store.store_and_queue(retry)

    @pytest.mark.parametrize("field", ["body", "from_number", "to_number", "sid"])
    async def test_a_text_postgresql_cannot_store_is_refused_everywhere(self, inbound, field: str):
        """A NUL character in a field: InvalidInput, no text, no task (the fake refuses what
        the database refuses, so tests on it do not pass what production fails)."""
        message = f.message()
        message = f.message(**{field: getattr(message, field) + "\x00"})
        with pytest.raises(InvalidInput):
            await inbound.store.store_and_queue(message)
        assert ([], []) == (await inbound.sids(), await inbound.queued())
