"""What OpenAIParser makes of the model's answers: our checks, warnings and confidence."""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from openai_helpers import AUDI_VIN, F150_VIN, answer, vehicle
from openai_wire_fake import FakeOpenAI

from sm2_adapters.openai import OpenAIParser
from sm2_adapters.openai.output import LlmAnswer, LlmRequest, decode_answer, unstructure
from sm2_core.domain.enums import Language, Urgency
from sm2_core.parsing import ParsedRequest, ParseResult


async def _read(parser: OpenAIParser, fake: FakeOpenAI, content: dict[str, Any]) -> ParseResult:
    fake.answer(content)
    return await parser.parse("whatever the dealer wrote")


class TestVin:
    async def test_o_typed_for_zero_is_corrected(
        self, parser: OpenAIParser, fake_openai: FakeOpenAI
    ) -> None:
        """The model copies the VIN as typed; Vin.parse fixes O→0 when that validates."""
        typed = "wa1bnafy4ppo5783o"
        result = await _read(parser, fake_openai, answer(vehicle(vin=typed, model="Q5")))
        assert AUDI_VIN == result.requests[0].vin
        assert () == result.warnings

    async def test_invalid_vin_is_kept_as_typed_with_a_warning(
        self, parser: OpenAIParser, fake_openai: FakeOpenAI
    ) -> None:
        """A broken check digit: kept (upper case, no dashes), flagged, less confident."""
        typed = "1ftfw1e56-nf094929"
        content = answer(vehicle(year=2022, make="Ford", vin=typed, service_code="OIL_CHANGE"))
        result = await _read(parser, fake_openai, content)
        assert "1FTFW1E56NF094929" == result.requests[0].vin
        assert ("VIN 1FTFW1E56NF094929 is not valid (check digit or characters)",) == (
            result.warnings
        )
        assert result.confidence < 0.9

    async def test_valid_vin_fills_year_and_make(
        self, parser: OpenAIParser, fake_openai: FakeOpenAI
    ) -> None:
        """Let the VIN speak: year and make decoded when the text gave none."""
        content = answer(vehicle(vin=F150_VIN, service_code="DIAGNOSTIC"))
        result = await _read(parser, fake_openai, content)
        assert (2022, "Ford") == (result.requests[0].year, result.requests[0].make)
        assert 0.9 == result.confidence

    async def test_vin_and_text_disagreeing_on_year_is_flagged(
        self, parser: OpenAIParser, fake_openai: FakeOpenAI
    ) -> None:
        """Neither is trusted blindly: a warning names both years."""
        content = answer(vehicle(year=2019, make="Ford", vin=F150_VIN, service_code="OIL_CHANGE"))
        result = await _read(parser, fake_openai, content)
        assert 2019 == result.requests[0].year
        assert ("VIN 1FTFW1E55NF094929 says model year 2022 but the text says 2019",) == (
            result.warnings
        )

    async def test_vin_and_text_disagreeing_on_make_is_flagged(
        self, parser: OpenAIParser, fake_openai: FakeOpenAI
    ) -> None:
        """The core's wording, so the job lists the doubt once."""
        content = answer(vehicle(make="Toyota", vin=F150_VIN, service_code="OIL_CHANGE"))
        result = await _read(parser, fake_openai, content)
        assert ("VIN says Ford but the text says Toyota",) == result.warnings


class TestFields:
    @pytest.mark.parametrize(
        ("said", "written"),
        [
            ("audi", "Audi"),
            ("GMC", "GMC"),
            ("gmc", "GMC"),
            ("mercedes benz", "Mercedes-Benz"),
            ("MINI", "MINI"),
            ("land rover", "Land Rover"),
            ("bmw", "BMW"),
            ("ALFA ROMEO", "Alfa Romeo"),
            ("suzuki", "Suzuki"),
        ],
    )
    async def test_makes_are_written_the_nhtsa_way(
        self, parser: OpenAIParser, fake_openai: FakeOpenAI, said: str, written: str
    ) -> None:
        """Known brands as NHTSA spells them; others in title case."""
        content = answer(vehicle(make=said, model="X", service_code="PDI"))
        result = await _read(parser, fake_openai, content)
        assert written == result.requests[0].make

    @pytest.mark.parametrize("year", [1899, 1975, 2029, 20223])
    async def test_implausible_years_are_dropped(
        self, parser: OpenAIParser, fake_openai: FakeOpenAI, year: int
    ) -> None:
        """Outside 1981..this year + 2 (the clock says 2026): None, and a warning."""
        content = answer(vehicle(year=year, make="Honda", model="Civic", service_code="PDI"))
        result = await _read(parser, fake_openai, content)
        assert result.requests[0].year is None
        assert (f"Model year {year} is implausible; ignored",) == result.warnings

    async def test_next_model_year_is_plausible(
        self, parser: OpenAIParser, fake_openai: FakeOpenAI
    ) -> None:
        """Makers sell next year's models early."""
        content = answer(vehicle(year=2027, make="Kia", model="EV9", service_code="PDI"))
        result = await _read(parser, fake_openai, content)
        assert 2027 == result.requests[0].year

    async def test_unknown_service_code_becomes_none(
        self, parser: OpenAIParser, fake_openai: FakeOpenAI
    ) -> None:
        """A vendor ignoring the enum: the code is dropped, a human is told."""
        content = answer(vehicle(make="Honda", model="Civic", service_code="CAR_WASH"))
        result = await _read(parser, fake_openai, content)
        assert result.requests[0].service_code is None
        assert ("LLM answered service 'CAR_WASH', which is not in the catalog",) == result.warnings
        assert result.confidence < 0.7

    async def test_blank_strings_and_stock_marks_are_cleaned(
        self, parser: OpenAIParser, fake_openai: FakeOpenAI
    ) -> None:
        """Empty strings are no value; "#" before a stock number is no part of it."""
        content = answer(vehicle(make=" ", model=" CX-5 ", stock_no="#M22-118", service_code="PDI"))
        result = await _read(parser, fake_openai, content)
        expected = ParsedRequest(model="CX-5", stock_no="M22-118", service_code="PDI")
        assert expected == result.requests[0]


class TestShape:
    async def test_several_vehicles_french_urgent(
        self, parser: OpenAIParser, fake_openai: FakeOpenAI
    ) -> None:
        """One request per vehicle; language and urgency as the model read them."""
        content = answer(
            vehicle(year=2024, make="Toyota", model="RAV4", stock_no="K2401", service_code="PDI"),
            vehicle(year=2024, make="Toyota", model="RAV4", stock_no="K2402", service_code="PDI"),
            language="fr",
            urgency="HIGH",
        )
        result = await _read(parser, fake_openai, content)
        assert ["K2401", "K2402"] == [r.stock_no for r in result.requests]
        assert (Language.FR, Urgency.HIGH) == (result.language, result.urgency)
        assert 0.9 == result.confidence

    async def test_non_work_text(self, parser: OpenAIParser, fake_openai: FakeOpenAI) -> None:
        """Thanks/STOP: no requests, confidently."""
        result = await _read(parser, fake_openai, answer(is_work=False, language="fr"))
        assert () == result.requests
        assert not result.is_work
        assert 0.9 == result.confidence

    async def test_not_work_but_vehicles_listed(
        self, parser: OpenAIParser, fake_openai: FakeOpenAI
    ) -> None:
        """is_work false wins (a thank-you must make no job), at a cost in confidence."""
        content = answer(vehicle(model="RAV4", service_code="OIL_CHANGE"), is_work=False)
        result = await _read(parser, fake_openai, content)
        assert () == result.requests
        assert result.confidence < 0.9

    async def test_work_without_any_vehicle(
        self, parser: OpenAIParser, fake_openai: FakeOpenAI
    ) -> None:
        """Empty requests are dropped; work with nothing left is flagged."""
        content = answer(vehicle(), is_work=True)
        result = await _read(parser, fake_openai, content)
        assert () == result.requests
        assert ("The text asks for work but names no vehicle",) == result.warnings

    async def test_missing_service_lowers_confidence_without_a_warning(
        self, parser: OpenAIParser, fake_openai: FakeOpenAI
    ) -> None:
        """The core already says "Service not recognised"; no second wording here."""
        result = await _read(parser, fake_openai, answer(vehicle(make="Honda", model="Civic")))
        assert () == result.warnings
        assert result.confidence < 0.9


_text = st.none() | st.text(max_size=20)
_requests = st.builds(
    LlmRequest,
    year=st.none() | st.integers(-(2**40), 2**40),
    make=_text,
    model=_text,
    vin=_text,
    stock_no=_text,
    service_code=_text,
)
_answers = st.builds(
    LlmAnswer,
    is_work=st.booleans(),
    language=st.sampled_from(Language),
    urgency=st.sampled_from(Urgency),
    requests=st.lists(_requests, max_size=4).map(tuple),
)


class TestConverter:
    @given(_answers)
    def test_round_trip(self, llm_answer: LlmAnswer) -> None:
        """Whatever the schema allows decodes back to the same answer."""
        assert llm_answer == decode_answer(json.dumps(unstructure(llm_answer)))
