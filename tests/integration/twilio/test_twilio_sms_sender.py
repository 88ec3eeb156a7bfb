"""TwilioSmsSender: the real twilio SDK against the local Messages API."""

from __future__ import annotations

import base64
import logging
import socket
from pathlib import Path

import pytest
from fake_twilio_api import (
    INVALID_TO,
    SERVER_ERROR,
    SERVICE_UNAVAILABLE,
    TOO_MANY_REQUESTS,
    FakeTwilio,
    Reply,
)
from twilio_helpers import ACCOUNT_SID, AUDI_QUEBEC, AUTH_TOKEN, OUR_NUMBER

from sm2_adapters.settings import Settings
from sm2_adapters.twilio import TwilioSmsSender, twilio_sender_from_settings
from sm2_adapters.unconfigured import SmsNotConfigured
from sm2_core.errors import IntegrationError, InvalidInput, NotConfigured

ACCENTED = "Reçu : SM2-2026-001, Audi Q5 2023 — programmation de clé, priorité HAUTE ✓"


async def _refusal(sender: TwilioSmsSender, to: str = AUDI_QUEBEC) -> IntegrationError:
    with pytest.raises(IntegrationError) as caught:
        await sender.send(to=to, body="hello")
    return caught.value


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
    return port


class TestRequest:
    async def test_posts_the_message_form_with_basic_auth(
        self, sender: TwilioSmsSender, fake_twilio: FakeTwilio
    ) -> None:
        """One POST to the account's Messages.json, authenticated as sid:token."""
        await sender.send(to=AUDI_QUEBEC, body="Received: SM2-2026-001")
        (request,) = fake_twilio.requests
        assert "POST" == request.method
        assert f"/2010-04-01/Accounts/{ACCOUNT_SID}/Messages.json" == request.path
        assert (ACCOUNT_SID, AUTH_TOKEN) == request.auth
        assert request.headers["content-type"].startswith("application/x-www-form-urlencoded")
        assert "application/json" == request.headers["accept"]
        assert request.headers["user-agent"].startswith("twilio-python/")

    async def test_sends_to_from_and_body(
        self, sender: TwilioSmsSender, fake_twilio: FakeTwilio
    ) -> None:
        """To, From and Body are the form's only fields."""
        await sender.send(to=AUDI_QUEBEC, body="Received: SM2-2026-001")
        (request,) = fake_twilio.requests
        assert {
            "To": [AUDI_QUEBEC],
            "From": [OUR_NUMBER],
            "Body": ["Received: SM2-2026-001"],
        } == request.form

    async def test_accents_travel_as_percent_encoded_utf8(
        self, sender: TwilioSmsSender, fake_twilio: FakeTwilio
    ) -> None:
        """French text arrives intact: UTF-8 bytes, percent-encoded, decoded strictly."""
        await sender.send(to=AUDI_QUEBEC, body=ACCENTED)
        (request,) = fake_twilio.requests
        assert b"Re%C3%A7u" in request.raw_body
        assert ACCENTED == request.field("Body")
        assert ACCENTED == fake_twilio.messages[0]["body"]

    async def test_returns_the_message_sid(
        self, sender: TwilioSmsSender, fake_twilio: FakeTwilio
    ) -> None:
        """The provider's id is the sid of the created message resource."""
        sid = await sender.send(to=AUDI_QUEBEC, body="hi")
        assert fake_twilio.messages[0]["sid"] == sid
        assert sid.startswith("SM")

    async def test_api_url_with_a_trailing_slash(self, fake_twilio: FakeTwilio) -> None:
        """``SM2_TWILIO_API_URL=http://host:port/`` is the same base."""
        sender = TwilioSmsSender(
            account_sid=ACCOUNT_SID,
            auth_token=AUTH_TOKEN,
            from_number=OUR_NUMBER,
            api_url=fake_twilio.url + "/",
        )
        assert (await sender.send(to=AUDI_QUEBEC, body="hi")).startswith("SM")
        assert f"/2010-04-01/Accounts/{ACCOUNT_SID}/Messages.json" == fake_twilio.requests[0].path

    async def test_ignores_twilio_edge_and_region_variables(
        self,
        sender: TwilioSmsSender,
        fake_twilio: FakeTwilio,
        monkeypatch: pytest.MonkeyPatch,
    ) -> None:
        """The SDK reads no environment: TWILIO_EDGE/REGION would rewrite the host."""
        monkeypatch.setenv("TWILIO_EDGE", "sydney")
        monkeypatch.setenv("TWILIO_REGION", "au1")
        assert (await sender.send(to=AUDI_QUEBEC, body="hi")).startswith("SM")
        assert 1 == len(fake_twilio.requests)


class TestRefusals:
    async def test_invalid_number_is_final(
        self, sender: TwilioSmsSender, fake_twilio: FakeTwilio
    ) -> None:
        """400 with error 21211: retrying cannot help."""
        error = await _refusal(sender, to="+1555")
        assert (False, "21211", "twilio") == (error.transient, error.code, error.system)
        assert "not a valid phone number" in error.message
        assert "HTTP 400" in error.message

    async def test_queued_400_document_is_read(
        self, sender: TwilioSmsSender, fake_twilio: FakeTwilio
    ) -> None:
        """Twilio's error JSON gives the code, whatever the request was."""
        fake_twilio.replies.append(INVALID_TO)
        error = await _refusal(sender)
        assert (False, "21211") == (error.transient, error.code)

    async def test_rfc9457_error_document(
        self, sender: TwilioSmsSender, fake_twilio: FakeTwilio
    ) -> None:
        """Newer Twilio APIs answer problem documents; the SDK raises another exception."""
        problem = (
            '{"type": "https://www.twilio.com/docs/errors/21211", "title": "Invalid To",'
            ' "status": 400, "code": 21211, "detail": "+1555 is not a phone number"}'
        )
        fake_twilio.replies.append(Reply(400, problem, "application/problem+json"))
        error = await _refusal(sender)
        assert (False, "21211") == (error.transient, error.code)
        assert "Invalid To: +1555 is not a phone number" in error.message

    async def test_bad_credentials_are_final(self, fake_twilio: FakeTwilio) -> None:
        """401 (error 20003) does not get better by retrying."""
        sender = TwilioSmsSender(
            account_sid=ACCOUNT_SID,
            auth_token="wrong",
            from_number=OUR_NUMBER,
            api_url=fake_twilio.url,
        )
        error = await _refusal(sender)
        assert (False, "20003") == (error.transient, error.code)

    @pytest.mark.parametrize(
        ("reply", "code"),
        [(TOO_MANY_REQUESTS, "20429"), (SERVICE_UNAVAILABLE, "20503"), (SERVER_ERROR, "500")],
        ids=["429", "503", "500-html"],
    )
    async def test_overload_and_server_errors_are_transient(
        self, sender: TwilioSmsSender, fake_twilio: FakeTwilio, reply: Reply, code: str
    ) -> None:
        """429 and 5xx: the task queue retries later."""
        fake_twilio.replies.append(reply)
        error = await _refusal(sender)
        assert (True, code) == (error.transient, error.code)

    async def test_created_without_json_is_final(
        self, sender: TwilioSmsSender, fake_twilio: FakeTwilio
    ) -> None:
        """A 201 we cannot read may still be a queued text: no retry, no double SMS."""
        fake_twilio.replies.append(Reply(201, "<ok/>", "text/xml"))
        error = await _refusal(sender)
        assert (False, "bad_response") == (error.transient, error.code)

    async def test_created_without_sid_is_final(
        self, sender: TwilioSmsSender, fake_twilio: FakeTwilio
    ) -> None:
        """A message resource with no sid cannot be recorded as sent."""
        fake_twilio.replies.append(Reply(201, '{"status": "queued"}'))
        error = await _refusal(sender)
        assert (False, "bad_response") == (error.transient, error.code)


class TestTransport:
    async def test_timeout_is_transient(self, fake_twilio: FakeTwilio) -> None:
        """A Twilio that does not answer in time: retried later."""
        fake_twilio.replies.append(Reply(201, "{}", delay=5.0))
        sender = TwilioSmsSender(
            account_sid=ACCOUNT_SID,
            auth_token=AUTH_TOKEN,
            from_number=OUR_NUMBER,
            api_url=fake_twilio.url,
            timeout=0.2,
        )
        error = await _refusal(sender)
        assert (True, "timeout") == (error.transient, error.code)

    async def test_connection_refused_is_transient(self) -> None:
        """Nothing listening at the API URL: retried later."""
        sender = TwilioSmsSender(
            account_sid=ACCOUNT_SID,
            auth_token=AUTH_TOKEN,
            from_number=OUR_NUMBER,
            api_url=f"http://127.0.0.1:{_free_port()}",
        )
        error = await _refusal(sender)
        assert (True, "connection") == (error.transient, error.code)


class TestSecrets:
    def test_repr_hides_the_token(self, sender: TwilioSmsSender) -> None:
        """The sender can be printed and logged."""
        assert AUTH_TOKEN not in repr(sender)
        assert ACCOUNT_SID in repr(sender)

    async def test_token_appears_in_no_log_and_no_error(
        self, sender: TwilioSmsSender, fake_twilio: FakeTwilio, caplog: pytest.LogCaptureFixture
    ) -> None:
        """Not the token, nor the Basic credentials built from it, at any log level."""
        basic = base64.b64encode(f"{ACCOUNT_SID}:{AUTH_TOKEN}".encode()).decode()
        caplog.set_level(logging.DEBUG)
        await sender.send(to=AUDI_QUEBEC, body="hi")
        fake_twilio.replies.append(SERVER_ERROR)
        error = await _refusal(sender)
        assert caplog.records
        for text in (caplog.text, str(error), repr(error)):
            assert AUTH_TOKEN not in text
            assert basic not in text


class TestFromSettings:
    def _settings(self, tmp_path: Path, **env: str) -> Settings:
        return Settings.from_env({"SM2_DATA_DIR": str(tmp_path), **env}, dotenv=tmp_path / ".env")

    async def test_configured_sender_reaches_the_api_url(
        self, tmp_path: Path, fake_twilio: FakeTwilio
    ) -> None:
        """All three credentials set: a Twilio sender on SM2_TWILIO_API_URL."""
        settings = self._settings(
            tmp_path,
            TWILIO_ACCOUNT_SID=ACCOUNT_SID,
            TWILIO_AUTH_TOKEN=AUTH_TOKEN,
            TWILIO_FROM_NUMBER=OUR_NUMBER,
            SM2_TWILIO_API_URL=fake_twilio.url,
        )
        sender = twilio_sender_from_settings(settings)
        assert isinstance(sender, TwilioSmsSender)
        sid = await sender.send(to=AUDI_QUEBEC, body="hi")
        assert fake_twilio.messages[0]["sid"] == sid

    @pytest.mark.parametrize(
        "missing", ["TWILIO_ACCOUNT_SID", "TWILIO_AUTH_TOKEN", "TWILIO_FROM_NUMBER"]
    )
    async def test_any_missing_credential_leaves_texts_unsent(
        self, tmp_path: Path, missing: str
    ) -> None:
        """Without all three, sending refuses with NotConfigured (the outbox keeps the text)."""
        env = {
            "TWILIO_ACCOUNT_SID": ACCOUNT_SID,
            "TWILIO_AUTH_TOKEN": AUTH_TOKEN,
            "TWILIO_FROM_NUMBER": OUR_NUMBER,
        }
        del env[missing]
        sender = twilio_sender_from_settings(self._settings(tmp_path, **env))
        assert isinstance(sender, SmsNotConfigured)
        with pytest.raises(NotConfigured):
            await sender.send(to=AUDI_QUEBEC, body="hi")

    @pytest.mark.parametrize("url", ["ftp://twilio.example", "127.0.0.1:8080", "http://"])
    def test_api_url_must_be_http(self, url: str) -> None:
        """A malformed SM2_TWILIO_API_URL is refused when the sender is built."""
        with pytest.raises(InvalidInput):
            TwilioSmsSender(
                account_sid=ACCOUNT_SID, auth_token=AUTH_TOKEN, from_number=OUR_NUMBER, api_url=url
            )
