"""Fixtures for the OpenAI adapter: a wire-level fake of the API and parsers pointed at it."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
from openai_helpers import API_KEY, MakeParser
from openai_wire_fake import FakeOpenAI

from sm2_adapters.memory.fakes import ManualClock
from sm2_adapters.openai import OpenAIParser, seed_catalog


@pytest.fixture
def fake_openai() -> Iterator[FakeOpenAI]:
    fake = FakeOpenAI()
    fake.start()
    try:
        yield fake
    finally:
        fake.stop()


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(datetime(2026, 3, 2, 9, 30, tzinfo=UTC))


@pytest.fixture
async def make_parser(fake_openai: FakeOpenAI, clock: ManualClock) -> AsyncIterator[MakeParser]:
    """OpenAIParser factory against the fake; SDK retries off unless a test asks for them."""
    made: list[OpenAIParser] = []

    def make(**options: Any) -> OpenAIParser:
        settings: dict[str, Any] = {
            "api_key": API_KEY,
            "base_url": fake_openai.base_url,
            "catalog": seed_catalog(),
            "max_retries": 0,
            "clock": clock,
            **options,
        }
        parser = OpenAIParser(**settings)
        made.append(parser)
        return parser

    yield make
    for parser in made:
        await parser.aclose()


@pytest.fixture
def parser(make_parser: MakeParser) -> OpenAIParser:
    return make_parser()
