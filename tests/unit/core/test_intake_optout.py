"""Intake of STOP/START and of answers to a dispatcher's reply, on the memory system."""

from __future__ import annotations

from uuid import uuid4

import pytest
from core_helpers import Demo, parse_result

from sm2_core.domain.records import (
    InboundMessage,
    MessageStatus,
    OptOut,
    OutboundKind,
    OutboundSms,
    OutboundStatus,
    ReceivedSms,
)
from sm2_core.parsing import ParsedRequest
from sm2_core.tasks import SendSms

FORD_LEVIS = "+14185550102"
STRANGER = "+15145550199"
TWILIO = "+14185550000"
F150 = ParsedRequest(year=2024, make="Ford", model="F-150", service_code="OIL_CHANGE")
VIN_ONLY = ParsedRequest(vin="1FTFW1E50PFA00001")


async def text(demo: Demo, body: str, *, sender: str = FORD_LEVIS) -> InboundMessage:
    """A text received and its tasks run; the message as intake left it."""
    receipt = await demo.svc.receipt.receive_sms(
        ReceivedSms(sid=f"SM{uuid4().hex}", from_number=sender, to_number=TWILIO, body=body)
    )
    await demo.system.run_tasks()
    return demo.system.store.tables.messages[receipt.message.id]


async def opt_out(demo: Demo, phone: str) -> OptOut | None:
    async with demo.system.store.unit_of_work() as uow:
        return await uow.opt_outs.get(phone)


def optout_events(demo: Demo) -> list[dict[str, object]]:
    return [s.event.data for s in demo.system.bus.published if s.event.name == "optout.changed"]


class TestStop:
    @pytest.mark.parametrize("body", ["STOP", "Arrêt", "arret!", "UNSUBSCRIBE", "Désabonner."])
    async def test_a_dealership_that_texts_stop_is_opted_out(self, demo: Demo, body: str) -> None:
        """The number is opted out since now, by its own STOP; the text asks for no work."""
        message = await text(demo, body)
        assert OptOut(FORD_LEVIS, demo.system.clock.now(), "STOP") == await opt_out(
            demo, FORD_LEVIS
        )
        assert (MessageStatus.NO_WORK, demo.dealers["Ford Lévis"].id, ()) == (
            message.status,
            message.dealership_id,
            message.job_ids,
        )

    async def test_stop_makes_no_job_no_confirmation_and_is_never_parsed(self, demo: Demo) -> None:
        """Not even an LLM sees it: no parse, no job, nothing in the outbox, no SMS task."""
        demo.parser.reads("STOP", parse_result(F150))
        await text(demo, "STOP")
        assert ([], {}, {}) == (
            demo.parser.calls,
            demo.system.store.tables.jobs,
            demo.system.store.tables.outbox,
        )
        assert not any(isinstance(t, SendSms) for t in demo.system.tasks.pending)

    async def test_stop_is_announced_for_the_board_and_the_conversations(self, demo: Demo) -> None:
        """An ``optout.changed`` event names the phone and that it opted out."""
        message = await text(demo, "stop")
        (event,) = optout_events(demo)
        assert {
            "phone": FORD_LEVIS,
            "opted_out": True,
            "message_id": str(message.id),
            "dealership_id": str(demo.dealers["Ford Lévis"].id),
        } == event

    async def test_a_stranger_and_a_technician_are_opted_out_too(self, demo: Demo) -> None:
        """Anyone may ask for silence: an unknown number and a technician's phone alike."""
        tech_phone = demo.techs["Julie"].phone
        stranger = await text(demo, "STOP", sender=STRANGER)
        tech = await text(demo, "ARRÊT", sender=tech_phone)
        assert [STRANGER, tech_phone] == [
            o.phone for o in [await opt_out(demo, STRANGER), await opt_out(demo, tech_phone)] if o
        ]
        assert [(MessageStatus.NO_WORK, None)] * 2 == [
            (m.status, m.dealership_id) for m in (stranger, tech)
        ]
        # A stranger's STOP needs no dispatcher: it is not announced as unmatched.
        assert "message.unmatched" not in demo.system.bus.names

    async def test_a_second_stop_keeps_the_first_date(self, demo: Demo) -> None:
        """The opt-out dates from the first STOP."""
        first = demo.system.clock.now()
        await text(demo, "STOP")
        demo.system.clock.advance(hours=1)
        await text(demo, "STOP")
        stored = await opt_out(demo, FORD_LEVIS)
        assert stored is not None
        assert first == stored.since

    async def test_running_the_task_twice_changes_nothing_more(self, demo: Demo) -> None:
        """A second run of the parse task finds the text handled and does nothing."""
        message = await text(demo, "STOP")
        async with demo.system.store.unit_of_work() as uow:
            await uow.opt_outs.remove(FORD_LEVIS)
        assert () == await demo.svc.intake.process_message(message.id)
        assert (None, 1) == (await opt_out(demo, FORD_LEVIS), len(optout_events(demo)))

    async def test_a_request_that_mentions_stop_still_makes_a_job(self, demo: Demo) -> None:
        """Only a text that is nothing but the word opts out."""
        body = demo.parser.reads("stop by for an oil change on the F-150", parse_result(F150))
        message = await text(demo, body)
        assert (MessageStatus.PROCESSED, None) == (
            message.status,
            await opt_out(demo, FORD_LEVIS),
        )

    async def test_cancel_is_no_opt_out(self, demo: Demo) -> None:
        """CANCEL is how a dealer calls off work: the number keeps getting texts."""
        await text(demo, "CANCEL")
        assert None is await opt_out(demo, FORD_LEVIS)


class TestStart:
    @pytest.mark.parametrize("body", ["START", "unstop", "Start."])
    async def test_start_opts_the_number_back_in(self, demo: Demo, body: str) -> None:
        """After STOP, START removes the opt-out, and says so to the board."""
        await text(demo, "STOP")
        message = await text(demo, body)
        assert (None, MessageStatus.NO_WORK) == (await opt_out(demo, FORD_LEVIS), message.status)
        assert [True, False] == [e["opted_out"] for e in optout_events(demo)]

    async def test_start_without_a_stop_is_harmless(self, demo: Demo) -> None:
        """A number never opted out stays so, and START makes no job."""
        message = await text(demo, "START")
        assert (None, MessageStatus.NO_WORK, {}) == (
            await opt_out(demo, FORD_LEVIS),
            message.status,
            demo.system.store.tables.jobs,
        )


async def reply_sent(
    demo: Demo, *, to: str = FORD_LEVIS, status: OutboundStatus = OutboundStatus.SENT
) -> OutboundSms:
    """A dispatcher's free reply to ``to``, sent now."""
    now = demo.system.clock.now()
    sms = OutboundSms(
        id=uuid4(),
        to_number=to,
        body="Which VIN is the F-150?",
        created_at=now,
        status=status,
        kind=OutboundKind.REPLY,
        sent_at=now,
        sent_by="admin:alice",
    )
    async with demo.system.store.unit_of_work() as uow:
        await uow.outbox.add(sms)
    return sms


class TestAnswerToAReply:
    async def test_an_answer_naming_no_service_stays_in_the_conversation(self, demo: Demo) -> None:
        """ "VIN is 1FT…" an hour after the dispatcher asked makes no job: NO_WORK, parsed."""
        await reply_sent(demo)
        demo.system.clock.advance(hours=1)
        body = demo.parser.reads("VIN is 1FTFW1E50PFA00001", parse_result(VIN_ONLY))
        message = await text(demo, body)
        assert (MessageStatus.NO_WORK, (), {}) == (
            message.status,
            message.job_ids,
            demo.system.store.tables.jobs,
        )
        assert ("scripted", demo.dealers["Ford Lévis"].id) == (
            message.parser,
            message.dealership_id,
        )

    async def test_a_request_naming_a_service_is_a_new_job_all_the_same(self, demo: Demo) -> None:
        """A dealer may answer with new work: a text that names a service makes its job."""
        await reply_sent(demo)
        demo.system.clock.advance(minutes=5)
        body = demo.parser.reads("also an oil change on the F-150", parse_result(F150))
        message = await text(demo, body)
        assert (MessageStatus.PROCESSED, 1) == (message.status, len(message.job_ids))

    async def test_after_a_day_the_same_text_is_a_request_again(self, demo: Demo) -> None:
        """Past 24 hours the conversation has moved on: the text becomes a job to review."""
        await reply_sent(demo)
        demo.system.clock.advance(hours=24, seconds=1)
        body = demo.parser.reads("VIN 1FTFW1E50PFA00001", parse_result(VIN_ONLY))
        message = await text(demo, body)
        assert (MessageStatus.PROCESSED, 1) == (message.status, len(message.job_ids))

    async def test_without_a_reply_a_text_naming_no_service_is_a_job(self, demo: Demo) -> None:
        """No dispatcher asked anything: a vehicle without a service is a job to review."""
        body = demo.parser.reads("VIN 1FTFW1E50PFA00001", parse_result(VIN_ONLY))
        message = await text(demo, body)
        assert MessageStatus.PROCESSED == message.status

    async def test_a_reply_the_dealer_never_got_does_not_count(self, demo: Demo) -> None:
        """An undelivered reply was never read: the text is a request of its own."""
        await reply_sent(demo, status=OutboundStatus.UNDELIVERED)
        demo.system.clock.advance(minutes=10)
        body = demo.parser.reads("VIN 1FTFW1E50PFA00001", parse_result(VIN_ONLY))
        message = await text(demo, body)
        assert MessageStatus.PROCESSED == message.status

    async def test_a_reply_to_another_number_does_not_count(self, demo: Demo) -> None:
        """The dispatcher wrote to another dealership: this one's text is a request."""
        await reply_sent(demo, to="+14185550101")
        demo.system.clock.advance(minutes=10)
        body = demo.parser.reads("VIN 1FTFW1E50PFA00001", parse_result(VIN_ONLY))
        message = await text(demo, body)
        assert MessageStatus.PROCESSED == message.status

    async def test_a_text_received_before_the_reply_went_is_no_answer_to_it(
        self, demo: Demo
    ) -> None:
        """A text that crossed the reply (received before it was sent) answers nothing."""
        body = demo.parser.reads("VIN 1FTFW1E50PFA00001", parse_result(VIN_ONLY))
        receipt = await demo.svc.receipt.receive_sms(
            ReceivedSms(sid="SMcrossed", from_number=FORD_LEVIS, to_number=TWILIO, body=body)
        )
        demo.system.clock.advance(seconds=30)
        await reply_sent(demo)
        await demo.system.run_tasks()
        message = demo.system.store.tables.messages[receipt.message.id]
        assert MessageStatus.PROCESSED == message.status
