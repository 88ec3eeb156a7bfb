"""The carrier's webhooks: inbound texts and the delivery status of the texts we send.

Reading and verifying belong to the carrier's adapter (the ``SmsWebhook`` port), judging the
text to receipt; this route only joins them. Parsing and everything after it runs in a queued
task: Twilio gives up after 15 s and never retries, so nothing slow may sit before the 200.
A status callback updates one outbox row and answers 204.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any, TypeVar, cast

from litestar import Request, Response, post
from litestar.handlers import HTTPRouteHandler

from sm2_core.domain.records import RefusalReason, WebhookRefusal
from sm2_core.errors import InvalidInput
from sm2_core.ports import DeliveryReport, SmsWebhook
from sm2_core.services import Services
from sm2_web.config import WebConfig
from sm2_web.problems import problem, problem_responses

log = logging.getLogger("sm2.web")
T = TypeVar("T")

TWIML_EMPTY = '<?xml version="1.0" encoding="UTF-8"?><Response></Response>'

#: Each refusal's status and title, mapped once.
_REFUSALS = {
    RefusalReason.NOT_CONFIGURED: (503, "Not configured"),
    RefusalReason.TOO_LARGE: (413, "Payload too large"),
    RefusalReason.MALFORMED: (422, "Invalid input"),
    RefusalReason.BAD_SIGNATURE: (403, "Forbidden"),
}


def _signed_url(request: Request[Any, Any, Any], public_url: str) -> str:
    """What Twilio signed: our public URL (never the Host header) + path + query."""
    query = request.scope.get("query_string", b"").decode("latin-1")
    return public_url + request.url.path + (f"?{query}" if query else "")


def _refused(refusal: WebhookRefusal) -> Response[Any]:
    status, title = _REFUSALS[refusal.reason]
    return problem(status, title, refusal.detail)


def carrier_webhooks(
    services: Services, config: WebConfig, sms_webhook: SmsWebhook
) -> list[HTTPRouteHandler]:
    """The two routes, over what they use. They take it from here rather than by injection:
    Litestar resolves a handler's several dependencies in a task group, a fifth of the inbound
    webhook's time in the app under a burst (docs/performance.md)."""

    async def read(request: Request[Any, Any, Any], reader: Callable[..., T]) -> T:
        """What ``reader`` (one of the carrier adapter's) makes of the request as signed."""
        return reader(
            await request.body(),
            url=_signed_url(request, config.public_url),
            signature=request.headers.get("x-twilio-signature", ""),
        )

    @post(
        "/webhooks/twilio/sms",
        operation_id="twilioSms",
        tags=["webhooks"],
        status_code=200,
        summary="Inbound SMS from Twilio (form-encoded, X-Twilio-Signature)",
        media_type="text/xml",
        responses=problem_responses(403, 413, 422, 503),
    )
    async def twilio_sms(request: Request[Any, Any, Any]) -> Response[Any]:
        received = await read(request, sms_webhook.read)
        if isinstance(received, WebhookRefusal):
            return _refused(received)
        await services.receipt.receive_sms(received)
        return Response(TWIML_EMPTY, media_type="text/xml")

    @post(
        "/webhooks/twilio/status",
        operation_id="twilioStatus",
        tags=["webhooks"],
        status_code=204,
        summary="Delivery status of a text we sent, from Twilio (form-encoded, X-Twilio-Signature)",
        description="Twilio's status callback: MessageSid, MessageStatus and, when it failed, "
        "ErrorCode. 204 whether or not the sid is one of ours: Twilio must not retry a report "
        "about a text we do not know.",
        responses=problem_responses(403, 413, 422, 503),
    )
    async def twilio_status(request: Request[Any, Any, Any]) -> Response[None]:
        report = await read(request, sms_webhook.read_status)
        if isinstance(report, WebhookRefusal):
            # Litestar wants a 204 handler typed as bodiless; a refusal is the inbound webhook's
            # problem document all the same (its own status, its body).
            return cast("Response[None]", _refused(report))
        sid, status = _required(report)
        updated = await services.outbox.delivery_report(
            sid=sid, status=status, error_code=report.error_code
        )
        if updated is None:
            # A text sent before the outbox kept sids, or by another app on the account.
            log.info("twilio status %r for %s: no text of ours has that sid", status, sid)
        return Response(None, status_code=204)

    return [twilio_sms, twilio_status]


def _required(report: DeliveryReport) -> tuple[str, str]:
    """The sid and status a signed report must carry; InvalidInput names those it lacks."""
    if report.sid is not None and report.status is not None:
        return report.sid, report.status
    fields = (("MessageSid", report.sid), ("MessageStatus", report.status))
    raise InvalidInput(
        "a status callback names its MessageSid and MessageStatus",
        fields={name: "required" for name, value in fields if value is None},
    )
