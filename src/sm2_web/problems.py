"""The error tree mapped once to RFC 9457 problem documents; no stack trace reaches a client."""

from __future__ import annotations

import logging
from typing import Any

from litestar import Request, Response
from litestar.exceptions import HTTPException, ValidationException
from litestar.types import ExceptionHandlersMap

from sm2_core.errors import (
    AlreadyExists,
    AuthenticationFailed,
    IntegrationError,
    InvalidInput,
    InvalidTransition,
    NotConfigured,
    NotFound,
    PermissionDenied,
    PolicyViolation,
    Sm2Error,
    StaleVersion,
)

log = logging.getLogger("sm2.web")
PROBLEM = "application/problem+json"

_STATUS: tuple[tuple[type[Sm2Error], int, str], ...] = (
    (InvalidInput, 422, "Invalid input"),
    (NotFound, 404, "Not found"),
    (AlreadyExists, 409, "Already exists"),
    (StaleVersion, 409, "Stale version"),
    (InvalidTransition, 409, "Invalid transition"),
    (PermissionDenied, 403, "Forbidden"),
    (AuthenticationFailed, 401, "Unauthorized"),
    (NotConfigured, 503, "Not configured"),
    (IntegrationError, 502, "Integration failed"),
)


def problem(status: int, title: str, detail: str, **extra: Any) -> Response[dict[str, Any]]:
    headers = {"WWW-Authenticate": 'Bearer realm="sm2"'} if status == 401 else None
    return Response(
        {"type": "about:blank", "status": status, "title": title, "detail": detail, **extra},
        status_code=status,
        media_type=PROBLEM,
        headers=headers,
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


def _validation(_: Request[Any, Any, Any], exc: Exception) -> Response[dict[str, Any]]:
    assert isinstance(exc, ValidationException)
    params = []
    for item in exc.extra if isinstance(exc.extra, list) else []:
        if isinstance(item, dict):
            params.append(
                {
                    "name": str(item.get("key") or item.get("source") or "body"),
                    "reason": str(item.get("message", "invalid")),
                }
            )
    return problem(422, "Invalid input", str(exc.detail), invalid_params=params)


def _http(_: Request[Any, Any, Any], exc: Exception) -> Response[dict[str, Any]]:
    assert isinstance(exc, HTTPException)
    return problem(exc.status_code, _title(exc.status_code), str(exc.detail))


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


HANDLERS: ExceptionHandlersMap = {
    Sm2Error: _domain,
    ValidationException: _validation,
    HTTPException: _http,
    Exception: _unexpected,
}
