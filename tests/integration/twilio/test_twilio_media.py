"""TwilioMediaSource: an MMS item fetched from the local Twilio with the account's credentials,
through its redirect to storage; and the message log's media, as reconciliation reads them."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from urllib.parse import urlencode

import pytest
from fake_twilio_api import (
    SERVER_ERROR,
    SERVICE_UNAVAILABLE,
    TOO_MANY_REQUESTS,
    FakeTwilio,
    Reply,
    inbound_message,
)
from twilio.request_validator import RequestValidator
from twilio_helpers import ACCOUNT_SID, AUTH_TOKEN, FORD_LEVIS, OUR_NUMBER

import media_samples as sample
from sm2_adapters.settings import Settings
from sm2_adapters.twilio import (
    TwilioInbox,
    TwilioMediaSource,
    TwilioWebhook,
    twilio_media_from_settings,
)
from sm2_adapters.unconfigured import MediaSourceNotConfigured
from sm2_core.domain.records import ReceivedMedia
from sm2_core.errors import IntegrationError, InvalidInput, NotConfigured
from sm2_core.media import MAX_MEDIA_BYTES, Download

LIMIT = MAX_MEDIA_BYTES


@pytest.fixture
def source(fake_twilio: FakeTwilio) -> TwilioMediaSource:
    return TwilioMediaSource(
        account_sid=ACCOUNT_SID, auth_token=AUTH_TOKEN, api_url=fake_twilio.url, timeout=2.0
    )


class TestFetch:
    async def test_the_bytes_come_through_the_redirect_with_credentials_to_twilio_only(
        self, fake_twilio: FakeTwilio, source: TwilioMediaSource
    ) -> None:
        """Basic auth to the API, which redirects once; storage gets no credentials and the
        signed query exactly as Twilio wrote it."""
        url = fake_twilio.add_media("MM1", sample.png(), "image/png")
        assert Download(sample.png(), size=len(sample.png())) == await source.fetch(
            url, limit=LIMIT
        )
        (api_request,) = fake_twilio.requests
        assert ((ACCOUNT_SID, AUTH_TOKEN), "GET") == (api_request.auth, api_request.method)
        (stored,) = fake_twilio.storage_requests
        assert "authorization" not in stored.headers
        assert stored.query["Signature"] == "sig-" + stored.path.rsplit("/", 1)[1]

    async def test_wrong_credentials_are_a_final_failure(self, fake_twilio: FakeTwilio) -> None:
        source = TwilioMediaSource(
            account_sid=ACCOUNT_SID, auth_token="wrong", api_url=fake_twilio.url, timeout=2.0
        )
        url = fake_twilio.add_media("MM1", sample.jpeg())
        with pytest.raises(IntegrationError) as failed:
            await source.fetch(url, limit=LIMIT)
        assert (False, "401") == (failed.value.transient, failed.value.code)
        assert [] == fake_twilio.storage_requests

    async def test_a_deleted_media_is_a_final_failure(
        self, fake_twilio: FakeTwilio, source: TwilioMediaSource
    ) -> None:
        url = fake_twilio.add_media("MM1", sample.jpeg())
        with pytest.raises(IntegrationError) as failed:
            await source.fetch(url.replace("/Media/ME", "/Media/MEgone"), limit=LIMIT)
        assert (False, "404") == (failed.value.transient, failed.value.code)
        assert "no such media" in failed.value.message

    @pytest.mark.parametrize(
        ("reply", "code"),
        [(TOO_MANY_REQUESTS, "429"), (SERVICE_UNAVAILABLE, "503"), (SERVER_ERROR, "500")],
    )
    async def test_busy_or_failing_twilio_is_transient(
        self, fake_twilio: FakeTwilio, source: TwilioMediaSource, reply: Reply, code: str
    ) -> None:
        fake_twilio.replies.append(reply)
        url = fake_twilio.add_media("MM1", sample.jpeg())
        with pytest.raises(IntegrationError) as failed:
            await source.fetch(url, limit=LIMIT)
        assert (True, code) == (failed.value.transient, failed.value.code)

    async def test_a_twilio_that_hangs_is_a_transient_timeout(
        self, fake_twilio: FakeTwilio
    ) -> None:
        source = TwilioMediaSource(
            account_sid=ACCOUNT_SID, auth_token=AUTH_TOKEN, api_url=fake_twilio.url, timeout=0.3
        )
        fake_twilio.replies.append(Reply(200, "", delay=2.0))
        url = fake_twilio.add_media("MM1", sample.jpeg())
        with pytest.raises(IntegrationError) as failed:
            await source.fetch(url, limit=LIMIT)
        assert (True, "timeout") == (failed.value.transient, failed.value.code)

    async def test_an_unreachable_twilio_is_transient(self) -> None:
        source = TwilioMediaSource(
            account_sid=ACCOUNT_SID, auth_token=AUTH_TOKEN, api_url="http://127.0.0.1:9", timeout=2
        )
        url = f"http://127.0.0.1:9/2010-04-01/Accounts/{ACCOUNT_SID}/Messages/MM1/Media/ME1"
        with pytest.raises(IntegrationError) as failed:
            await source.fetch(url, limit=LIMIT)
        assert (True, "connection") == (failed.value.transient, failed.value.code)

    async def test_endless_redirects_are_a_final_failure(
        self, fake_twilio: FakeTwilio, source: TwilioMediaSource
    ) -> None:
        url = fake_twilio.add_media("MM1", sample.jpeg())
        fake_twilio.replies.extend(
            Reply(302, "", "text/plain", headers={"Location": url}) for _ in range(10)
        )
        with pytest.raises(IntegrationError) as failed:
            await source.fetch(url, limit=LIMIT)
        assert (False, "redirects") == (failed.value.transient, failed.value.code)
        assert 6 == len(fake_twilio.requests)  # the first try and five redirects

    @pytest.mark.parametrize(
        "url",
        [
            "https://evil.example/2010-04-01/Accounts/{sid}/Messages/MM1/Media/ME1",
            "{api}/2010-04-01/Accounts/ACsomeoneelse/Messages/MM1/Media/ME1",
            "{api}/2010-04-01/Accounts/{sid}/Messages.json",
            "ftp://127.0.0.1/x",
            "",
        ],
    )
    async def test_a_url_that_is_not_our_accounts_media_gets_no_request(
        self, fake_twilio: FakeTwilio, source: TwilioMediaSource, url: str
    ) -> None:
        """The credentials are never sent anywhere else."""
        with pytest.raises(InvalidInput):
            await source.fetch(url.format(sid=ACCOUNT_SID, api=fake_twilio.url), limit=LIMIT)
        assert [] == fake_twilio.requests


class TestLimit:
    async def test_a_large_file_stops_at_the_limit_when_streamed(
        self, fake_twilio: FakeTwilio, source: TwilioMediaSource
    ) -> None:
        """No Content-Length: read up to one byte past the limit, then given up."""
        data = sample.jpeg(3_000_000)
        url = fake_twilio.add_media("MM1", data, chunked=True)
        download = await source.fetch(url, limit=1_000_000)
        assert (False, 1_000_001, None) == (
            download.complete,
            len(download.data),
            download.size,
        )

    async def test_a_declared_size_over_the_limit_is_not_read(
        self, fake_twilio: FakeTwilio, source: TwilioMediaSource
    ) -> None:
        data = sample.jpeg(2_000_000)
        url = fake_twilio.add_media("MM1", data)
        assert Download(b"", complete=False, size=2_000_000) == await source.fetch(
            url, limit=1_000_000
        )

    async def test_exactly_the_limit_is_read_whole(
        self, fake_twilio: FakeTwilio, source: TwilioMediaSource
    ) -> None:
        data = sample.jpeg(500_000)
        url = fake_twilio.add_media("MM1", data, chunked=True)
        assert Download(data, size=500_000) == await source.fetch(url, limit=500_000)


class TestSettings:
    def test_without_credentials_fetches_say_not_configured(self) -> None:
        assert isinstance(twilio_media_from_settings(Settings()), MediaSourceNotConfigured)

    async def test_the_unconfigured_source_refuses(self) -> None:
        with pytest.raises(NotConfigured):
            await MediaSourceNotConfigured().fetch("https://api.twilio.com/x", limit=1)

    def test_with_credentials_it_is_twilio_at_the_configured_url(self) -> None:
        settings = Settings(
            twilio_account_sid=ACCOUNT_SID,
            twilio_auth_token=AUTH_TOKEN,
            twilio_from_number=OUR_NUMBER,
            twilio_api_url="http://127.0.0.1:1234",
        )
        source = twilio_media_from_settings(settings)
        assert isinstance(source, TwilioMediaSource)
        assert (ACCOUNT_SID, "http://127.0.0.1:1234") == (source.account_sid, source.api_url)
        assert AUTH_TOKEN not in repr(source)


class TestReconciliationMedia:
    async def test_the_log_s_texts_come_with_their_media_urls(
        self, fake_twilio: FakeTwilio, source: TwilioMediaSource
    ) -> None:
        """A text with two photos in Twilio's log: their content URLs, in order, fetchable."""
        sent = datetime.now(UTC) - timedelta(minutes=5)
        text = inbound_message(
            from_=FORD_LEVIS,
            to=OUR_NUMBER,
            body="photos of the dash",
            date_sent=sent,
            num_media="2",
            account_sid=ACCOUNT_SID,
        )
        plain = inbound_message(
            from_=FORD_LEVIS,
            to=OUR_NUMBER,
            body="no photo",
            date_sent=sent,
            account_sid=ACCOUNT_SID,
        )
        fake_twilio.inbound.extend([text, plain])
        first = fake_twilio.add_media(text["sid"], sample.png(), "image/png")
        second = fake_twilio.add_media(text["sid"], sample.pdf(), "application/pdf")
        inbox = TwilioInbox(
            account_sid=ACCOUNT_SID,
            auth_token=AUTH_TOKEN,
            number=OUR_NUMBER,
            api_url=fake_twilio.url,
        )
        texts = {sms.sid: sms for sms in await inbox.received(since=sent - timedelta(minutes=1))}
        assert [(first, "image/png"), (second, "application/pdf")] == [
            (m.url, m.content_type) for m in texts[text["sid"]].media
        ]
        assert () == texts[plain["sid"]].media
        fetched = await source.fetch(first, limit=LIMIT)
        assert sample.png() == fetched.data


class TestWebhookMedia:
    def test_the_media_fields_are_read_in_order(self) -> None:
        """``MediaUrlN`` with ``MediaContentTypeN``, as Twilio numbers them, signature checked."""
        url = "https://dispatch.example.com/webhooks/twilio/sms"
        form = {
            "MessageSid": "MM" + "1" * 32,
            "From": FORD_LEVIS,
            "To": OUR_NUMBER,
            "Body": "",
            "NumMedia": "2",
            "MediaUrl0": "https://api.twilio.com/2010-04-01/Accounts/AC1/Messages/MM1/Media/ME0",
            "MediaContentType0": "image/jpeg",
            "MediaUrl1": "https://api.twilio.com/2010-04-01/Accounts/AC1/Messages/MM1/Media/ME1",
            "MediaContentType1": "application/pdf",
        }
        signature = RequestValidator(AUTH_TOKEN).compute_signature(url, form)
        received = TwilioWebhook(auth_token=AUTH_TOKEN).read(
            urlencode(form).encode(), url=url, signature=signature
        )
        assert (
            ReceivedMedia(form["MediaUrl0"], "image/jpeg"),
            ReceivedMedia(form["MediaUrl1"], "application/pdf"),
        ) == received.media  # type: ignore[union-attr]
