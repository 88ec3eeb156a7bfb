"""Twilio: the inbound-SMS webhook and outbound SMS, through the twilio SDK."""

from __future__ import annotations

from sm2_adapters.twilio.inbound import TwilioWebhook
from sm2_adapters.twilio.sms import TwilioSmsSender, twilio_sender_from_settings

__all__ = ["TwilioSmsSender", "TwilioWebhook", "twilio_sender_from_settings"]
