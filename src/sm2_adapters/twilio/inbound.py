"""Twilio's SMS webhooks: decode the form, cap its size, verify its signature.

Twilio signs the URL it called (our public URL, never the Host header) and the form's fields
with the account's auth token (HMAC-SHA1); the SDK's ``RequestValidator`` checks it. What this
module returns is either the text as Twilio sent it, unchecked, or why the request was refused:
the fields themselves are judged by receipt (``ReceiptService``), in one place. Status callbacks
(a text we sent was delivered, or not) are signed and read alike.
"""

from __future__ import annotations

from urllib.parse import parse_qsl

import attrs
from twilio.request_validator import RequestValidator

from sm2_core.domain.records import ReceivedMedia, ReceivedSms, RefusalReason, WebhookRefusal
from sm2_core.ports import DeliveryReport

#: Twilio's own requests are a few kilobytes; anything this large is not one.
MAX_WEBHOOK_BYTES = 64 * 1024


@attrs.frozen
class TwilioWebhook:
    """The ``SmsWebhook`` port for Twilio. ``verify=False`` only where explicitly switched off
    for development (``SM2_TWILIO_VERIFY=off``)."""

    auth_token: str | None = attrs.field(repr=False)
    verify: bool = True
    max_bytes: int = MAX_WEBHOOK_BYTES

    def read(self, body: bytes, *, url: str, signature: str) -> ReceivedSms | WebhookRefusal:
        form = self._verified(body, url=url, signature=signature)
        if isinstance(form, WebhookRefusal):
            return form
        return ReceivedSms(
            # Older webhooks name the message SmsSid.
            sid=form.get("MessageSid") or form.get("SmsSid"),
            from_number=form.get("From"),
            to_number=form.get("To"),
            body=form.get("Body"),
            num_media=form.get("NumMedia"),
            media=_media(form),
        )

    def read_status(
        self, body: bytes, *, url: str, signature: str
    ) -> DeliveryReport | WebhookRefusal:
        form = self._verified(body, url=url, signature=signature)
        if isinstance(form, WebhookRefusal):
            return form
        return DeliveryReport(
            # Older callbacks name them SmsSid and SmsStatus.
            sid=form.get("MessageSid") or form.get("SmsSid") or None,
            status=form.get("MessageStatus") or form.get("SmsStatus") or None,
            # Twilio sends no ErrorCode, or an empty one, when there was no error.
            error_code=form.get("ErrorCode") or None,
        )

    def _verified(
        self, body: bytes, *, url: str, signature: str
    ) -> dict[str, str] | WebhookRefusal:
        """The form's fields once the request is one Twilio sent; else why it is refused."""
        if self.verify and not self.auth_token:
            return WebhookRefusal(
                RefusalReason.NOT_CONFIGURED,
                "TWILIO_AUTH_TOKEN is not set: cannot verify signatures "
                "(set SM2_TWILIO_VERIFY=off only for development)",
            )
        if len(body) > self.max_bytes:
            return WebhookRefusal(RefusalReason.TOO_LARGE, f"at most {self.max_bytes} bytes")
        form = _form(body)
        if form is None:
            return WebhookRefusal(RefusalReason.MALFORMED, "the body is not form-encoded UTF-8")
        if self.verify and not self._signed(url, form, signature):
            return WebhookRefusal(RefusalReason.BAD_SIGNATURE, "invalid Twilio signature")
        return form

    def _signed(self, url: str, form: dict[str, str], signature: str) -> bool:
        assert self.auth_token is not None
        return bool(signature) and bool(
            RequestValidator(self.auth_token).validate(url, form, signature)
        )


def _media(form: dict[str, str]) -> tuple[ReceivedMedia, ...]:
    """``MediaUrl0``, ``MediaContentType0``, ``MediaUrl1``... as Twilio numbers them (receipt
    judges how many there may be)."""
    found: list[ReceivedMedia] = []
    while (url := form.get(f"MediaUrl{len(found)}")) is not None:
        found.append(ReceivedMedia(url, form.get(f"MediaContentType{len(found)}")))
    return tuple(found)


def _form(raw: bytes) -> dict[str, str] | None:
    """The form's fields, the first value of each; None when it is not form-encoded UTF-8."""
    try:
        text = raw.decode("utf-8")
        pairs = parse_qsl(text, keep_blank_values=True, strict_parsing=bool(text), errors="strict")
    except (UnicodeDecodeError, ValueError):
        return None
    form: dict[str, str] = {}
    for key, value in pairs:
        form.setdefault(key, value)
    return form
