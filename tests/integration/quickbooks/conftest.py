"""Fixtures for the QuickBooks adapter: a fake Intuit on 127.0.0.1 and integrations pointed at it."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fake_intuit import FakeIntuit
from qbo_helpers import CLIENT_ID, CLIENT_SECRET, qbo_settings

from sm2_adapters.memory import ManualClock
from sm2_adapters.quickbooks import (
    MemoryTokenStore,
    QboConfig,
    QuickBooksIntegration,
    build_integration,
)
from sm2_adapters.settings import Settings


@pytest.fixture
def intuit() -> Iterator[FakeIntuit]:
    fake = FakeIntuit(client_id=CLIENT_ID, client_secret=CLIENT_SECRET)
    fake.start()
    try:
        yield fake
    finally:
        fake.stop()


@pytest.fixture
def settings(intuit: FakeIntuit, tmp_path: Path) -> Settings:
    return qbo_settings(intuit, tmp_path)


@pytest.fixture
def config(settings: Settings) -> QboConfig:
    config = QboConfig.from_settings(settings)
    assert config is not None
    return config


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock()


@pytest.fixture
def qbo(config: QboConfig, clock: ManualClock) -> QuickBooksIntegration:
    """The integration with its tokens in memory (not connected yet)."""
    return build_integration(config, MemoryTokenStore(), clock=clock)
