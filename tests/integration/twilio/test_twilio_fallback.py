"""Twilio's Fallback URL set to the webhook's own URL: its request (the same signed form plus
``ErrorCode`` and ``ErrorUrl``) is read like the primary one, and a text stored by both is one."""

from __future__ import annotations

from urllib.parse import urlencode

from twilio.request_validator import RequestValidator
from twilio_helpers import AUTH_TOKEN, FORD_LEVIS, OUR_NUMBER, ScriptedParser, demo_system

from sm2_adapters.twilio import TwilioWebhook
from sm2_core.domain.records import ReceivedSms

URL = "https://dispatch.example.com/webhooks/twilio/sms"
FORM = {
    "MessageSid": "SMfallback0001",
    "AccountSid": "ACtest",
    "From": FORD_LEVIS,
    "To": OUR_NUMBER,
    "Body": "F-150 2024 oil change",
    "NumMedia": "0",
}
#: What Twilio adds when it posts to the Fallback URL after the primary failed.
FALLBACK = {**FORM, "ErrorCode": "11200", "ErrorUrl": URL}


def read(form: dict[str, str]) -> ReceivedSms:
    signature = RequestValidator(AUTH_TOKEN).compute_signature(URL, form)
    sms = TwilioWebhook(auth_token=AUTH_TOKEN).read(
        urlencode(form).encode(), url=URL, signature=signature
    )
    assert isinstance(sms, ReceivedSms), sms
    return sms


class TestFallbackDelivery:
    def test_the_fallback_request_is_read_like_the_primary(self) -> None:
        """ErrorCode and ErrorUrl are signed with the rest and change nothing of the text."""
        assert read(FORM) == read(FALLBACK)

    async def test_primary_and_fallback_make_one_message(self, parser: ScriptedParser) -> None:
        """The primary stored it but its answer was lost; the fallback's copy is the same one."""
        system = await demo_system(parser)
        first = await system.services.receipt.receive_sms(read(FORM))
        second = await system.services.receipt.receive_sms(read(FALLBACK))
        assert (True, False, first.message.id) == (first.created, second.created, second.message.id)
        await system.run_tasks()
        assert 1 == len(parser.calls)
