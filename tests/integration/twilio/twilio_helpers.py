"""Shared by the Twilio tests: the test account, a scripted parser, the demo on the memory system."""

from __future__ import annotations

from uuid import UUID

from sm2_adapters.memory import MemorySystem, build_memory_system
from sm2_adapters.seed import seed_demo
from sm2_core.domain.enums import Language
from sm2_core.parsing import ParsedRequest, ParseResult
from sm2_core.ports import SmsSender

ACCOUNT_SID = "AC" + "0123456789abcdef" * 2
AUTH_TOKEN = "tok-5f0c1e9a7d2b4c63a8e1f0d9c2b7a4e6"
OUR_NUMBER = "+15815550199"
AUDI_QUEBEC = "+14185550101"
FORD_LEVIS = "+14185550102"
UNKNOWN_SENDER = "+14185559999"

KEY_JOB = "2023 Audi Q5 WA1BNAFY4PP057830 programmer une clé svp"
TWO_JOBS = "F-150 2024 oil change + Escape 2022 tires"


def _result(*requests: ParsedRequest, language: Language = Language.EN) -> ParseResult:
    return ParseResult(requests=requests, confidence=0.95, language=language, parser="scripted")


class ScriptedParser:
    """Reads what the script says for a body, and asks for no work for any other body."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, UUID | None]] = []
        self.script: dict[str, ParseResult] = {
            KEY_JOB: _result(
                ParsedRequest(
                    year=2023,
                    make="Audi",
                    model="Q5",
                    vin="WA1BNAFY4PP057830",
                    service_code="KEY_PROGRAMMING",
                ),
                language=Language.FR,
            ),
            TWO_JOBS: _result(
                ParsedRequest(year=2024, make="Ford", model="F-150", service_code="OIL_CHANGE"),
                ParsedRequest(year=2022, make="Ford", model="Escape", service_code="TIRE_CHANGE"),
            ),
        }

    async def parse(self, body: str, *, dealership_id: UUID | None = None) -> ParseResult:
        self.calls.append((body, dealership_id))
        return self.script.get(body, _result())


async def demo_system(parser: ScriptedParser, sms: SmsSender | None = None) -> MemorySystem:
    """The memory system with the demo data; ``sms`` replaces its recording sender."""
    system = build_memory_system(parser=parser, sms=sms)
    await seed_demo(system.services)
    return system
