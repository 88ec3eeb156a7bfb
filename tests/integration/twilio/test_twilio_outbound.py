"""The confirmation SMS end to end: intake → outbox → send_sms task → Twilio (local fake)."""

from __future__ import annotations

import pytest
from fake_twilio_api import INVALID_TO, SERVER_ERROR, TOO_MANY_REQUESTS, FakeTwilio
from twilio_helpers import (
    AUDI_QUEBEC,
    FORD_LEVIS,
    KEY_JOB,
    OUR_NUMBER,
    TWO_JOBS,
    ScriptedParser,
    demo_system,
)

from sm2_adapters.memory import MemorySystem
from sm2_adapters.twilio import TwilioSmsSender
from sm2_core.domain.records import OutboundSms, ReceivedSms
from sm2_core.errors import IntegrationError
from sm2_core.tasks import SendSms


@pytest.fixture
async def system(parser: ScriptedParser, sender: TwilioSmsSender) -> MemorySystem:
    return await demo_system(parser, sms=sender)


async def _text_in(system: MemorySystem, body: str, *, sender: str = FORD_LEVIS) -> None:
    await system.services.receipt.receive_sms(
        ReceivedSms(sid="SM" + "a" * 32, from_number=sender, to_number=OUR_NUMBER, body=body)
    )
    await system.run_tasks()


def _outbox(system: MemorySystem) -> OutboundSms:
    (sms,) = system.store.tables.outbox.values()
    return sms


class TestConfirmationSent:
    async def test_outbox_row_is_sent_with_the_provider_sid(
        self, system: MemorySystem, fake_twilio: FakeTwilio
    ) -> None:
        """The text Twilio created is the one the outbox records as SENT."""
        await _text_in(system, TWO_JOBS)
        sms = _outbox(system)
        (created,) = fake_twilio.messages
        assert ("SENT", created["sid"], None) == (sms.status, sms.provider_sid, sms.error)

    async def test_confirmation_goes_to_the_dealership_from_our_number(
        self, system: MemorySystem, fake_twilio: FakeTwilio
    ) -> None:
        """To is the dealership's phone, From is ours, Body the outbox text."""
        await _text_in(system, TWO_JOBS)
        (request,) = fake_twilio.requests
        assert (FORD_LEVIS, OUR_NUMBER, _outbox(system).body) == (
            request.field("To"),
            request.field("From"),
            request.field("Body"),
        )
        assert request.field("Body").startswith("Received: ")

    async def test_french_confirmation_keeps_its_accents(
        self, system: MemorySystem, fake_twilio: FakeTwilio
    ) -> None:
        """A French text is answered in French, UTF-8 all the way to Twilio."""
        await _text_in(system, KEY_JOB, sender=AUDI_QUEBEC)
        body = fake_twilio.requests[0].field("Body")
        assert body.startswith("Reçu : ")
        assert "priorité" in body
        assert _outbox(system).body == body

    async def test_sending_twice_sends_once(
        self, system: MemorySystem, fake_twilio: FakeTwilio
    ) -> None:
        """The task delivered again (at least once) finds the row SENT and sends nothing."""
        await _text_in(system, TWO_JOBS)
        await system.services.run_task(SendSms(_outbox(system).id))
        assert 1 == len(fake_twilio.requests)


class TestRetries:
    async def test_server_error_then_success(
        self, system: MemorySystem, fake_twilio: FakeTwilio
    ) -> None:
        """A 500 fails the task; the queue's retry sends it and the row ends SENT."""
        fake_twilio.replies.append(SERVER_ERROR)
        await _text_in(system, TWO_JOBS)
        sms = _outbox(system)
        assert 2 == len(fake_twilio.requests)
        assert ("SENT", fake_twilio.messages[0]["sid"], None) == (
            sms.status,
            sms.provider_sid,
            sms.error,
        )
        assert [] == system.tasks.failed

    async def test_rate_limited_twice_then_success(
        self, system: MemorySystem, fake_twilio: FakeTwilio
    ) -> None:
        """429s are retried too, within the queue's attempts."""
        fake_twilio.replies.extend([TOO_MANY_REQUESTS, TOO_MANY_REQUESTS])
        await _text_in(system, TWO_JOBS)
        assert ("SENT", 3) == (_outbox(system).status, len(fake_twilio.requests))

    async def test_outage_outlasting_the_retries(
        self, system: MemorySystem, fake_twilio: FakeTwilio
    ) -> None:
        """Still failing after the last attempt: the row says FAILED and why."""
        fake_twilio.replies.extend([SERVER_ERROR] * 3)
        await _text_in(system, TWO_JOBS)
        sms = _outbox(system)
        assert ("FAILED", None) == (sms.status, sms.provider_sid)
        assert "HTTP 500" in (sms.error or "")
        [(task, error)] = system.tasks.failed
        assert isinstance(task, SendSms)
        assert isinstance(error, IntegrationError)
        assert (True, "500") == (error.transient, error.code)
        assert 3 == len(fake_twilio.requests)


class TestFinalRefusal:
    async def test_invalid_number_fails_without_retry(
        self, system: MemorySystem, fake_twilio: FakeTwilio
    ) -> None:
        """Error 21211: FAILED at once, one request, the task itself done (not retried)."""
        fake_twilio.replies.append(INVALID_TO)
        await _text_in(system, TWO_JOBS)
        sms = _outbox(system)
        assert ("FAILED", None) == (sms.status, sms.provider_sid)
        assert "21211" in (sms.error or "")
        assert 1 == len(fake_twilio.requests)
        assert [] == system.tasks.failed
        assert [] == system.tasks.pending
        assert any(isinstance(task, SendSms) for task in system.tasks.done)
