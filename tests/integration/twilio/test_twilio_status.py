"""Delivery statuses and opt-outs with Twilio: the status callback each send names, Twilio's
signed callbacks to ``POST /webhooks/twilio/status``, the lookup of a send whose answer was
lost (``find_sent``), error 21610, and STOP/START texted by a dealership.

The sender and the lookup run the real twilio SDK against the local Messages API; the webhook
runs in the Litestar app, first on the memory system (what it answers), then end to end on
PostgreSQL with the queued tasks, the fake posting callbacks signed as Twilio signs them.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, cast
from urllib.parse import urlencode
from uuid import uuid4

import httpx
import psycopg
import pytest
from fake_twilio_api import SERVICE_UNAVAILABLE, FakeTwilio, inbound_message, twilio_signature
from pg_system import seeded_system
from twilio.request_validator import RequestValidator
from twilio_helpers import (
    ACCOUNT_SID,
    AUDI_QUEBEC,
    AUTH_TOKEN,
    FORD_LEVIS,
    OUR_NUMBER,
    ScriptedParser,
    demo_system,
)

from sm2_adapters.memory import MemorySystem
from sm2_adapters.memory.fakes import MemoryHealth, MemoryRateLimiter
from sm2_adapters.settings import Settings
from sm2_adapters.system import System
from sm2_adapters.twilio import TwilioSmsSender, twilio_sender_from_settings
from sm2_adapters.twilio.inbound import TwilioWebhook
from sm2_adapters.twilio.sms import STATUS_CALLBACK_PATH
from sm2_adapters.unconfigured import SmsNotConfigured
from sm2_core.domain.records import OutboundSms, OutboundStatus
from sm2_core.errors import IntegrationError, NotConfigured
from sm2_core.ports import DeliveryReport
from sm2_web.app import create_app
from sm2_web.config import WebConfig
from sm2_web.serve import app_for_runtime, web_config

PUBLIC = "https://dispatch.example.com"
CALLBACK = PUBLIC + STATUS_CALLBACK_PATH
PROBLEM = "application/problem+json"
KEY_REQUEST = "Need a key for a 2023 Audi Q5 VIN WA1BNAFY4PP057830"


def status_form(sid: str, status: str, **extra: str) -> dict[str, str]:
    """What Twilio posts to a status callback."""
    return {
        "AccountSid": ACCOUNT_SID,
        "ApiVersion": "2010-04-01",
        "From": OUR_NUMBER,
        "To": AUDI_QUEBEC,
        "MessageSid": sid,
        "MessageStatus": status,
        "SmsSid": sid,
        "SmsStatus": status,
        **extra,
    }


# --- the sender: a callback on every send, 21610, the lookup -------------------------------------


@pytest.fixture
def reporting_sender(fake_twilio: FakeTwilio) -> TwilioSmsSender:
    return TwilioSmsSender(
        account_sid=ACCOUNT_SID,
        auth_token=AUTH_TOKEN,
        from_number=OUR_NUMBER,
        api_url=fake_twilio.url,
        timeout=2.0,
        status_callback=CALLBACK,
    )


class TestStatusCallbackOnSend:
    async def test_every_send_names_the_status_callback(
        self, reporting_sender: TwilioSmsSender, fake_twilio: FakeTwilio
    ) -> None:
        """Each text asks Twilio to report its delivery to our status webhook."""
        first = await reporting_sender.send(to=AUDI_QUEBEC, body="Received: SM2-2026-001")
        second = await reporting_sender.send(to=FORD_LEVIS, body="Received: SM2-2026-002")
        assert [CALLBACK, CALLBACK] == [r.field("StatusCallback") for r in fake_twilio.requests]
        assert {first: CALLBACK, second: CALLBACK} == fake_twilio.status_callbacks

    async def test_the_callback_comes_from_the_public_url(
        self, tmp_path: Path, fake_twilio: FakeTwilio
    ) -> None:
        """Built from settings, the callback is SM2_PUBLIC_URL + /webhooks/twilio/status."""
        settings = Settings.from_env(
            {
                "SM2_DATA_DIR": str(tmp_path),
                "SM2_PUBLIC_URL": "https://dispatch.example.com/",
                "TWILIO_ACCOUNT_SID": ACCOUNT_SID,
                "TWILIO_AUTH_TOKEN": AUTH_TOKEN,
                "TWILIO_FROM_NUMBER": OUR_NUMBER,
                "SM2_TWILIO_API_URL": fake_twilio.url,
            },
            dotenv=tmp_path / ".env",
        )
        sender = twilio_sender_from_settings(settings)
        await sender.send(to=AUDI_QUEBEC, body="hi")
        (request,) = fake_twilio.requests
        assert CALLBACK == request.field("StatusCallback")

    @pytest.mark.parametrize(
        "public_url", ["http://127.0.0.1:8000", "http://localhost:8000", "http://[::1]:8000"]
    )
    def test_no_callback_twilio_could_not_reach(self, tmp_path: Path, public_url: str) -> None:
        """On the development default (a loopback address) no callback is asked for: Twilio
        would log a failed callback for every text."""
        settings = Settings.from_env(
            {
                "SM2_DATA_DIR": str(tmp_path),
                "SM2_PUBLIC_URL": public_url,
                "TWILIO_ACCOUNT_SID": ACCOUNT_SID,
                "TWILIO_AUTH_TOKEN": AUTH_TOKEN,
                "TWILIO_FROM_NUMBER": OUR_NUMBER,
            },
            dotenv=tmp_path / ".env",
        )
        sender = twilio_sender_from_settings(settings)
        assert isinstance(sender, TwilioSmsSender)
        assert None is sender.status_callback

    async def test_a_number_that_texted_stop_is_refused_with_21610(
        self, reporting_sender: TwilioSmsSender, fake_twilio: FakeTwilio
    ) -> None:
        """Twilio's opt-out refusal is final and carries its code, which the outbox reads."""
        fake_twilio.opted_out.add(AUDI_QUEBEC)
        with pytest.raises(IntegrationError) as caught:
            await reporting_sender.send(to=AUDI_QUEBEC, body="hello")
        assert ("21610", False) == (caught.value.code, caught.value.transient)
        assert [] == fake_twilio.messages


def logged(
    fake: FakeTwilio,
    sid: str,
    *,
    at: datetime,
    to: str = AUDI_QUEBEC,
    body: str = "Received: SM2-2026-001",
    direction: str = "outbound-api",
) -> None:
    """A message in the account's log, as if sent (or received) at ``at``."""
    fake.inbound.append(
        inbound_message(
            sid=sid, from_=OUR_NUMBER, to=to, body=body, date_sent=at, direction=direction
        )
    )


class TestFindSent:
    async def test_finds_a_text_twilio_sent_since_the_moment(
        self, reporting_sender: TwilioSmsSender, fake_twilio: FakeTwilio
    ) -> None:
        """A send whose answer was lost is found in Twilio's log by number and body."""
        since = datetime.now(UTC) - timedelta(minutes=1)
        sid = await reporting_sender.send(to=AUDI_QUEBEC, body="Reçu : SM2-2026-001 ✓")
        fake_twilio.status_callback(sid, "sent")
        found = await reporting_sender.find_sent(
            to=AUDI_QUEBEC, body="Reçu : SM2-2026-001 ✓", since=since
        )
        assert sid == found

    async def test_asks_for_our_texts_to_the_number_without_a_date_filter(
        self, reporting_sender: TwilioSmsSender, fake_twilio: FakeTwilio
    ) -> None:
        """One GET of the Messages list: To the number, From our number; no DateSent filter,
        which would hide a text still queued at Twilio."""
        await reporting_sender.find_sent(to=AUDI_QUEBEC, body="x", since=datetime.now(UTC))
        (request,) = fake_twilio.requests
        assert ("GET", AUDI_QUEBEC, OUR_NUMBER) == (
            request.method,
            request.query["To"],
            request.query["From"],
        )
        assert "DateSent>" not in request.query

    async def test_finds_a_text_still_queued_at_twilio(
        self, reporting_sender: TwilioSmsSender, fake_twilio: FakeTwilio
    ) -> None:
        """Created but not yet sent (no date_sent): it is found, so it is not sent again."""
        since = datetime.now(UTC) - timedelta(seconds=5)
        sid = await reporting_sender.send(to=AUDI_QUEBEC, body="Reçu : SM2-2026-003")
        found = await reporting_sender.find_sent(
            to=AUDI_QUEBEC, body="Reçu : SM2-2026-003", since=since
        )
        assert sid == found

    async def test_only_the_same_body_to_the_same_number_since_then(
        self, reporting_sender: TwilioSmsSender, fake_twilio: FakeTwilio
    ) -> None:
        """Another body, another number, an older text or an inbound one is not the send."""
        now = datetime.now(UTC).replace(microsecond=0)
        logged(fake_twilio, "SMother_body", at=now, body="Received: SM2-2026-002")
        logged(fake_twilio, "SMother_number", at=now, to=FORD_LEVIS)
        logged(fake_twilio, "SMtoo_old", at=now - timedelta(hours=2))
        logged(fake_twilio, "SMinbound", at=now, direction="inbound")
        found = await reporting_sender.find_sent(
            to=AUDI_QUEBEC, body="Received: SM2-2026-001", since=now - timedelta(hours=1)
        )
        assert None is found
        logged(fake_twilio, "SMthe_one", at=now - timedelta(minutes=5))
        found = await reporting_sender.find_sent(
            to=AUDI_QUEBEC, body="Received: SM2-2026-001", since=now - timedelta(hours=1)
        )
        assert "SMthe_one" == found

    async def test_an_outage_during_the_lookup_is_transient(
        self, reporting_sender: TwilioSmsSender, fake_twilio: FakeTwilio
    ) -> None:
        """A 503 while looking: try again later (the task retries), never "not sent"."""
        fake_twilio.replies.append(SERVICE_UNAVAILABLE)
        with pytest.raises(IntegrationError) as caught:
            await reporting_sender.find_sent(to=AUDI_QUEBEC, body="x", since=datetime.now(UTC))
        assert caught.value.transient

    async def test_without_twilio_there_is_no_record_to_look_in(self) -> None:
        """Unconfigured, the lookup says so, as sending does."""
        with pytest.raises(NotConfigured):
            await SmsNotConfigured().find_sent(to=AUDI_QUEBEC, body="x", since=datetime.now(UTC))


# --- the webhook's reading of a callback --------------------------------------------------------


class TestReadingAReport:
    def test_a_signed_report_is_read(self) -> None:
        """Sid, status and error code, as Twilio named them."""
        form = status_form("SMabc", "undelivered", ErrorCode="30003")
        body = urlencode(form).encode()
        signature = RequestValidator(AUTH_TOKEN).compute_signature(CALLBACK, form)
        report = TwilioWebhook(auth_token=AUTH_TOKEN).read_status(
            body, url=CALLBACK, signature=signature
        )
        assert DeliveryReport("SMabc", "undelivered", "30003") == report

    def test_the_fake_signs_as_the_sdk_checks(self) -> None:
        """The fake's own HMAC-SHA1 is the signature the SDK computes."""
        form = status_form("SMabc", "delivered")
        assert RequestValidator(AUTH_TOKEN).compute_signature(CALLBACK, form) == (
            twilio_signature(AUTH_TOKEN, CALLBACK, form)
        )


# --- the webhook on the memory system -----------------------------------------------------------


@pytest.fixture
async def memory(parser: ScriptedParser) -> MemorySystem:
    return await demo_system(parser)


@pytest.fixture
async def sent(memory: MemorySystem) -> OutboundSms:
    """A confirmation Twilio accepted as SMknown."""
    sms = OutboundSms(
        id=uuid4(),
        to_number=AUDI_QUEBEC,
        body="Received: SM2-2026-001",
        created_at=memory.clock.now(),
        status=OutboundStatus.SENT,
        provider_sid="SMknown",
        sent_at=memory.clock.now(),
    )
    async with memory.store.unit_of_work() as uow:
        await uow.outbox.add(sms)
    return sms


def memory_client(memory: MemorySystem, **config: Any) -> httpx.AsyncClient:
    settings: dict[str, Any] = {
        "jwt_secret": "x" * 32,
        "public_url": PUBLIC,
        "twilio_auth_token": AUTH_TOKEN,
        **config,
    }
    app = create_app(
        memory.services,
        config=WebConfig(**settings),
        clock=memory.clock,
        limiter=MemoryRateLimiter(memory.clock),
        events_feed=memory.bus,
        health_probe=MemoryHealth(),
    )
    transport = httpx.ASGITransport(app=cast(Any, app))
    return httpx.AsyncClient(transport=transport, base_url="http://testserver.local")


async def post_report(
    client: httpx.AsyncClient, form: dict[str, str], *, signature: str | None = None
) -> httpx.Response:
    if signature is None:
        signature = RequestValidator(AUTH_TOKEN).compute_signature(CALLBACK, form)
    headers = {"X-Twilio-Signature": signature} if signature else {}
    return await client.post(STATUS_CALLBACK_PATH, data=form, headers=headers)


async def stored(memory: MemorySystem, sms: OutboundSms) -> OutboundSms:
    async with memory.store.unit_of_work() as uow:
        return await uow.outbox.get(sms.id)


class TestWebhook:
    async def test_delivered_moves_the_text_on_and_answers_204(
        self, memory: MemorySystem, sent: OutboundSms
    ) -> None:
        """A signed "delivered" for our sid: 204 with no body, the text DELIVERED."""
        async with memory_client(memory) as client:
            response = await post_report(client, status_form("SMknown", "delivered"))
        assert (204, b"") == (response.status_code, response.content)
        assert OutboundStatus.DELIVERED == (await stored(memory, sent)).status

    async def test_the_status_change_is_announced(
        self, memory: MemorySystem, sent: OutboundSms
    ) -> None:
        """The board and the Messages page hear of it (a ``message.status`` event)."""
        async with memory_client(memory) as client:
            await post_report(client, status_form("SMknown", "undelivered", ErrorCode="30003"))
        (event,) = [e.event for e in memory.bus.published if e.event.name == "message.status"]
        assert ("UNDELIVERED", "30003") == (event.data["status"], event.data["error_code"])

    async def test_an_unknown_sid_is_answered_and_logged(
        self, memory: MemorySystem, sent: OutboundSms, caplog: pytest.LogCaptureFixture
    ) -> None:
        """A report on a text we never sent: 2xx all the same, so Twilio does not retry."""
        async with memory_client(memory) as client:
            # Building the app configured logging anew (root handlers replaced): listen after.
            web_log = logging.getLogger("sm2.web")
            web_log.addHandler(caplog.handler)
            try:
                response = await post_report(client, status_form("SMnot_ours", "delivered"))
            finally:
                web_log.removeHandler(caplog.handler)
        assert 204 == response.status_code
        assert ["INFO"] == [r.levelname for r in caplog.records if "SMnot_ours" in r.getMessage()]
        assert OutboundStatus.SENT == (await stored(memory, sent)).status

    @pytest.mark.parametrize("signature", ["", "forged", "c2lnbmVk"])
    async def test_a_bad_signature_is_forbidden_and_changes_nothing(
        self, memory: MemorySystem, sent: OutboundSms, signature: str
    ) -> None:
        """Missing or forged X-Twilio-Signature: 403 problem, the text as it was."""
        async with memory_client(memory) as client:
            response = await post_report(
                client, status_form("SMknown", "failed"), signature=signature
            )
        assert (403, PROBLEM) == (response.status_code, response.headers["content-type"])
        assert OutboundStatus.SENT == (await stored(memory, sent)).status

    async def test_signed_for_another_url_is_forbidden(
        self, memory: MemorySystem, sent: OutboundSms
    ) -> None:
        """A signature over the inbound webhook's URL does not open the status webhook."""
        form = status_form("SMknown", "failed")
        signature = RequestValidator(AUTH_TOKEN).compute_signature(
            PUBLIC + "/webhooks/twilio/sms", form
        )
        async with memory_client(memory) as client:
            response = await post_report(client, form, signature=signature)
        assert 403 == response.status_code

    async def test_no_auth_token_is_503(self, memory: MemorySystem) -> None:
        """Without the token to verify with, the webhook is not configured (as the inbound one)."""
        async with memory_client(memory, twilio_auth_token=None) as client:
            response = await post_report(client, status_form("SMknown", "delivered"))
        assert (503, PROBLEM) == (response.status_code, response.headers["content-type"])

    @pytest.mark.parametrize("missing", ["MessageSid", "MessageStatus"])
    async def test_a_report_without_sid_or_status_names_the_field(
        self, memory: MemorySystem, sent: OutboundSms, missing: str
    ) -> None:
        """Signed but lacking what names the text or its status: a problem naming the field."""
        form = status_form("SMknown", "delivered")
        del form[missing]
        del form[missing.replace("Message", "Sms")]
        async with memory_client(memory) as client:
            response = await post_report(client, form)
        assert (422, PROBLEM) == (response.status_code, response.headers["content-type"])
        assert [missing] == [p["name"] for p in response.json()["invalid_params"]]
        assert OutboundStatus.SENT == (await stored(memory, sent)).status

    async def test_verification_off_accepts_an_unsigned_report(
        self, memory: MemorySystem, sent: OutboundSms
    ) -> None:
        """SM2_TWILIO_VERIFY=off (development): unsigned reports are read."""
        async with memory_client(memory, twilio_auth_token=None, twilio_verify=False) as client:
            response = await post_report(client, status_form("SMknown", "delivered"), signature="")
        assert 204 == response.status_code
        assert OutboundStatus.DELIVERED == (await stored(memory, sent)).status


# --- end to end on PostgreSQL -------------------------------------------------------------------


@pytest.fixture
async def system(pg_url: str, tmp_path: Path, fake_twilio: FakeTwilio) -> AsyncIterator[System]:
    async with seeded_system(pg_url, tmp_path, fake_twilio.url, public_url=PUBLIC) as built:
        yield built


@pytest.fixture
async def client(system: System) -> AsyncIterator[httpx.AsyncClient]:
    # The routes alone: the test opened the system, and httpx runs no lifespan.
    app = app_for_runtime(system, config=web_config(system.settings), run_worker=False)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://internal") as c:
        yield c


async def text(client: httpx.AsyncClient, body: str, *, sender: str = AUDI_QUEBEC) -> None:
    """A text from ``sender``, signed as Twilio signs it."""
    params = {
        "From": sender,
        "To": OUR_NUMBER,
        "Body": body,
        "MessageSid": f"SM{uuid4().hex}",
        "NumMedia": "0",
    }
    signature = RequestValidator(AUTH_TOKEN).compute_signature(
        f"{PUBLIC}/webhooks/twilio/sms", params
    )
    response = await client.post(
        "/webhooks/twilio/sms", data=params, headers={"X-Twilio-Signature": signature}
    )
    assert 200 == response.status_code, response.text


def rows(system: System, query: str, *args: Any) -> list[tuple[Any, ...]]:
    with psycopg.connect(system.database_url) as conn:
        return conn.execute(query, args).fetchall()


def outbox(system: System) -> list[tuple[Any, ...]]:
    """(to, status, provider sid, error code) of each text, oldest first."""
    return rows(
        system,
        "SELECT to_number, status, provider_sid, error_code FROM outbound_sms ORDER BY created_at",
    )


def opt_outs(system: System) -> list[tuple[Any, ...]]:
    return rows(system, "SELECT phone, source FROM opt_outs ORDER BY phone")


async def confirmed(system: System, client: httpx.AsyncClient, fake: FakeTwilio) -> str:
    """A key request from the Audi dealership, its confirmation sent: the message sid."""
    await text(client, KEY_REQUEST)
    await system.run_tasks()
    (message,) = fake.messages
    return str(message["sid"])


class TestDeliveryEndToEnd:
    async def test_twilio_reports_delivered(
        self, system: System, client: httpx.AsyncClient, fake_twilio: FakeTwilio
    ) -> None:
        """The confirmation names our callback; Twilio's "delivered" makes it DELIVERED."""
        sid = await confirmed(system, client, fake_twilio)
        assert CALLBACK == fake_twilio.status_callbacks[sid]
        assert 204 == await fake_twilio.post_status(sid, "sent", via=client)
        assert 204 == await fake_twilio.post_status(sid, "delivered", via=client)
        assert [(AUDI_QUEBEC, "DELIVERED", sid, None)] == outbox(system)

    async def test_twilio_reports_undelivered_with_its_error(
        self, system: System, client: httpx.AsyncClient, fake_twilio: FakeTwilio
    ) -> None:
        """ "undelivered" with 30003 (unreachable handset): UNDELIVERED, the code kept."""
        sid = await confirmed(system, client, fake_twilio)
        await fake_twilio.post_status(sid, "undelivered", error_code="30003", via=client)
        assert [(AUDI_QUEBEC, "UNDELIVERED", sid, "30003")] == outbox(system)

    async def test_a_late_sent_does_not_take_a_delivered_text_back(
        self, system: System, client: httpx.AsyncClient, fake_twilio: FakeTwilio
    ) -> None:
        """Callbacks may arrive out of order: "sent" after "delivered" changes nothing."""
        sid = await confirmed(system, client, fake_twilio)
        await fake_twilio.post_status(sid, "delivered", via=client)
        await fake_twilio.post_status(sid, "sent", via=client)
        assert [(AUDI_QUEBEC, "DELIVERED", sid, None)] == outbox(system)

    async def test_a_forged_report_changes_nothing(
        self, system: System, client: httpx.AsyncClient, fake_twilio: FakeTwilio
    ) -> None:
        """Signed with another token: 403, the text still SENT."""
        sid = await confirmed(system, client, fake_twilio)
        callback = fake_twilio.status_callback(sid, "failed", error_code="30008")
        forged = twilio_signature("not-the-token", callback.url, callback.form)
        response = await client.post(
            callback.path, data=callback.form, headers={"X-Twilio-Signature": forged}
        )
        assert 403 == response.status_code
        assert [(AUDI_QUEBEC, "SENT", sid, None)] == outbox(system)

    async def test_a_send_refused_with_21610_records_the_opt_out(
        self, system: System, client: httpx.AsyncClient, fake_twilio: FakeTwilio
    ) -> None:
        """Twilio refuses a number that texted STOP to it: the text OPTED_OUT, the number
        opted out by the carrier, and nothing sent."""
        fake_twilio.opted_out.add(AUDI_QUEBEC)
        await text(client, KEY_REQUEST)
        await system.run_tasks()
        assert [(AUDI_QUEBEC, "OPTED_OUT", None, "21610")] == outbox(system)
        assert [(AUDI_QUEBEC, "carrier")] == opt_outs(system)
        assert [] == fake_twilio.messages


class TestStopEndToEnd:
    async def test_stop_silences_the_number_until_start(
        self, system: System, client: httpx.AsyncClient, fake_twilio: FakeTwilio
    ) -> None:
        """STOP: no job, the number opted out, the next confirmation not sent. START: the
        opt-out gone, confirmations sent again."""
        await text(client, "STOP")
        await system.run_tasks()
        assert (0, [(AUDI_QUEBEC, "STOP")]) == (
            rows(system, "SELECT count(*) FROM jobs")[0][0],
            opt_outs(system),
        )
        assert [("NO_WORK",)] == rows(system, "SELECT status FROM inbound_messages")

        await text(client, KEY_REQUEST)
        await system.run_tasks()
        assert [(AUDI_QUEBEC, "OPTED_OUT", None, None)] == outbox(system)
        assert [] == fake_twilio.messages

        await text(client, "Start")
        await system.run_tasks()
        assert [] == opt_outs(system)
        await text(client, KEY_REQUEST.replace("2023", "2024"))
        await system.run_tasks()
        assert ["OPTED_OUT", "SENT"] == [status for _, status, _, _ in outbox(system)]
        assert [AUDI_QUEBEC] == [m["to"] for m in fake_twilio.messages]

    async def test_stop_from_a_stranger_is_kept_out_of_the_inbox_work(
        self, system: System, client: httpx.AsyncClient
    ) -> None:
        """An unknown number's STOP is honoured and asks nothing of a dispatcher."""
        await text(client, "ARRÊT", sender="+15145550100")
        await system.run_tasks()
        assert [("+15145550100", "STOP")] == opt_outs(system)
        assert [("NO_WORK", None)] == rows(
            system, "SELECT status, dealership_id FROM inbound_messages"
        )
