"""CombinedParser: offline first, the real OpenAIParser (against the wire fake) only when useful."""

from __future__ import annotations

from decimal import Decimal
from typing import Any
from uuid import UUID, uuid4

import pytest
from openai_helpers import (
    API_KEY,
    AUDI_KEY,
    MakeParser,
    ScriptedOffline,
    answer,
    offline_result,
    vehicle,
)
from openai_wire_fake import FakeOpenAI

from sm2_adapters.catalog import LiveCatalog
from sm2_adapters.memory import build_memory_system
from sm2_adapters.memory.fakes import ManualClock, MemoryRateLimiter
from sm2_adapters.openai import CombinedParser, OpenAIParser, seed_catalog
from sm2_adapters.openai.combined import RATE_LIMITED, limiter_key
from sm2_adapters.seed import seed_demo
from sm2_adapters.settings import Settings
from sm2_core.domain.enums import ReferenceKind, Role
from sm2_core.domain.records import Actor
from sm2_core.parsing import ParseResult

BODY = "key Q5 WA1BNAFY4PP057830"
DEALERSHIP = UUID("00000000-0000-4000-8000-000000000001")


@pytest.fixture
def limiter(clock: ManualClock) -> MemoryRateLimiter:
    return MemoryRateLimiter(clock)


def _combined(
    offline: ScriptedOffline,
    llm: OpenAIParser | None,
    limiter: MemoryRateLimiter,
    **options: Any,
) -> CombinedParser:
    return CombinedParser(offline=offline, llm=llm, limiter=limiter, **options)


async def _used(limiter: MemoryRateLimiter, dealership_id: UUID = DEALERSHIP) -> int:
    return await limiter.used(limiter_key(dealership_id), window_seconds=3600)


class TestWhenTheLlmIsAsked:
    async def test_confident_offline_makes_no_call(
        self, parser: OpenAIParser, fake_openai: FakeOpenAI, limiter: MemoryRateLimiter
    ) -> None:
        """At or above the threshold the offline reading stands; no call, no quota used."""
        offline = ScriptedOffline(offline_result(0.6))
        result = await _combined(offline, parser, limiter).parse(BODY, dealership_id=DEALERSHIP)
        assert offline.result is result
        assert [] == fake_openai.requests
        assert 0 == await _used(limiter)
        assert [(BODY, DEALERSHIP)] == offline.calls

    async def test_unconfident_offline_asks_and_uses_the_llm(
        self, parser: OpenAIParser, fake_openai: FakeOpenAI, limiter: MemoryRateLimiter
    ) -> None:
        """Below the threshold: one call, counted against the dealership, its reading used."""
        fake_openai.answer(AUDI_KEY)
        offline = ScriptedOffline(offline_result(0.4))
        result = await _combined(offline, parser, limiter).parse(BODY, dealership_id=DEALERSHIP)
        assert "openai" == result.parser
        assert "WA1BNAFY4PP057830" == result.requests[0].vin
        assert BODY == fake_openai.requests[0].message("user")
        assert 1 == await _used(limiter)

    async def test_threshold_is_configurable(
        self, parser: OpenAIParser, fake_openai: FakeOpenAI, limiter: MemoryRateLimiter
    ) -> None:
        """A stricter threshold asks about readings the default would accept."""
        fake_openai.answer(AUDI_KEY)
        combined = _combined(ScriptedOffline(offline_result(0.8)), parser, limiter, threshold=0.85)
        assert "openai" == (await combined.parse(BODY, dealership_id=DEALERSHIP)).parser

    async def test_no_key_means_never_asked(
        self, fake_openai: FakeOpenAI, limiter: MemoryRateLimiter
    ) -> None:
        """No OPENAI_API_KEY: no LLM parser, the offline reading as is, no warning added."""
        llm = OpenAIParser.from_settings(
            Settings(openai_base_url=fake_openai.base_url), catalog=seed_catalog()
        )
        offline = ScriptedOffline(offline_result(0.2))
        result = await _combined(offline, llm, limiter).parse(BODY, dealership_id=DEALERSHIP)
        assert offline.result is result
        assert [] == fake_openai.requests
        assert 0 == await _used(limiter)


class TestRateLimit:
    async def test_over_the_limit_no_call_and_a_warning(
        self, parser: OpenAIParser, fake_openai: FakeOpenAI, limiter: MemoryRateLimiter
    ) -> None:
        """The second text in the hour finds the allowance spent: offline plus a warning."""
        fake_openai.answer(AUDI_KEY)
        offline = ScriptedOffline(offline_result(0.4, warnings=("VIN missing",)))
        combined = _combined(offline, parser, limiter, calls_per_hour=1)
        first = await combined.parse(BODY, dealership_id=DEALERSHIP)
        second = await combined.parse(BODY, dealership_id=DEALERSHIP)
        assert "openai" == first.parser
        assert ("offline", ("VIN missing", RATE_LIMITED)) == (second.parser, second.warnings)
        assert 1 == len(fake_openai.requests)

    async def test_allowance_is_per_dealership_and_rolls(
        self,
        parser: OpenAIParser,
        fake_openai: FakeOpenAI,
        limiter: MemoryRateLimiter,
        clock: ManualClock,
    ) -> None:
        """Another dealership has its own hour; an hour later the first has one again."""
        fake_openai.answer(AUDI_KEY).answer(AUDI_KEY).answer(AUDI_KEY)
        combined = _combined(
            ScriptedOffline(offline_result(0.4)), parser, limiter, calls_per_hour=1
        )
        parsers = [
            (await combined.parse(BODY, dealership_id=DEALERSHIP)).parser,
            (await combined.parse(BODY, dealership_id=uuid4())).parser,
            (await combined.parse(BODY, dealership_id=DEALERSHIP)).parser,
        ]
        clock.advance(seconds=3601)
        parsers.append((await combined.parse(BODY, dealership_id=DEALERSHIP)).parser)
        assert ["openai", "openai", "offline", "openai"] == parsers

    async def test_settings_set_the_allowance(
        self, fake_openai: FakeOpenAI, limiter: MemoryRateLimiter
    ) -> None:
        """From settings: the key turns the LLM on, SM2_OPENAI_CALLS_PER_HOUR caps it."""
        settings = Settings(
            openai_api_key=API_KEY,
            openai_base_url=fake_openai.base_url,
            openai_calls_per_hour=2,
        )
        combined = CombinedParser.from_settings(
            settings,
            offline=ScriptedOffline(offline_result(0.4)),
            limiter=limiter,
            catalog=await demo_catalog_store(),
        )
        fake_openai.answer(AUDI_KEY).answer(AUDI_KEY)
        try:
            parsers = [(await combined.parse(BODY, dealership_id=DEALERSHIP)).parser for _ in "abc"]
        finally:
            await combined.aclose()
        assert ["openai", "openai", "offline"] == parsers
        assert "gpt-4o" == fake_openai.requests[0].body["model"]

    def test_key_names_the_dealership(self) -> None:
        """openai:<dealership id>; texts without a dealership share one bucket."""
        assert f"openai:{DEALERSHIP}" == limiter_key(DEALERSHIP)
        assert "openai:none" == limiter_key(None)


class TestFallback:
    @pytest.mark.parametrize("script", ["500", "refusal", "malformed", "429"])
    async def test_llm_failure_keeps_the_offline_reading(
        self,
        parser: OpenAIParser,
        fake_openai: FakeOpenAI,
        limiter: MemoryRateLimiter,
        script: str,
    ) -> None:
        """Whatever fails, the offline reading comes back with a reason for the reviewer."""
        if script == "refusal":
            fake_openai.refuse("no")
        elif script == "malformed":
            fake_openai.answer('{"requests": ')
        else:
            fake_openai.fail(int(script))
        offline = ScriptedOffline(offline_result(0.3))
        result = await _combined(offline, parser, limiter).parse(BODY, dealership_id=DEALERSHIP)
        assert "offline" == result.parser
        assert offline.result.requests == result.requests
        [warning] = result.warnings
        assert warning.startswith("LLM failed: openai: ")

    async def test_slow_llm_is_cut_off_by_the_deadline(
        self, make_parser: MakeParser, fake_openai: FakeOpenAI, limiter: MemoryRateLimiter
    ) -> None:
        """The SDK would wait its own 10 s; the whole LLM step has a shorter cap."""
        fake_openai.answer(AUDI_KEY, delay=3)
        offline = ScriptedOffline(offline_result(0.3))
        combined = _combined(offline, make_parser(timeout=10), limiter, deadline_seconds=0.3)
        result = await combined.parse(BODY, dealership_id=DEALERSHIP)
        assert ("LLM failed: no answer within 0.3 s",) == result.warnings

    async def test_a_crashing_llm_parser_still_falls_back(self, limiter: MemoryRateLimiter) -> None:
        """A bug on the LLM side must not lose the job."""

        class Crashing:
            async def parse(self, body: str, *, dealership_id: UUID | None = None) -> ParseResult:
                raise KeyError("bug")

        combined = CombinedParser(
            offline=ScriptedOffline(offline_result(0.3)), llm=Crashing(), limiter=limiter
        )
        result = await combined.parse(BODY, dealership_id=DEALERSHIP)
        assert ("LLM failed: KeyError",) == result.warnings


class TestChoice:
    async def test_llm_reading_that_validates_worse_is_not_used(
        self, parser: OpenAIParser, fake_openai: FakeOpenAI, limiter: MemoryRateLimiter
    ) -> None:
        """Three doubts put the LLM under the offline reading: offline stays, with a note."""
        fake_openai.answer(
            answer(vehicle(year=1900, vin="NOTAVIN", service_code="CAR_WASH", model="Q5"))
        )
        offline = ScriptedOffline(offline_result(0.55))
        result = await _combined(offline, parser, limiter).parse(BODY, dealership_id=DEALERSHIP)
        assert "offline" == result.parser
        [note] = result.warnings
        assert note.startswith("LLM reading less certain (")


async def demo_catalog_store() -> LiveCatalog:
    system = build_memory_system()
    await seed_demo(system.services)
    return LiveCatalog(system.store.unit_of_work)


class TestLiveCatalog:
    async def test_a_service_added_by_an_admin_is_offered_to_the_model_at_the_next_parse(
        self, fake_openai: FakeOpenAI, limiter: MemoryRateLimiter
    ) -> None:
        """The schema's enum and the prompt follow the catalog without a restart."""
        system = build_memory_system()
        await seed_demo(system.services)
        catalog = LiveCatalog(system.store.unit_of_work, ttl_seconds=3600)
        admin = system.services.admin
        settings = Settings(openai_api_key=API_KEY, openai_base_url=fake_openai.base_url)
        combined = CombinedParser.from_settings(
            settings, offline=ScriptedOffline(offline_result(0.4)), limiter=limiter, catalog=catalog
        )
        # The catalog tells the LLM through the admin service's watcher, as the system wires it.
        object.__setattr__(admin, "watcher", catalog)
        fake_openai.answer(AUDI_KEY).answer(AUDI_KEY)
        try:
            await combined.parse(BODY, dealership_id=DEALERSHIP)
            await admin.create(
                ReferenceKind.SERVICES,
                {
                    "code": "WHEEL_ALIGNMENT",
                    "name": "Wheel alignment",
                    "name_fr": "Alignement",
                    "base_price": Decimal("99.00"),
                    "terms_en": ("alignment", "align"),
                    "terms_fr": ("alignement", "parallelisme"),
                },
                actor=Actor(name="admin", role=Role.ADMIN),
            )
            await combined.parse(BODY, dealership_id=DEALERSHIP)
        finally:
            await combined.aclose()
        before, after = (request_enum(r.body) for r in fake_openai.requests[:2])
        assert "WHEEL_ALIGNMENT" not in before
        assert "WHEEL_ALIGNMENT" in after
        prompt = fake_openai.requests[1].body["messages"][0]["content"]
        assert "WHEEL_ALIGNMENT: Wheel alignment / Alignement" in prompt
        assert "alignement" in prompt


def request_enum(body: dict[str, Any]) -> list[str | None]:
    schema = body["response_format"]["json_schema"]["schema"]
    enum: list[str | None] = schema["properties"]["requests"]["items"]["properties"][
        "service_code"
    ]["enum"]
    return enum
