"""The carrier's inbound-SMS webhook: read and verify it, store the text, answer at once.

Reading and verifying belong to the carrier's adapter (the ``SmsWebhook`` port), judging the
text to receipt; this route only joins them. Parsing and everything after it runs in a queued
task: Twilio gives up after 15 s and never retries, so nothing slow may sit before the 200.
"""

from __future__ import annotations

from typing import Any

from litestar import Request, Response, post

from sm2_core.domain.records import RefusalReason, WebhookRefusal
from sm2_core.services import Services
from sm2_web.config import WebConfig
from sm2_web.dependencies import Webhook
from sm2_web.problems import problem, problem_responses

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


@post(
    "/webhooks/twilio/sms",
    operation_id="twilioSms",
    tags=["webhooks"],
    status_code=200,
    summary="Inbound SMS from Twilio (form-encoded, X-Twilio-Signature)",
    media_type="text/xml",
    responses=problem_responses(403, 413, 422, 503),
)
async def twilio_sms(
    request: Request[Any, Any, Any], services: Services, config: WebConfig, sms_webhook: Webhook
) -> Response[Any]:
    received = sms_webhook.read(
        await request.body(),
        url=_signed_url(request, config.public_url),
        signature=request.headers.get("x-twilio-signature", ""),
    )
    if isinstance(received, WebhookRefusal):
        return _refused(received)
    await services.receipt.receive_sms(received)
    return Response(TWIML_EMPTY, media_type="text/xml")
