"""The model's answer as typed data: the one cattrs converter of the OpenAI edge.

Structured outputs should make a mismatch impossible, but the answer still crosses a network
(and ``OPENAI_BASE_URL`` may point at a proxy or another vendor that ignores ``strict``), so it is
checked as strictly as the schema says: exact JSON types, every key present, no extra keys.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import attrs
import cattrs

from sm2_core.domain.enums import Language, Urgency
from sm2_core.errors import IntegrationError


@attrs.frozen
class LlmRequest:
    year: int | None
    make: str | None
    model: str | None
    vin: str | None
    stock_no: str | None
    service_code: str | None


@attrs.frozen
class LlmAnswer:
    is_work: bool
    language: Language
    urgency: Urgency
    requests: tuple[LlmRequest, ...]


def _exact(kind: type[Any]) -> Callable[[Any, Any], Any]:
    # cattrs would turn "2023" into 2023 and 1 into True; a schema mismatch must not pass.
    def structure(value: Any, _type: Any) -> Any:
        if type(value) is not kind:
            raise TypeError(f"expected {kind.__name__}, got {type(value).__name__}")
        return value

    return structure


def _make_converter() -> cattrs.Converter:
    converter = cattrs.Converter(forbid_extra_keys=True)
    for kind in (int, str, bool):
        converter.register_structure_hook(kind, _exact(kind))
    return converter


_converter = _make_converter()


def unstructure(answer: LlmAnswer) -> dict[str, Any]:
    """The JSON object the model would have written for ``answer``."""
    data: dict[str, Any] = _converter.unstructure(answer)
    data["requests"] = list(data["requests"])
    return data


def decode_answer(content: str) -> LlmAnswer:
    """The model's message content as an answer; IntegrationError when it is not one."""
    try:
        data = json.loads(content)
    except ValueError as exc:
        raise _mismatch(f"answer is not JSON ({exc})") from exc
    if not isinstance(data, dict):
        raise _mismatch(f"answer is a JSON {type(data).__name__}, not an object")
    try:
        return _converter.structure(data, LlmAnswer)
    except cattrs.BaseValidationError as exc:
        raise _mismatch("answer does not match the schema: " + "; ".join(_errors(exc))) from exc
    except (ValueError, TypeError, AttributeError) as exc:  # raised outside cattrs' wrapping
        raise _mismatch(f"answer does not match the schema: {exc}") from exc


def _errors(exc: cattrs.BaseValidationError) -> list[str]:
    return cattrs.transform_error(exc)[:5]


def _mismatch(message: str) -> IntegrationError:
    # Not transient: the same text would most likely get the same answer again.
    return IntegrationError("openai", message, transient=False, code="invalid_answer")
