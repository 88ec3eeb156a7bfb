"""JSON request bodies at the edge: refused as 400 when they are no JSON (or nested too deeply
to decode), and read strictly into their Structs.

Litestar converts a body into its Struct in msgspec's lax mode, where ``0`` passes for
``false`` and ``"1"`` for ``1``. The app's request reads a body strictly first; one that only
the lax mode would take is handed to Litestar as nothing a Struct accepts, so the conversion
fails where Litestar converts — after authentication, a caller without a token still gets its
401 — and ``problems`` names the field at fault from the body, read the same strict way.
"""

from __future__ import annotations

from typing import Any

import msgspec
from litestar import Request
from litestar.enums import RequestEncodingType
from litestar.exceptions import ClientException, SerializationException


class _Refused:
    """What a body refused by the strict reading decodes to: no Struct accepts it."""

    def __repr__(self) -> str:
        return "<body refused by the strict reading>"


REFUSED = _Refused()


def integral_numbers(value: Any) -> Any:
    """``250.0`` as ``250``: JSON has one number type, and JSON Schema calls 250.0 an integer."""
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, list):
        return [integral_numbers(v) for v in value]
    if isinstance(value, dict):
        return {k: integral_numbers(v) for k, v in value.items()}
    return value


def strict_error(data: Any, struct: type[msgspec.Struct]) -> msgspec.ValidationError | None:
    """Why ``data`` (decoded JSON) is not a ``struct`` without coercion; None when it is."""
    try:
        msgspec.convert(integral_numbers(data), struct, strict=True)
    except msgspec.ValidationError as exc:
        return exc
    return None


def _struct_body(request: Request[Any, Any, Any]) -> type[msgspec.Struct] | None:
    """The Struct a handler's JSON body decodes into, if it has one."""
    field = request.route_handler.parsed_data_field
    if field is None:
        return None
    media_type = getattr(field.kwarg_definition, "media_type", RequestEncodingType.JSON)
    annotation = field.annotation
    if media_type != RequestEncodingType.JSON or not isinstance(annotation, type):
        return None
    return annotation if issubclass(annotation, msgspec.Struct) else None


class ApiRequest(Request[Any, Any, Any]):
    """The app's request: a body that cannot be decoded is the client's error (400), never a
    500 — malformed JSON, and JSON nested deeper than the decoder's recursion limit; a body that
    is its handler's Struct only by coercion (``{"is_active": 0}``) is refused (422)."""

    async def json(self) -> Any:
        try:
            data = await super().json()
            struct = _struct_body(self)
            if struct is not None and strict_error(data, struct) is not None:
                return REFUSED
        except SerializationException as exc:
            raise ClientException(str(exc)) from None
        except RecursionError:
            raise ClientException("JSON is nested too deeply") from None
        return data
