"""Errors on portal pages, mapped once: always a page or a message in the page, never a trace.

An htmx request gets a message swapped into the page's ``#flash`` region (the page stays as it
was, with what the user typed); a plain request gets an error page. A missing session sends the
browser to the right login page.
"""

from __future__ import annotations

import logging
from typing import Any

from litestar import Request, Response
from litestar.exceptions import HTTPException
from litestar.types import ExceptionHandlersMap

from sm2_core.domain.enums import PolicyRule
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
from sm2_web.portal.access import LoginRequired, login_url
from sm2_web.portal.csrf import CsrfRefused
from sm2_web.portal.i18n import Translator
from sm2_web.portal.render import is_htmx, render, translator
from sm2_web.problems import status_of

log = logging.getLogger("sm2.portal")

# Rule names as people say them; the detail that follows stays the core's own words.
# Every rule has its title here (a test checks), so a new rule cannot go untitled.
RULE_TITLES: dict[PolicyRule, str] = {
    PolicyRule.AUDI: "Refused by the Audi rule",
    PolicyRule.MANUAL_REVIEW: "Refused: manual verification first",
    PolicyRule.CERTIFICATION: "Refused by the certification rule",
    PolicyRule.AVAILABILITY: "Refused: the technician is not available",
    PolicyRule.ZONE_CONFLICT: "Refused by the 20 km rule",
    PolicyRule.SCHEDULE: "Refused: the technician is already booked at that time",
    PolicyRule.SAFETY_LOCK: "Refused by the invoicing safety lock",
    PolicyRule.BILLING: "Refused by a business rule",
    PolicyRule.OWN_LOGIN: "Refused: you cannot deactivate your own login",
    PolicyRule.LAST_ADMIN: "Refused: the last active admin stays active",
    PolicyRule.PHOTOS: "Refused: photos of the work are required",
}
_TITLES: dict[type[Sm2Error], str] = {
    TooLarge: "Too large",
    InvalidInput: "Please correct the form",
    NotFound: "Not found",
    AlreadyExists: "Already exists",
    StaleVersion: "Someone else changed this job: reload the page and try again",
    InvalidTransition: "Not possible now",
    OptedOut: "Not sent: this number opted out of texts",
    PermissionDenied: "Not allowed",
    TooManyLogins: "Too many failed logins; try again in a few minutes.",
    AuthenticationFailed: "Invalid username or password",
    NotConfigured: "Not configured",
    IntegrationError: "An outside service failed",
}


def _portal(request: Request[Any, Any, Any]) -> str:
    path = request.url.path
    return "tech" if path == "/tech" or path.startswith("/tech/") else "admin"


def show_error(
    request: Request[Any, Any, Any], status: int, title: str, detail: str = ""
) -> Response[str]:
    if is_htmx(request):
        # Swap the message into the page instead of replacing what the user sees.
        return render(
            request,
            "partials/flash.html",
            {"kind": "error", "title": title, "detail": detail},
            status=status,
            headers={"HX-Retarget": "#flash", "HX-Reswap": "innerHTML", "HX-Reselect": ".flash"},
        )
    return render(
        request,
        "error.html",
        {"portal": _portal(request), "title": title, "detail": detail, "status": status},
        status=status,
    )


def describe(exc: Sm2Error, t: Translator) -> tuple[str, str]:
    """A refusal as the portal shows it: a title naming the rule or the kind, and the detail
    in the core's own words."""
    if isinstance(exc, PolicyViolation):
        title = t(RULE_TITLES[exc.rule])
    else:
        title = t(next((v for k, v in _TITLES.items() if isinstance(exc, k)), "Refused"))
    detail = exc.message
    if isinstance(exc, InvalidInput) and exc.fields:
        detail = "; ".join(f"{name}: {why}" for name, why in exc.fields.items())
    return title, detail


def _domain(request: Request[Any, Any, Any], exc: Exception) -> Response[Any]:
    assert isinstance(exc, Sm2Error)
    title, detail = describe(exc, translator(request))
    return show_error(request, status_of(exc), title, detail)


def _login_required(request: Request[Any, Any, Any], exc: Exception) -> Response[Any]:
    assert isinstance(exc, LoginRequired)
    path = request.url.path
    target = login_url(exc.role, path if request.method == "GET" else "")
    if is_htmx(request):
        return Response(None, status_code=204, headers={"HX-Redirect": target})
    return Response(None, status_code=303, headers={"Location": target})


def csrf_refused(request: Request[Any, Any, Any], _: Exception) -> Response[Any]:
    t = translator(request)
    return show_error(
        request,
        403,
        t("This form has expired"),
        t("Reload the page and try again."),
    )


def _http(request: Request[Any, Any, Any], exc: Exception) -> Response[Any]:
    assert isinstance(exc, HTTPException)
    t = translator(request)
    titles = {
        404: "Page not found",
        403: "Not allowed",
        405: "Not allowed",
        # Only a form with files can be this large: technicians' photos.
        413: "Too large to send at once: send fewer photos at a time",
    }
    return show_error(request, exc.status_code, t(titles.get(exc.status_code, "Invalid request")))


def _unexpected(request: Request[Any, Any, Any], exc: Exception) -> Response[Any]:
    request_id = request.scope.get("state", {}).get("request_id", "-")
    log.exception(
        "portal error on %s %s (request %s)", request.method, request.url.path, request_id
    )
    t = translator(request)
    return show_error(
        request,
        500,
        t("Something went wrong on our side"),
        t("Quote request id {id} to support.", id=request_id),
    )


HANDLERS: ExceptionHandlersMap = {
    LoginRequired: _login_required,
    CsrfRefused: csrf_refused,
    Sm2Error: _domain,
    HTTPException: _http,
    Exception: _unexpected,
}
