"""Twilio's own record of the texts our number received: the Messages list, through the SDK.

Reconciliation reads it to find texts whose webhook never reached us. Twilio lists newest first,
a page at a time (``next_page_uri``); the SDK follows the pages, from ``SM2_TWILIO_API_URL``
when it is set, as it does for sends (``sms.api_client``). A text with media (MMS) has them in
its Media subresource, listed too: their content URLs are what the webhook would have given.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from typing import Any

import attrs

from sm2_adapters.settings import Settings
from sm2_adapters.twilio.media import TwilioMediaSource
from sm2_adapters.twilio.sms import api_client, check_api_url, twilio_call
from sm2_adapters.unconfigured import CarrierInboxNotConfigured
from sm2_core.domain.records import ReceivedMedia, ReceivedSms
from sm2_core.ports import CarrierInbox

#: The whole listing, every page included: a day of a dispatcher's texts is a few pages.
DEFAULT_LIST_TIMEOUT_SECONDS = 60.0
#: Records per page; Twilio allows up to 1000.
DEFAULT_PAGE_SIZE = 200
#: The direction of a text someone sent to our number (the others are "outbound-...").
INBOUND = "inbound"


@attrs.frozen(kw_only=True)
class TwilioInbox:
    """The CarrierInbox port on Twilio's Messages list, for the texts sent to ``number``."""

    account_sid: str
    auth_token: str = attrs.field(repr=False)
    number: str
    """Our number (``TWILIO_FROM_NUMBER``): the ``To`` of the texts dealerships send."""
    api_url: str | None = attrs.field(default=None, validator=check_api_url)
    """Base URL replacing ``https://api.twilio.com`` (a local fake, a proxy); None for Twilio's."""
    timeout: float = attrs.field(
        default=DEFAULT_LIST_TIMEOUT_SECONDS, validator=attrs.validators.gt(0)
    )
    """Seconds for the whole listing, every page included."""
    page_size: int = attrs.field(default=DEFAULT_PAGE_SIZE, validator=attrs.validators.ge(1))

    async def received(self, *, since: datetime) -> list[ReceivedSms]:
        # Twilio's dates are whole seconds in GMT; the SDK writes the filter without a zone.
        after = since.astimezone(UTC).replace(microsecond=0)
        # Failures are the caller's to report (the CLI, the periodic run, once): debug here.
        async with twilio_call(
            "message list", seconds=self.timeout, safe_to_repeat=True, log_level=logging.DEBUG
        ) as http:
            client = api_client(
                http, account_sid=self.account_sid, auth_token=self.auth_token, api_url=self.api_url
            )
            records = await client.messages.list_async(
                to=self.number, date_sent_after=after, page_size=self.page_size
            )
            inbound = [r for r in records if r.direction == INBOUND]
            media = {r.sid: await self._media(client, r) for r in inbound if _has_media(r)}
        texts = [_received(record, media.get(record.sid, ())) for record in inbound]
        # Kept to ``since`` here too (Twilio may read the filter by the day); oldest first.
        texts = [sms for sms in reversed(texts) if sms.sent_at is None or sms.sent_at >= after]
        return sorted(texts, key=lambda sms: sms.sent_at or after)

    async def _media(self, client: Any, record: Any) -> tuple[ReceivedMedia, ...]:
        """A text's media, in the order Twilio lists them, as content URLs (the webhook's)."""
        urls = TwilioMediaSource(
            account_sid=self.account_sid, auth_token=self.auth_token, api_url=self.api_url
        )
        items = await client.messages(record.sid).media.list_async(page_size=self.page_size)
        return tuple(
            ReceivedMedia(urls.media_url(item.uri), item.content_type)
            for item in items
            if isinstance(item.uri, str)
        )


def _has_media(record: Any) -> bool:
    return str(record.num_media or "0").strip() not in ("", "0")


def _received(record: Any, media: tuple[ReceivedMedia, ...] = ()) -> ReceivedSms:
    """A message resource as the SDK reads it, unchecked: receipt judges the fields."""
    sent_at = record.date_sent
    return ReceivedSms(
        sid=record.sid,
        from_number=record.from_,
        to_number=record.to,
        body=record.body,
        num_media=record.num_media,
        sent_at=sent_at if isinstance(sent_at, datetime) else None,
        media=media,
    )


def twilio_inbox_from_settings(settings: Settings) -> CarrierInbox:
    """Twilio when its sid, token and number are all set; else reconciliation says it cannot."""
    if settings.twilio_credentials is None:
        return CarrierInboxNotConfigured()
    sid, token, number = settings.twilio_credentials
    return TwilioInbox(
        account_sid=sid, auth_token=token, number=number, api_url=settings.twilio_api_url
    )
