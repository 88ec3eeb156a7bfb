"""Fixtures for the Twilio adapter: the local Messages API and a sender pointed at it."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from fake_twilio_api import FakeTwilio
from twilio_helpers import ACCOUNT_SID, AUTH_TOKEN, OUR_NUMBER, ScriptedParser

from sm2_adapters.twilio import TwilioSmsSender


@pytest.fixture
async def fake_twilio() -> AsyncIterator[FakeTwilio]:
    api = FakeTwilio(account_sid=ACCOUNT_SID, auth_token=AUTH_TOKEN)
    await api.start()
    try:
        yield api
    finally:
        await api.stop()


@pytest.fixture
def sender(fake_twilio: FakeTwilio) -> TwilioSmsSender:
    return TwilioSmsSender(
        account_sid=ACCOUNT_SID,
        auth_token=AUTH_TOKEN,
        from_number=OUR_NUMBER,
        api_url=fake_twilio.url,
        timeout=2.0,
    )


@pytest.fixture
def parser() -> ScriptedParser:
    return ScriptedParser()
