"""Twilio: the inbound-SMS webhook, outbound SMS and the message log, through the twilio SDK."""

from __future__ import annotations

from sm2_adapters.twilio.history import TwilioInbox, twilio_inbox_from_settings
from sm2_adapters.twilio.inbound import TwilioWebhook
from sm2_adapters.twilio.media import TwilioMediaSource, twilio_media_from_settings
from sm2_adapters.twilio.sms import TwilioSmsSender, twilio_sender_from_settings

__all__ = [
    "TwilioInbox",
    "TwilioMediaSource",
    "TwilioSmsSender",
    "TwilioWebhook",
    "twilio_inbox_from_settings",
    "twilio_media_from_settings",
    "twilio_sender_from_settings",
]
