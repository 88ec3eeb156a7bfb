"""Builders shared by the OpenAI adapter's tests: model answers and a scripted offline parser."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from uuid import UUID

from sm2_adapters.openai import OpenAIParser
from sm2_core.domain.enums import Language
from sm2_core.parsing import ParsedRequest, ParseResult

API_KEY = "sk-test-0123456789abcdefSECRET"
AUDI_VIN = "WA1BNAFY4PP057830"
F150_VIN = "1FTFW1E55NF094929"

#: The ``make_parser`` fixture: an OpenAIParser against the fake, options overridable.
MakeParser = Callable[..., OpenAIParser]


def vehicle(**fields: Any) -> dict[str, Any]:
    """One request of a model answer: every key present, null unless given."""
    keys = ("year", "make", "model", "vin", "stock_no", "service_code")
    unknown = set(fields) - set(keys)
    assert not unknown, unknown
    return {key: fields.get(key) for key in keys}


def answer(
    *requests: dict[str, Any],
    is_work: bool | None = None,
    language: str = "en",
    urgency: str = "MEDIUM",
) -> dict[str, Any]:
    """A model answer as the schema says; work when it lists vehicles unless told otherwise."""
    return {
        "is_work": bool(requests) if is_work is None else is_work,
        "language": language,
        "urgency": urgency,
        "requests": list(requests),
    }


AUDI_KEY = answer(
    vehicle(year=2023, make="Audi", model="Q5", vin=AUDI_VIN, service_code="KEY_PROGRAMMING")
)


def offline_result(confidence: float, *, warnings: tuple[str, ...] = ()) -> ParseResult:
    return ParseResult(
        requests=(ParsedRequest(model="Q5", service_code="KEY_PROGRAMMING"),),
        confidence=confidence,
        language=Language.EN,
        parser="offline",
        warnings=warnings,
    )


class ScriptedOffline:
    """Stands in for OfflineParser: always the same result; records what it was given."""

    def __init__(self, result: ParseResult) -> None:
        self.result = result
        self.calls: list[tuple[str, UUID | None]] = []

    def parse_text(self, body: str) -> ParseResult:
        self.calls.append((body, None))
        return self.result

    async def parse(self, body: str, *, dealership_id: UUID | None = None) -> ParseResult:
        self.calls.append((body, dealership_id))
        return self.result
