"""The error tree mapped once to RFC 9457 problem documents; no stack trace reaches a client."""

from __future__ import annotations

import logging
import re
from typing import Any

import msgspec
from litestar import Controller, Request, Response
from litestar.exceptions import HTTPException, ValidationException
from litestar.handlers import HTTPRouteHandler
from litestar.openapi.datastructures import ResponseSpec
from litestar.types import ExceptionHandlersMap
from litestar.utils.scope.state import ScopeState

from sm2_core.errors import (
    AlreadyExists,
    AuthenticationFailed,
    IntegrationError,
    InvalidInput,
    InvalidTransition,
    NotConfigured,
    NotFound,
    OptedOut,
    PermissionDenied,
    PolicyViolation,
    Sm2Error,
    StaleVersion,
    TooLarge,
)
from sm2_web.auth import TooManyLogins
from sm2_web.bodies import integral_numbers

log = logging.getLogger("sm2.web")
PROBLEM = "application/problem+json"

_STATUS: tuple[tuple[type[Sm2Error], int, str], ...] = (
    (TooManyLogins, 429, "Too many attempts"),
    (PolicyViolation, 409, "Refused by a rule"),
    (TooLarge, 413, "Content too large"),
    (InvalidInput, 422, "Invalid input"),
    (NotFound, 404, "Not found"),
    (AlreadyExists, 409, "Already exists"),
    (StaleVersion, 409, "Stale version"),
    (OptedOut, 409, "Opted out"),
    (InvalidTransition, 409, "Invalid transition"),
    (PermissionDenied, 403, "Forbidden"),
    (AuthenticationFailed, 401, "Unauthorized"),
    (NotConfigured, 503, "Not configured"),
    (IntegrationError, 502, "Integration failed"),
)


def status_of(exc: Sm2Error) -> int:
    """The HTTP status of a domain error: the API and the portal answer alike."""
    return next((status for kind, status, _ in _STATUS if isinstance(exc, kind)), 400)


def problem(
    status: int,
    title: str,
    detail: str,
    *,
    headers: dict[str, str] | None = None,
    **extra: Any,
) -> Response[dict[str, Any]]:
    sent = {**(headers or {})}
    if status == 401:
        sent["WWW-Authenticate"] = 'Bearer realm="sm2"'
    return Response(
        {"type": "about:blank", "status": status, "title": title, "detail": detail, **extra},
        status_code=status,
        media_type=PROBLEM,
        headers=sent or None,
    )


def _domain(_: Request[Any, Any, Any], exc: Exception) -> Response[dict[str, Any]]:
    assert isinstance(exc, Sm2Error)
    if isinstance(exc, PolicyViolation):
        # The title names the rule: "Manual verification required (Audi rule)".
        return problem(409, exc.message, exc.message, rule=exc.rule)
    for kind, status, title in _STATUS:
        if isinstance(exc, kind):
            extra: dict[str, Any] = {}
            if isinstance(exc, InvalidInput) and exc.fields:
                extra["invalid_params"] = [{"name": k, "reason": v} for k, v in exc.fields.items()]
            return problem(status, title, exc.message, **extra)
    return problem(400, "Refused", exc.message)


def _field_at_fault(item: dict[str, Any]) -> str:
    """The field a validation message is about: msgspec says ``- at `$.vehicle_data.year` `` or
    ``field `name` ``; Litestar's own key is only "data" for body errors."""
    message = str(item.get("message", ""))
    at = re.search(r"at `\$\.([^`]+)`", message)
    if at:
        return at.group(1)
    field = re.search(r"field `([^`]+)`", message)
    if field:
        return field.group(1)
    return str(item.get("key") or item.get("source") or "body")


def _body_error(request: Request[Any, Any, Any]) -> dict[str, str] | None:
    """The body's first error with its full JSON path, by decoding it again with msgspec:
    Litestar shortens paths in its own messages ("vehicle_data.year" → "vehicle_year")."""
    field = request.route_handler.parsed_data_field
    body = ScopeState.from_scope(request.scope).body  # cached when the body was read
    if field is None or not isinstance(body, bytes):
        return None
    try:
        # Strictly, as the app's request reads it (``sm2_web.bodies``).
        decoded = integral_numbers(msgspec.json.decode(body))
        msgspec.convert(decoded, field.annotation, strict=True)
    except msgspec.ValidationError as exc:
        return {"name": _field_at_fault({"message": str(exc)}), "reason": str(exc)}
    except (msgspec.DecodeError, TypeError, RecursionError):
        return None
    return None


def _validation(request: Request[Any, Any, Any], exc: Exception) -> Response[dict[str, Any]]:
    assert isinstance(exc, ValidationException)
    items = exc.extra if isinstance(exc.extra, list) else []
    params = [
        {"name": _field_at_fault(item), "reason": str(item.get("message", "invalid"))}
        for item in items
        if isinstance(item, dict)
    ]
    precise = _body_error(request)
    if precise is not None:
        # The body's error, named by its full path, replaces Litestar's shortened one.
        params = [
            precise,
            *(
                p
                for p in params
                if p["name"] not in ("data", "body")
                and p["reason"].split(" - at ")[0] != precise["reason"].split(" - at ")[0]
            ),
        ]
    return problem(422, "Invalid input", str(exc.detail), invalid_params=params)


def _http(_: Request[Any, Any, Any], exc: Exception) -> Response[dict[str, Any]]:
    assert isinstance(exc, HTTPException)
    # Its headers go along: a 405 names the methods it allows (``Allow``).
    return problem(exc.status_code, _title(exc.status_code), str(exc.detail), headers=exc.headers)


def _unexpected(request: Request[Any, Any, Any], exc: Exception) -> Response[dict[str, Any]]:
    request_id = request.scope.get("state", {}).get("request_id", "-")
    log.exception(
        "unhandled error on %s %s (request %s)", request.method, request.url.path, request_id
    )
    return problem(
        500, "Internal error", f"Something went wrong on our side; quote request id {request_id}."
    )


def _title(status: int) -> str:
    from http import HTTPStatus

    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return "Error"


class InvalidParam(msgspec.Struct):
    name: str
    reason: str


class ProblemOut(msgspec.Struct, kw_only=True):
    """RFC 9457 problem document, as every error answer is."""

    type: str = "about:blank"
    status: int
    title: str
    detail: str
    invalid_params: list[InvalidParam] | msgspec.UnsetType = msgspec.UNSET
    rule: str | msgspec.UnsetType = msgspec.UNSET
    """For a refused business rule: its name ("Audi rule", "20 km rule")."""


_DESCRIPTIONS = {
    400: "Malformed request: the body is no JSON (or nested too deeply), a header is unreadable",
    401: "Missing, invalid or expired access token",
    403: "Forbidden",
    404: "Not found (or not yours)",
    409: "Stale version, invalid transition, a number that opted out, or a business rule "
    "refused the change",
    413: "Body too large (a photo over 10 MB)",
    422: "Invalid input; invalid_params names the fields at fault",
    429: "Too many attempts",
    502: "The integration (Intuit, Twilio) failed",
    503: "Not configured or unavailable",
}


def problem_responses(*codes: int) -> dict[int, ResponseSpec]:
    """OpenAPI entries for the problem documents an endpoint may answer, 400 always: any
    request can be malformed (and Litestar's own entry for it is no problem document)."""
    return {
        code: ResponseSpec(
            data_container=ProblemOut,
            description=_DESCRIPTIONS[code],
            media_type=PROBLEM,
            generate_examples=False,
        )
        for code in sorted({400, *codes})
    }


API_ERRORS = problem_responses(401, 404, 409, 422)


def document_errors(controller: type[Controller]) -> type[Controller]:
    """Litestar takes ``responses`` per handler only: give each of a controller's handlers the
    problem documents every API endpoint may answer (a class decorator)."""
    for value in vars(controller).values():
        if isinstance(value, HTTPRouteHandler):
            value.responses = {**API_ERRORS, **(value.responses or {})}
    return controller


HANDLERS: ExceptionHandlersMap = {
    Sm2Error: _domain,
    ValidationException: _validation,
    HTTPException: _http,
    Exception: _unexpected,
}
