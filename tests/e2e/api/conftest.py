"""Fixtures of the HTTP API tests: the seeded app on each backend (see api_apps)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from api_apps import memory_api, open_api
from api_harness import BACKENDS, Api


@pytest.fixture(params=BACKENDS)
async def api(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Api]:
    """The seeded app with an admin and a technician login, on each backend."""
    async with open_api(request.param, request, tmp_path) as built:
        yield built


@pytest.fixture
async def mem_api() -> AsyncIterator[Api]:
    """The seeded app on the memory system only (scripted parser, manual clock)."""
    async with memory_api() as built:
        yield built


@pytest.fixture
async def pg_api(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Api]:
    """The seeded app on PostgreSQL only."""
    async with open_api("postgres", request, tmp_path) as built:
        yield built
