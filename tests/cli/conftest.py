"""Fixtures of the ``sm2`` tests: a memory system (empty or seeded) and ``sm2`` bound to it."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from cli_support import Sm2

from sm2_adapters.memory import MemorySystem, build_memory_system
from sm2_adapters.seed import SEED_ORDER, demo_csv, seed_demo


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
def seed_data(tmp_path: Path) -> Path:
    """A folder of CSV files as an operator keeps them: the package's demo data, one per kind."""
    folder = tmp_path / "seed_data"
    folder.mkdir()
    for kind in SEED_ORDER:
        (folder / f"{kind}.csv").write_text(demo_csv(kind), "utf-8")
    return folder
