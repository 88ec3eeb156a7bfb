"""Fixtures for the core's unit tests: a memory system with a scripted parser, and the demo data."""

from __future__ import annotations

import pytest
from core_helpers import Demo, ScriptedParser

from sm2_adapters.memory import MemorySystem, build_memory_system
from sm2_core.policies import PolicyConfig


@pytest.fixture
def parser() -> ScriptedParser:
    return ScriptedParser()


@pytest.fixture
def config() -> PolicyConfig:
    return PolicyConfig()


@pytest.fixture
def system(parser: ScriptedParser, config: PolicyConfig) -> MemorySystem:
    return build_memory_system(parser=parser, config=config)


@pytest.fixture
async def demo(system: MemorySystem, parser: ScriptedParser) -> Demo:
    return await Demo.load(system, parser)
