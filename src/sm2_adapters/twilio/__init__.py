"""Twilio: outbound SMS through the twilio SDK (the inbound webhook lives in ``sm2_web``)."""

from __future__ import annotations

from sm2_adapters.twilio.sms import TwilioSmsSender, twilio_sender_from_settings

__all__ = ["TwilioSmsSender", "twilio_sender_from_settings"]
