"""Conversations through the fakes: every text in and out per number, read marks, replies, and
a dealer's answer offered as an edit of its job."""

from __future__ import annotations

import pytest
from core_helpers import ADMIN, Demo, parse_result

from sm2_core.domain.conversations import Direction
from sm2_core.domain.records import (
    MessageStatus,
    OptOut,
    OutboundKind,
    OutboundStatus,
    ReceivedSms,
)
from sm2_core.errors import InvalidInput, NotFound, OptedOut, PermissionDenied
from sm2_core.parsing import ParsedRequest
from sm2_core.tasks import SendSms

FORD = "+14185550102"
TOYOTA = "+14185550103"
STRANGER = "+15145550199"
TWILIO = "+14185550000"
VIN = "WA1BNAFY4PP057830"
F150 = ParsedRequest(year=2024, make="Ford", model="F-150", service_code="OIL_CHANGE")


async def text(demo: Demo, sender: str, body: str, *, sid: str) -> None:
    """A text received and processed, one minute after whatever came before."""
    demo.system.clock.advance(minutes=1)
    await demo.svc.receipt.receive_sms(
        ReceivedSms(sid=sid, from_number=sender, to_number=TWILIO, body=body)
    )
    await demo.system.run_tasks()


async def job_request(demo: Demo, sender: str = FORD, *, sid: str = "SM1") -> None:
    """A text that makes a job (and its confirmation)."""
    await text(demo, sender, demo.parser.reads("F150 oil change", parse_result(F150)), sid=sid)


class TestList:
    async def test_one_entry_per_number_newest_activity_first(self, demo: Demo) -> None:
        """A dealership's request and our confirmation make one conversation; a stranger's
        later text makes another, listed first, with no dealership."""
        await job_request(demo)
        await text(demo, STRANGER, "Salut, une batterie?", sid="SM2")
        page = await demo.svc.conversations.list()
        assert [
            (STRANGER, None, None, "Salut, une batterie?", 1),
            (FORD, demo.dealers["Ford Lévis"].id, "Ford Lévis", demo.system.sms.sent[0].body, 1),
        ] == [
            (c.phone, c.dealership_id, c.dealership_name, c.last_body, c.unread) for c in page.items
        ]
        assert page.next_cursor is None

    async def test_pages_follow_each_other_without_repeats(self, demo: Demo) -> None:
        """Three numbers two at a time: two, then the last one, then no cursor."""
        for n, sender in enumerate((FORD, TOYOTA, STRANGER)):
            await text(demo, sender, "Bonjour", sid=f"SM{n}")
        first = await demo.svc.conversations.list(limit=2)
        second = await demo.svc.conversations.list(limit=2, cursor=first.next_cursor)
        assert ([STRANGER, TOYOTA], [FORD], None) == (
            [c.phone for c in first.items],
            [c.phone for c in second.items],
            second.next_cursor,
        )

    async def test_a_cursor_it_did_not_make_is_invalid_input(self, demo: Demo) -> None:
        with pytest.raises(InvalidInput) as caught:
            await demo.svc.conversations.list(cursor="not-a-cursor")
        assert ["cursor"] == list(caught.value.fields)


class TestThread:
    async def test_texts_in_and_out_oldest_first_with_their_jobs(self, demo: Demo) -> None:
        """The request (PROCESSED, its job's code) then our confirmation (SENT, CONFIRMATION)."""
        await job_request(demo)
        thread = await demo.svc.conversations.thread(FORD)
        (job,) = demo.system.store.tables.jobs.values()
        assert [
            (Direction.IN, MessageStatus.PROCESSED, None, (job.job_code,)),
            (Direction.OUT, OutboundStatus.SENT, OutboundKind.CONFIRMATION, (job.job_code,)),
        ] == [(m.direction, m.status, m.kind, m.job_codes) for m in thread.messages]
        assert demo.dealers["Ford Lévis"] == thread.dealership

    async def test_a_number_as_people_write_it(self, demo: Demo) -> None:
        """(418) 555-0102 is Ford Lévis's +14185550102."""
        await text(demo, FORD, "Merci!", sid="SM1")
        thread = await demo.svc.conversations.thread("(418) 555-0102")
        assert (FORD, ["Merci!"]) == (thread.phone, [m.body for m in thread.messages])

    async def test_a_limit_keeps_the_newest_texts(self, demo: Demo) -> None:
        for n in range(4):
            await text(demo, FORD, f"text {n}", sid=f"SM{n}")
        thread = await demo.svc.conversations.thread(FORD, limit=2)
        assert ["text 2", "text 3"] == [m.body for m in thread.messages]

    async def test_a_number_with_no_texts_is_not_found(self, demo: Demo) -> None:
        with pytest.raises(NotFound):
            await demo.svc.conversations.thread(TOYOTA)

    async def test_a_conversation_to_start_with_a_known_number(self, demo: Demo) -> None:
        """A dealership (or technician) that never texted has an empty conversation to start;
        a stranger has none."""
        thread = await demo.svc.conversations.thread(TOYOTA, start=True)
        tech = demo.techs["Julie"].phone
        assert ((), demo.dealers["Toyota Sainte-Foy"]) == (thread.messages, thread.dealership)
        assert () == (await demo.svc.conversations.thread(tech, start=True)).messages
        with pytest.raises(NotFound):
            await demo.svc.conversations.thread(STRANGER, start=True)

    async def test_something_that_is_no_phone_number_is_invalid_input(self, demo: Demo) -> None:
        with pytest.raises(InvalidInput) as caught:
            await demo.svc.conversations.thread("hello")
        assert ["phone"] == list(caught.value.fields)


class TestRead:
    async def test_reading_clears_the_unread_count_until_the_next_text(self, demo: Demo) -> None:
        """Two unread texts; read: none; a third text: one, and other dispatchers are told."""
        await text(demo, FORD, "one", sid="SM1")
        await text(demo, FORD, "two", sid="SM2")
        assert 2 == (await demo.svc.conversations.list()).items[0].unread
        await demo.svc.conversations.mark_read(FORD, actor=ADMIN)
        assert 0 == (await demo.svc.conversations.list()).items[0].unread
        assert "conversation.updated" == demo.system.bus.names[-1]
        await text(demo, FORD, "three", sid="SM3")
        assert 1 == (await demo.svc.conversations.list()).items[0].unread

    async def test_reading_again_changes_nothing_and_tells_nobody(self, demo: Demo) -> None:
        """A page that refreshes itself on the event must not make another one."""
        await text(demo, FORD, "one", sid="SM1")
        await demo.svc.conversations.mark_read(FORD, actor=ADMIN)
        published = len(demo.system.bus.names)
        await demo.svc.conversations.mark_read(FORD, actor=ADMIN)
        assert published == len(demo.system.bus.names)

    async def test_a_technician_may_not(self, demo: Demo) -> None:
        with pytest.raises(PermissionDenied):
            await demo.svc.conversations.mark_read(FORD, actor=demo.as_tech("Julie"))


class TestReply:
    async def test_recorded_queued_sent_and_about_the_last_texts_jobs(self, demo: Demo) -> None:
        """The reply names the jobs of the dealer's last text, is queued in the same unit of
        work, and reaches the dealer when the task runs."""
        await job_request(demo)
        (job,) = demo.system.store.tables.jobs.values()
        demo.system.clock.advance(minutes=1)
        sent = await demo.svc.conversations.reply(FORD, "  Which VIN?  ", actor=ADMIN)
        assert (Direction.OUT, "Which VIN?", OutboundKind.REPLY, "admin:alice", (job.id,)) == (
            sent.direction,
            sent.body,
            sent.kind,
            sent.sent_by,
            sent.job_ids,
        )
        assert SendSms(outbox_id=sent.id) in demo.system.tasks.pending
        stored = demo.system.store.tables.outbox[sent.id]
        assert (demo.dealers["Ford Lévis"].id, OutboundStatus.QUEUED) == (
            stored.dealership_id,
            stored.status,
        )
        assert "conversation.updated" == demo.system.bus.names[-1]
        await demo.system.run_tasks()
        assert (FORD, "Which VIN?") == (demo.system.sms.sent[-1].to, demo.system.sms.sent[-1].body)
        thread = await demo.svc.conversations.thread(FORD)
        assert (OutboundStatus.SENT, "Which VIN?") == (
            thread.messages[-1].status,
            thread.messages[-1].body,
        )

    async def test_a_dealership_that_never_texted_may_be_written_to(self, demo: Demo) -> None:
        sent = await demo.svc.conversations.reply(TOYOTA, "Bonjour!", actor=ADMIN)
        assert ((), demo.dealers["Toyota Sainte-Foy"].id) == (
            sent.job_ids,
            demo.system.store.tables.outbox[sent.id].dealership_id,
        )

    @pytest.mark.parametrize("body", ["", "   \n ", "x" * 1601])
    async def test_an_empty_or_too_long_body_is_refused(self, demo: Demo, body: str) -> None:
        with pytest.raises(InvalidInput) as caught:
            await demo.svc.conversations.reply(FORD, body, actor=ADMIN)
        assert (["body"], {}) == (list(caught.value.fields), demo.system.store.tables.outbox)

    async def test_sixteen_hundred_characters_fit(self, demo: Demo) -> None:
        sent = await demo.svc.conversations.reply(FORD, "x" * 1600, actor=ADMIN)
        assert 1600 == len(sent.body)

    async def test_a_number_that_opted_out_is_refused(self, demo: Demo) -> None:
        """STOP means no text at all, a dispatcher's included; nothing is recorded."""
        async with demo.system.store.unit_of_work() as uow:
            await uow.opt_outs.add(OptOut(FORD, demo.system.clock.now(), "STOP"))
        with pytest.raises(OptedOut):
            await demo.svc.conversations.reply(FORD, "Which VIN?", actor=ADMIN)
        assert {} == demo.system.store.tables.outbox

    async def test_a_number_nobody_knows_is_not_found(self, demo: Demo) -> None:
        """A mistyped number never reaches a stranger."""
        with pytest.raises(NotFound):
            await demo.svc.conversations.reply(STRANGER, "Bonjour", actor=ADMIN)

    async def test_a_stranger_who_texted_us_may_be_answered(self, demo: Demo) -> None:
        await text(demo, STRANGER, "Salut", sid="SM1")
        sent = await demo.svc.conversations.reply(STRANGER, "Qui êtes-vous?", actor=ADMIN)
        assert None is demo.system.store.tables.outbox[sent.id].dealership_id

    async def test_a_technician_may_not(self, demo: Demo) -> None:
        with pytest.raises(PermissionDenied):
            await demo.svc.conversations.reply(FORD, "hi", actor=demo.as_tech("Julie"))


class TestApplyOffer:
    async def test_a_dealers_answer_is_offered_for_the_job_asked_about(self, demo: Demo) -> None:
        """The dealer's answer is read; the dealership's open jobs come newest first; the job
        our last text named is preselected."""
        await job_request(demo, sid="SM1")
        (asked,) = demo.system.store.tables.jobs.values()
        demo.system.clock.advance(minutes=1)
        newer = await demo.new_job("Ford Lévis")
        await demo.svc.conversations.reply(FORD, "Which VIN?", actor=ADMIN)
        answer = demo.parser.reads(f"VIN {VIN}", parse_result(ParsedRequest(vin=VIN)))
        await text(demo, FORD, answer, sid="SM2")

        thread = await demo.svc.conversations.thread(FORD)
        offer = await demo.svc.conversations.offer(thread)
        answer_id = thread.messages[-1].id
        assert {answer_id: (ParsedRequest(vin=VIN),)} == {
            k: v for k, v in offer.readings.items() if k == answer_id
        }
        assert ([newer.id, asked.id], asked.id) == (
            [j.id for j in offer.jobs],
            offer.preselected,
        )

    async def test_nothing_for_a_number_that_is_no_dealerships(self, demo: Demo) -> None:
        await text(demo, STRANGER, demo.parser.reads("VIN", parse_result(F150)), sid="SM1")
        offer = await demo.svc.conversations.offer(await demo.svc.conversations.thread(STRANGER))
        assert ({}, ()) == (offer.readings, offer.jobs)


class TestIntakeTellsTheConversations:
    @pytest.mark.parametrize("sender", [FORD, STRANGER])
    async def test_every_processed_text_is_announced(self, demo: Demo, sender: str) -> None:
        """A job request, a thank-you and a stranger's text each publish conversation.updated
        with their number."""
        await text(demo, sender, "Merci!", sid="SM1")
        await job_request(demo, sender, sid="SM2")
        found = [
            s.event.data
            for s in demo.system.bus.published
            if s.event.name == "conversation.updated"
        ]
        assert [{"phone": sender}, {"phone": sender}] == found
