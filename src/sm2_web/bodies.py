"""JSON request bodies at the edge: refused as 400 when they are no JSON (or nested too deeply
to decode), and decoded strictly into their Structs.

Litestar converts a body into its Struct in msgspec's lax mode, where ``0`` passes for
``false`` and ``"1"`` for ``1``: ``strict_body`` decodes the body once more, strictly, before
the handler runs, and the field at fault is named in a 422 like any other invalid input.
"""

from __future__ import annotations

from typing import Any

import msgspec
from litestar import Request
from litestar.enums import RequestEncodingType
from litestar.exceptions import ClientException, SerializationException, ValidationException


class ApiRequest(Request[Any, Any, Any]):
    """The app's request: a body that cannot be decoded is the client's error (400), never a
    500 — malformed JSON, and JSON nested deeper than the decoder's recursion limit."""

    async def json(self) -> Any:
        try:
            return await super().json()
        except SerializationException as exc:
            raise ClientException(str(exc)) from None
        except RecursionError:
            raise ClientException("JSON is nested too deeply") from None


def _struct_body(request: Request[Any, Any, Any]) -> type[msgspec.Struct] | None:
    """The Struct a handler's JSON body decodes into, if it has one."""
    field = request.route_handler.parsed_data_field
    if field is None:
        return None
    definition = field.kwarg_definition
    media_type = getattr(definition, "media_type", RequestEncodingType.JSON)
    annotation = field.annotation
    if media_type != RequestEncodingType.JSON or not isinstance(annotation, type):
        return None
    return annotation if issubclass(annotation, msgspec.Struct) else None


def integral_numbers(value: Any) -> Any:
    """``250.0`` as ``250``: JSON has one number type, and JSON Schema calls 250.0 an integer."""
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, list):
        return [integral_numbers(v) for v in value]
    if isinstance(value, dict):
        return {k: integral_numbers(v) for k, v in value.items()}
    return value


async def strict_body(request: Request[Any, Any, Any]) -> None:
    """A ``before_request`` hook: the body must be its Struct without coercion (``0`` is no
    boolean, a number no string); otherwise 422 with the field, as the lax decoding would."""
    struct = _struct_body(request)
    if struct is None:
        return
    data = await request.json()
    try:
        msgspec.convert(integral_numbers(data), struct, strict=True)
    except RecursionError:
        raise ClientException("JSON is nested too deeply") from None
    except msgspec.ValidationError as exc:
        raise ValidationException(
            f"Validation failed for {request.method} {request.url.path}",
            extra=[{"message": str(exc), "key": "data", "source": "body"}],
        ) from None
