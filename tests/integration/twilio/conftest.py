"""Fixtures for the Twilio adapter: the local Messages API and a sender pointed at it."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import AsyncIterator, Iterator

import pytest
from fake_twilio_api import FakeTwilio
from twilio_helpers import ACCOUNT_SID, AUTH_TOKEN, OUR_NUMBER, ScriptedParser

from integration.push.fake_push_service import push_service
from sm2_adapters.twilio import TwilioSmsSender

__all__ = ["push_service"]


@pytest.fixture
async def fake_twilio() -> AsyncIterator[FakeTwilio]:
    api = FakeTwilio(account_sid=ACCOUNT_SID, auth_token=AUTH_TOKEN)
    await api.start()
    try:
        yield api
    finally:
        await api.stop()


@pytest.fixture
def threaded_twilio() -> Iterator[FakeTwilio]:
    """The same API on an event loop of its own thread: for tests whose code under test runs
    its own loop (``sm2`` commands through ``CliRunner``)."""
    loop = asyncio.new_event_loop()
    thread = threading.Thread(target=loop.run_forever, daemon=True)
    thread.start()
    api = FakeTwilio(account_sid=ACCOUNT_SID, auth_token=AUTH_TOKEN)
    asyncio.run_coroutine_threadsafe(api.start(), loop).result(timeout=10)
    try:
        yield api
    finally:
        asyncio.run_coroutine_threadsafe(api.stop(), loop).result(timeout=10)
        loop.call_soon_threadsafe(loop.stop)
        thread.join(timeout=10)
        loop.close()


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
