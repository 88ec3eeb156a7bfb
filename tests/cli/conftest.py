"""Fixtures of the ``sm2`` tests: a memory system (empty or seeded) and ``sm2`` bound to it."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from cli_support import SHARED_DATA, Sm2

from sm2_adapters.memory import MemorySystem, build_memory_system
from sm2_adapters.seed import seed_demo


@pytest.fixture
def empty_system() -> MemorySystem:
    """A memory system without any reference data."""
    return build_memory_system()


@pytest.fixture
def system() -> MemorySystem:
    """A memory system with the demo reference data."""
    built = build_memory_system()
    asyncio.run(seed_demo(built.services))
    return built


@pytest.fixture
def sm2(system: MemorySystem) -> Sm2:
    return Sm2(system)


@pytest.fixture
def shared_data() -> Path:
    """The operator's CSV files next to the repository (../shared/data); required."""
    if not SHARED_DATA.is_dir():
        pytest.fail(f"the shared data folder is missing: {SHARED_DATA}")
    return SHARED_DATA
