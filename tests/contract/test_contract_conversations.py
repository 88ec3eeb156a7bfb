"""Contract of the conversation repository: texts in and out per number, the list of
conversations with its pages and unread counts, and read marks."""

from __future__ import annotations

import factories as f
import pytest

from sm2_core.domain.conversations import Direction
from sm2_core.domain.records import MessageStatus, OutboundKind, OutboundStatus
from sm2_core.errors import InvalidInput
from sm2_core.ports import UnitOfWorkFactory


async def add(factory: UnitOfWorkFactory, *records: object) -> None:
    async with factory() as uow:
        for record in records:
            if hasattr(record, "from_number"):
                await uow.messages.add(record)  # type: ignore[arg-type]
            else:
                await uow.outbox.add(record)  # type: ignore[arg-type]


class TestThread:
    async def test_in_and_out_oldest_first_an_answer_after_its_question(self, uow_factory):
        """By time; at the same moment the text in comes before the text out."""
        phone = f.phone()
        asked = f.message(from_number=phone, body="oil change?", received_at=f.at(10))
        answer = f.sms(to_number=phone, body="Job received", created_at=f.at(10))
        first = f.sms(to_number=phone, body="Hello", created_at=f.at(1))
        late = f.message(from_number=phone, body="thanks", received_at=f.at(20))
        other = f.message(body="not this number", received_at=f.at(5))
        await add(uow_factory, answer, late, first, asked, other)
        async with uow_factory() as uow:
            thread = await uow.conversations.thread(phone)
        assert [
            (Direction.OUT, "Hello"),
            (Direction.IN, "oil change?"),
            (Direction.OUT, "Job received"),
            (Direction.IN, "thanks"),
        ] == [(m.direction, m.body) for m in thread]

    async def test_each_text_carries_its_state_and_its_jobs_codes(self, uow_factory):
        """A text in: its intake status; a text out: its delivery status, kind, author, error;
        both with the codes of their jobs."""
        world = await f.add_world(uow_factory)
        job = f.job(world.dealership.id)
        async with uow_factory() as uow:
            await uow.jobs.add(job)
        phone = world.dealership.phone
        inbound = f.message(
            from_number=phone,
            status=MessageStatus.PROCESSED,
            job_ids=(job.id,),
            dealership_id=world.dealership.id,
            received_at=f.at(1),
        )
        reply = f.sms(
            to_number=phone,
            created_at=f.at(2),
            status=OutboundStatus.FAILED,
            kind=OutboundKind.REPLY,
            job_ids=(job.id,),
            job_id=job.id,
            dealership_id=world.dealership.id,
            sent_by="admin:alice",
            error_code="30003",
        )
        legacy = f.sms(to_number=phone, created_at=f.at(3), job_id=job.id)
        await add(uow_factory, inbound, reply, legacy)
        async with uow_factory() as uow:
            # After the world's own text from the dealership (at T0).
            _, *thread = await uow.conversations.thread(phone)
        assert [
            (MessageStatus.PROCESSED, None, None, None, (job.job_code,), world.dealership.id),
            (
                OutboundStatus.FAILED,
                OutboundKind.REPLY,
                "admin:alice",
                "30003",
                (job.job_code,),
                world.dealership.id,
            ),
            (OutboundStatus.QUEUED, OutboundKind.CONFIRMATION, None, None, (job.job_code,), None),
        ] == [
            (m.status, m.kind, m.sent_by, m.error_code, m.job_codes, m.dealership_id)
            for m in thread
        ]
        assert [inbound.id, reply.id, legacy.id] == [m.id for m in thread]
        assert [f.at(1), f.at(2), f.at(3)] == [m.at for m in thread]

    async def test_a_limit_keeps_the_newest(self, uow_factory):
        phone = f.phone()
        await add(
            uow_factory,
            *(f.message(from_number=phone, body=f"in {n}", received_at=f.at(n)) for n in (1, 3)),
            *(f.sms(to_number=phone, body=f"out {n}", created_at=f.at(n)) for n in (2, 4)),
        )
        async with uow_factory() as uow:
            assert ["in 3", "out 4"] == [
                m.body for m in await uow.conversations.thread(phone, limit=2)
            ]
            assert [] == await uow.conversations.thread(f.phone())

    async def test_latest_inbound(self, uow_factory):
        phone = f.phone()
        newest = f.message(from_number=phone, received_at=f.at(9))
        await add(
            uow_factory,
            f.message(from_number=phone, received_at=f.at(1)),
            newest,
            f.sms(to_number=phone, created_at=f.at(20)),
        )
        async with uow_factory() as uow:
            assert newest == await uow.conversations.latest_inbound(phone)
            assert None is await uow.conversations.latest_inbound(f.phone())


class TestList:
    async def test_one_per_number_newest_activity_first(self, uow_factory):
        """Numbers that only texted us, that we only texted, or both; the dealership by its
        phone; the last text in or out; the texts in since the read mark."""
        world = await f.add_world(uow_factory)
        dealer, stranger, tech = world.dealership.phone, f.phone(), f.phone()
        await add(
            uow_factory,
            f.message(from_number=dealer, body="first", received_at=f.at(1)),
            f.message(from_number=dealer, body="second", received_at=f.at(3)),
            f.sms(to_number=dealer, body="answer", created_at=f.at(4)),
            f.message(from_number=stranger, body="who?", received_at=f.at(6)),
            f.sms(to_number=tech, body="your day", created_at=f.at(5)),
        )
        async with uow_factory() as uow:
            assert await uow.conversations.mark_read(dealer, at=f.at(1))
            page = await uow.conversations.page(limit=10)
        assert [
            (stranger, f.at(6), "who?", 1, None, None),
            (tech, f.at(5), "your day", 0, None, None),
            (dealer, f.at(4), "answer", 1, world.dealership.id, world.dealership.name),
        ] == [
            (c.phone, c.last_at, c.last_body, c.unread, c.dealership_id, c.dealership_name)
            for c in page.items
        ]
        assert page.next_cursor is None

    async def test_at_the_same_time_the_text_out_is_the_last(self, uow_factory):
        phone = f.phone()
        await add(
            uow_factory,
            f.message(from_number=phone, body="question", received_at=f.at(1)),
            f.sms(to_number=phone, body="answer", created_at=f.at(1)),
        )
        async with uow_factory() as uow:
            (item,) = (await uow.conversations.page(limit=5)).items
        assert "answer" == item.last_body

    async def test_pages_cover_every_number_once_ties_by_number(self, uow_factory):
        """Seven numbers, three sharing a time, three to a page."""
        phones = [f.phone() for _ in range(7)]
        times = [1, 5, 5, 5, 2, 9, 3]
        await add(
            uow_factory,
            *(
                f.message(from_number=p, received_at=f.at(t))
                for p, t in zip(phones, times, strict=True)
            ),
        )
        expected = [
            p for _, p in sorted(zip(times, phones, strict=True), key=lambda x: (-x[0], x[1]))
        ]
        seen, cursor, pages = [], None, 0
        while True:
            async with uow_factory() as uow:
                page = await uow.conversations.page(limit=3, cursor=cursor)
            seen.extend(c.phone for c in page.items)
            pages += 1
            cursor = page.next_cursor
            if cursor is None:
                break
        assert (expected, 3) == (seen, pages)

    @pytest.mark.parametrize("cursor", ["nope", "W10=", "WyIyMDI2LTAxLTAxIiwgIisxIl0="])
    async def test_a_cursor_it_did_not_make_is_invalid_input(self, uow_factory, cursor):
        async with uow_factory() as uow:
            with pytest.raises(InvalidInput) as caught:
                await uow.conversations.page(limit=5, cursor=cursor)
        assert ["cursor"] == list(caught.value.fields)

    @pytest.mark.parametrize("limit", [0, 201])
    async def test_a_limit_out_of_range_is_invalid_input(self, uow_factory, limit):
        async with uow_factory() as uow:
            with pytest.raises(InvalidInput):
                await uow.conversations.page(limit=limit)


class TestReadMark:
    async def test_moves_forward_only(self, uow_factory):
        """A mark at or before the current one changes nothing and says so."""
        phone = f.phone()
        await add(
            uow_factory,
            *(f.message(from_number=phone, received_at=f.at(n)) for n in (1, 2, 3)),
        )
        async with uow_factory() as uow:
            moved = [
                await uow.conversations.mark_read(phone, at=f.at(2)),
                await uow.conversations.mark_read(phone, at=f.at(2)),
                await uow.conversations.mark_read(phone, at=f.at(1)),
            ]
        async with uow_factory() as uow:
            (item,) = (await uow.conversations.page(limit=5)).items
        assert ([True, False, False], 1) == (moved, item.unread)

    async def test_a_mark_rolled_back_is_gone(self, uow_factory):
        phone = f.phone()
        await add(uow_factory, f.message(from_number=phone, received_at=f.at(1)))
        with pytest.raises(RuntimeError):
            await _read_then_fail(uow_factory, phone)
        async with uow_factory() as uow:
            (item,) = (await uow.conversations.page(limit=5)).items
        assert 1 == item.unread


async def _read_then_fail(factory: UnitOfWorkFactory, phone: str) -> None:
    async with factory() as uow:
        await uow.conversations.mark_read(phone, at=f.at(5))
        raise RuntimeError("rolled back")
