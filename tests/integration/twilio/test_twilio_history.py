"""TwilioInbox: Twilio's message log read through the real twilio SDK, from the local API."""

from __future__ import annotations

import json
import logging
import socket
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest
from fake_twilio_api import (
    SERVER_ERROR,
    SERVICE_UNAVAILABLE,
    TOO_MANY_REQUESTS,
    FakeTwilio,
    Reply,
    inbound_message,
)
from twilio_helpers import ACCOUNT_SID, AUDI_QUEBEC, AUTH_TOKEN, FORD_LEVIS, OUR_NUMBER

from sm2_adapters.settings import Settings
from sm2_adapters.twilio import TwilioInbox, twilio_inbox_from_settings
from sm2_adapters.unconfigured import CarrierInboxNotConfigured
from sm2_core.domain.records import ReceivedSms
from sm2_core.errors import IntegrationError, NotConfigured

NOW = datetime(2026, 11, 25, 13, 0, tzinfo=UTC)
QUEBEC = timezone(timedelta(hours=-5))


@pytest.fixture
def inbox(fake_twilio: FakeTwilio) -> TwilioInbox:
    return TwilioInbox(
        account_sid=ACCOUNT_SID,
        auth_token=AUTH_TOKEN,
        number=OUR_NUMBER,
        api_url=fake_twilio.url,
        timeout=2.0,
    )


def text_in(
    fake: FakeTwilio,
    sid: str,
    minutes_ago: float,
    *,
    sender: str = AUDI_QUEBEC,
    to: str = OUR_NUMBER,
    body: str = "key for a Q5",
    direction: str = "inbound",
) -> None:
    fake.inbound.append(
        inbound_message(
            sid=sid,
            from_=sender,
            to=to,
            body=body,
            date_sent=NOW - timedelta(minutes=minutes_ago),
            direction=direction,
            account_sid=ACCOUNT_SID,
        )
    )


async def _failure(inbox: TwilioInbox) -> IntegrationError:
    with pytest.raises(IntegrationError) as caught:
        await inbox.received(since=NOW - timedelta(hours=1))
    return caught.value


class TestListing:
    async def test_maps_each_inbound_text(
        self, inbox: TwilioInbox, fake_twilio: FakeTwilio
    ) -> None:
        """Sid, From, To, Body, NumMedia and the moment Twilio received it, unchecked."""
        fake_twilio.inbound.append(
            inbound_message(
                sid="SMmapped01",
                from_=FORD_LEVIS,
                to=OUR_NUMBER,
                body="F-150 2024 oil change ✓",
                date_sent=NOW - timedelta(minutes=5),
                num_media="2",
                account_sid=ACCOUNT_SID,
            )
        )
        texts = await inbox.received(since=NOW - timedelta(hours=1))
        assert [
            ReceivedSms(
                sid="SMmapped01",
                from_number=FORD_LEVIS,
                to_number=OUR_NUMBER,
                body="F-150 2024 oil change ✓",
                num_media="2",
                sent_at=NOW - timedelta(minutes=5),
            )
        ] == texts

    async def test_oldest_first(self, inbox: TwilioInbox, fake_twilio: FakeTwilio) -> None:
        """Twilio lists newest first; the port answers in the order they arrived."""
        for sid, minutes_ago in (("SMb", 20), ("SMc", 5), ("SMa", 40)):
            text_in(fake_twilio, sid, minutes_ago)
        texts = await inbox.received(since=NOW - timedelta(hours=1))
        assert ["SMa", "SMb", "SMc"] == [t.sid for t in texts]

    async def test_asks_for_our_number_since_the_moment_in_gmt(
        self, inbox: TwilioInbox, fake_twilio: FakeTwilio
    ) -> None:
        """One authenticated GET: To is our number, DateSent> the moment in GMT, whole seconds."""
        since = datetime(2026, 11, 25, 7, 30, 15, 500_000, tzinfo=QUEBEC)
        await inbox.received(since=since)
        (request,) = fake_twilio.requests
        assert ("GET", f"/2010-04-01/Accounts/{ACCOUNT_SID}/Messages.json") == (
            request.method,
            request.path,
        )
        assert (ACCOUNT_SID, AUTH_TOKEN) == request.auth
        assert OUR_NUMBER == request.query["To"]
        assert "2026-11-25T12:30:15Z" == request.query["DateSent>"]

    async def test_only_texts_since_the_moment(
        self, inbox: TwilioInbox, fake_twilio: FakeTwilio
    ) -> None:
        """A text from before ``since`` is not listed."""
        text_in(fake_twilio, "SMold", 90)
        text_in(fake_twilio, "SMnew", 30)
        texts = await inbox.received(since=NOW - timedelta(hours=1))
        assert ["SMnew"] == [t.sid for t in texts]

    async def test_kept_to_the_moment_when_twilio_filters_by_the_day(
        self, inbox: TwilioInbox, fake_twilio: FakeTwilio
    ) -> None:
        """Twilio answering the whole day still gives only texts since the moment."""
        text_in(fake_twilio, "SMmorning", 300)
        text_in(fake_twilio, "SMnew", 30)
        day = inbound_message(
            sid="SMmorning",
            from_=AUDI_QUEBEC,
            to=OUR_NUMBER,
            body="early",
            date_sent=NOW - timedelta(minutes=300),
            account_sid=ACCOUNT_SID,
        )
        new = fake_twilio.inbound[-1]
        page = {"messages": [new, day], "next_page_uri": None, "page": 0, "page_size": 50}
        fake_twilio.replies.append(Reply(200, json.dumps(page)))
        texts = await inbox.received(since=NOW - timedelta(hours=1))
        assert ["SMnew"] == [t.sid for t in texts]

    async def test_inbound_only(self, inbox: TwilioInbox, fake_twilio: FakeTwilio) -> None:
        """Our own texts (outbound-api, outbound-reply) are not texts dealerships sent."""
        text_in(fake_twilio, "SMin", 10)
        text_in(fake_twilio, "SMapi", 9, direction="outbound-api")
        text_in(fake_twilio, "SMreply", 8, direction="outbound-reply")
        texts = await inbox.received(since=NOW - timedelta(hours=1))
        assert ["SMin"] == [t.sid for t in texts]

    async def test_texts_to_another_number_are_not_ours(
        self, inbox: TwilioInbox, fake_twilio: FakeTwilio
    ) -> None:
        """The account's other numbers are filtered out by To."""
        text_in(fake_twilio, "SMours", 10)
        text_in(fake_twilio, "SMother", 10, to="+15815550100")
        texts = await inbox.received(since=NOW - timedelta(hours=1))
        assert ["SMours"] == [t.sid for t in texts]

    async def test_follows_every_page(self, fake_twilio: FakeTwilio) -> None:
        """Seven texts three to a page: three requests, each text once."""
        inbox = TwilioInbox(
            account_sid=ACCOUNT_SID,
            auth_token=AUTH_TOKEN,
            number=OUR_NUMBER,
            api_url=fake_twilio.url,
            page_size=3,
        )
        for n in range(7):
            text_in(fake_twilio, f"SMpage{n}", 50 - n)
        texts = await inbox.received(since=NOW - timedelta(hours=1))
        assert [f"SMpage{n}" for n in range(7)] == [t.sid for t in texts]
        assert 3 == len(fake_twilio.requests)
        assert ["3", "3", "3"] == [r.query["PageSize"] for r in fake_twilio.requests]
        assert all(r.auth == (ACCOUNT_SID, AUTH_TOKEN) for r in fake_twilio.requests)

    async def test_nothing_received(self, inbox: TwilioInbox) -> None:
        """An empty log is an empty list."""
        assert [] == await inbox.received(since=NOW - timedelta(hours=1))

    async def test_api_url_with_a_trailing_slash(self, fake_twilio: FakeTwilio) -> None:
        """``SM2_TWILIO_API_URL=http://host:port/`` is the same base, for every page."""
        inbox = TwilioInbox(
            account_sid=ACCOUNT_SID,
            auth_token=AUTH_TOKEN,
            number=OUR_NUMBER,
            api_url=fake_twilio.url + "/",
            page_size=1,
        )
        text_in(fake_twilio, "SM1", 10)
        text_in(fake_twilio, "SM2", 5)
        assert ["SM1", "SM2"] == [t.sid for t in await inbox.received(since=NOW - timedelta(1))]
        assert 2 == len(fake_twilio.requests)


class TestFailures:
    async def test_too_many_requests_is_transient(
        self, inbox: TwilioInbox, fake_twilio: FakeTwilio
    ) -> None:
        """429 with error 20429: try again later."""
        fake_twilio.replies.append(TOO_MANY_REQUESTS)
        error = await _failure(inbox)
        assert (True, "20429", "twilio") == (error.transient, error.code, error.system)
        assert "HTTP 429" in error.message

    async def test_failures_are_left_to_the_caller_to_log(
        self, inbox: TwilioInbox, fake_twilio: FakeTwilio, caplog: pytest.LogCaptureFixture
    ) -> None:
        """The CLI prints it, the periodic run logs it once: the adapter only at debug."""
        caplog.set_level(logging.DEBUG, logger="sm2_adapters.twilio")
        fake_twilio.replies.append(SERVICE_UNAVAILABLE)
        await _failure(inbox)
        assert ["DEBUG"] == [r.levelname for r in caplog.records if "failed" in r.getMessage()]
        assert AUTH_TOKEN not in caplog.text

    async def test_service_unavailable_is_transient(
        self, inbox: TwilioInbox, fake_twilio: FakeTwilio
    ) -> None:
        """503: transient."""
        fake_twilio.replies.append(SERVICE_UNAVAILABLE)
        assert (await _failure(inbox)).transient

    async def test_an_html_500_is_transient(
        self, inbox: TwilioInbox, fake_twilio: FakeTwilio
    ) -> None:
        """A load balancer's HTML error page: transient, coded by its status."""
        fake_twilio.replies.append(SERVER_ERROR)
        error = await _failure(inbox)
        assert (True, "500") == (error.transient, error.code)

    async def test_a_wrong_token_is_final(self, fake_twilio: FakeTwilio) -> None:
        """401 with error 20003: retrying cannot help."""
        inbox = TwilioInbox(
            account_sid=ACCOUNT_SID,
            auth_token="not-the-token",
            number=OUR_NUMBER,
            api_url=fake_twilio.url,
        )
        error = await _failure(inbox)
        assert (False, "20003") == (error.transient, error.code)
        assert "not-the-token" not in error.message

    async def test_a_failing_second_page_fails_the_listing(self, fake_twilio: FakeTwilio) -> None:
        """No partial answer: a page that fails fails the whole call."""
        inbox = TwilioInbox(
            account_sid=ACCOUNT_SID,
            auth_token=AUTH_TOKEN,
            number=OUR_NUMBER,
            api_url=fake_twilio.url,
            page_size=1,
        )
        text_in(fake_twilio, "SM1", 10)
        text_in(fake_twilio, "SM2", 5)
        fake_twilio.replies.extend([None, SERVICE_UNAVAILABLE])
        error = await _failure(inbox)
        assert (True, "20503") == (error.transient, error.code)
        assert 2 == len(fake_twilio.requests)

    async def test_an_answer_that_is_not_json_is_transient(
        self, inbox: TwilioInbox, fake_twilio: FakeTwilio
    ) -> None:
        """A garbled 200 may be retried: reading twice does no harm."""
        fake_twilio.replies.append(Reply(200, "<html>oops</html>", "text/html"))
        error = await _failure(inbox)
        assert (True, "bad_response") == (error.transient, error.code)

    async def test_a_slow_answer_times_out_transient(self, fake_twilio: FakeTwilio) -> None:
        """No answer within the timeout: transient."""
        inbox = TwilioInbox(
            account_sid=ACCOUNT_SID,
            auth_token=AUTH_TOKEN,
            number=OUR_NUMBER,
            api_url=fake_twilio.url,
            timeout=0.2,
        )
        fake_twilio.replies.append(Reply(200, "{}", delay=2.0))
        error = await _failure(inbox)
        assert (True, "timeout") == (error.transient, error.code)

    async def test_nothing_listening_is_transient(self) -> None:
        """Connection refused: transient."""
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            url = f"http://127.0.0.1:{probe.getsockname()[1]}"
        inbox = TwilioInbox(
            account_sid=ACCOUNT_SID, auth_token=AUTH_TOKEN, number=OUR_NUMBER, api_url=url
        )
        error = await _failure(inbox)
        assert (True, "connection") == (error.transient, error.code)


class TestFromSettings:
    def test_twilio_when_sid_token_and_number_are_set(self, tmp_path: Path) -> None:
        """The three TWILIO_* settings and SM2_TWILIO_API_URL make a TwilioInbox."""
        settings = Settings(
            data_dir=tmp_path,
            twilio_account_sid=ACCOUNT_SID,
            twilio_auth_token=AUTH_TOKEN,
            twilio_from_number=OUR_NUMBER,
            twilio_api_url="http://127.0.0.1:9",
        )
        inbox = twilio_inbox_from_settings(settings)
        assert isinstance(inbox, TwilioInbox)
        assert (OUR_NUMBER, "http://127.0.0.1:9") == (inbox.number, inbox.api_url)
        assert AUTH_TOKEN not in repr(inbox)

    @pytest.mark.parametrize(
        "missing", ["twilio_account_sid", "twilio_auth_token", "twilio_from_number"]
    )
    async def test_not_configured_without_any_of_them(self, tmp_path: Path, missing: str) -> None:
        """Without one of the three, reconciliation says what to set."""
        values = {
            "twilio_account_sid": ACCOUNT_SID,
            "twilio_auth_token": AUTH_TOKEN,
            "twilio_from_number": OUR_NUMBER,
        }
        values[missing] = None  # type: ignore[assignment]
        inbox = twilio_inbox_from_settings(Settings(data_dir=tmp_path, **values))
        assert isinstance(inbox, CarrierInboxNotConfigured)
        with pytest.raises(NotConfigured, match="TWILIO_FROM_NUMBER"):
            await inbox.received(since=NOW)
