"""The Twilio webhook: verify the signature, store the text, answer empty TwiML at once.

Parsing and everything after it runs in a queued task: Twilio gives up after 15 s and never
retries, so nothing slow may sit between receipt and the 200.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qsl

from litestar import Request, Response, post
from twilio.request_validator import RequestValidator

from sm2_core.errors import InvalidInput
from sm2_web.config import WebDeps
from sm2_web.problems import problem, problem_responses

TWIML_EMPTY = '<?xml version="1.0" encoding="UTF-8"?><Response></Response>'
MAX_WEBHOOK_BYTES = 64 * 1024


def _form(raw: bytes) -> dict[str, str]:
    try:
        text = raw.decode("utf-8")
        pairs = parse_qsl(text, keep_blank_values=True, strict_parsing=bool(text), errors="strict")
    except (UnicodeDecodeError, ValueError):
        raise InvalidInput("the body is not form-encoded UTF-8") from None
    form: dict[str, str] = {}
    for key, value in pairs:
        form.setdefault(key, value)
    return form


def _signed_url(request: Request[Any, Any, Any], public_url: str) -> str:
    """What Twilio signed: our public URL (never the Host header) + path + query."""
    query = request.scope.get("query_string", b"").decode("latin-1")
    return public_url + request.url.path + (f"?{query}" if query else "")


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
    deps: WebDeps = request.app.state.deps
    config = deps.config
    if config.twilio_verify and not config.twilio_auth_token:
        return problem(
            503,
            "Not configured",
            "TWILIO_AUTH_TOKEN is not set: cannot verify "
            "signatures (set SM2_TWILIO_VERIFY=off only for development)",
        )
    raw = await request.body()
    if len(raw) > MAX_WEBHOOK_BYTES:
        return problem(413, "Payload too large", f"at most {MAX_WEBHOOK_BYTES} bytes")
    form = _form(raw)
    if config.twilio_verify:
        assert config.twilio_auth_token is not None
        signature = request.headers.get("x-twilio-signature", "")
        url = _signed_url(request, config.public_url)
        if not signature or not RequestValidator(config.twilio_auth_token).validate(
            url, form, signature
        ):
            return problem(403, "Forbidden", "invalid Twilio signature")
    missing = [k for k in ("From", "Body") if k not in form]
    sid = form.get("MessageSid") or form.get("SmsSid")
    if not sid:
        missing.append("MessageSid")
    if missing:
        raise InvalidInput("missing Twilio fields", fields=dict.fromkeys(missing, "required"))
    raw_media = form.get("NumMedia") or "0"
    # Plain ASCII digits only: int() would also take "1_0" or other scripts' digits.
    if not (raw_media.isascii() and raw_media.isdigit() and len(raw_media) <= 3):
        raise InvalidInput("NumMedia must be 0..10", fields={"NumMedia": "not a small number"})
    num_media = int(raw_media)
    await deps.services.intake.receive_sms(
        sid=sid or "",
        from_number=form["From"],
        to_number=form.get("To", ""),
        body=form["Body"],
        num_media=num_media,
    )
    return Response(TWIML_EMPTY, media_type="text/xml")
