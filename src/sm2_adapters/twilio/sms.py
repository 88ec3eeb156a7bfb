"""Outbound SMS through Twilio's Messages API, with the twilio SDK's asyncio client.

Each send opens its own aiohttp session and closes it: texts are few (one confirmation per
inbound message), and a session per send is never bound to another event loop nor left open.
"""

from __future__ import annotations

import asyncio
import json
import logging
from typing import Any
from urllib.parse import urlsplit

import aiohttp
import attrs
from twilio.base.exceptions import TwilioRestException, TwilioServiceException
from twilio.http.async_http_client import AsyncTwilioHttpClient
from twilio.rest import Client

from sm2_adapters.settings import Settings
from sm2_adapters.unconfigured import SmsNotConfigured
from sm2_core.errors import IntegrationError, InvalidInput
from sm2_core.ports import SmsSender

log = logging.getLogger(__name__)

SYSTEM = "twilio"
DEFAULT_TIMEOUT_SECONDS = 15.0
#: Twilio asks clients to retry these later; 5xx are retried too.
_RETRY_LATER = frozenset({408, 429})


def _check_api_url(_: object, __: attrs.Attribute[str | None], value: str | None) -> None:
    if value is None:
        return
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise InvalidInput(
            f"SM2_TWILIO_API_URL must be an http(s) URL, not {value!r}",
            fields={"SM2_TWILIO_API_URL": "not an http(s) URL"},
        )


@attrs.frozen(kw_only=True)
class TwilioSmsSender:
    """The SmsSender port on Twilio: ``send`` returns the message sid (``SM...``)."""

    account_sid: str
    auth_token: str = attrs.field(repr=False)
    from_number: str
    api_url: str | None = attrs.field(default=None, validator=_check_api_url)
    """Base URL replacing ``https://api.twilio.com`` (a local fake, a proxy); None for Twilio's."""
    timeout: float = attrs.field(default=DEFAULT_TIMEOUT_SECONDS, validator=attrs.validators.gt(0))
    """Seconds for the whole call, connection included."""

    async def send(self, *, to: str, body: str) -> str:
        try:
            async with asyncio.timeout(self.timeout), AsyncTwilioHttpClient() as http:
                message = await self._client(http).messages.create_async(
                    to=to, from_=self.from_number, body=body
                )
        except (TwilioRestException, TwilioServiceException) as exc:
            raise _refused(exc) from exc
        except TimeoutError as exc:
            raise _failed(
                "timeout", f"no answer within {self.timeout:g} s", transient=True
            ) from exc
        except aiohttp.ClientError as exc:
            reason = f"cannot reach the API ({type(exc).__name__})"
            raise _failed("connection", reason, transient=True) from exc
        except json.JSONDecodeError as exc:
            # Twilio may have queued the text: retrying could send it twice.
            raise _failed("bad_response", "the answer is not JSON", transient=False) from exc
        return _message_sid(message)

    def _client(self, http: AsyncTwilioHttpClient) -> Client:
        # A non-empty ``environment`` keeps the SDK from reading os.environ (TWILIO_EDGE,
        # TWILIO_REGION would rewrite the host): Settings is the one source of configuration.
        client = Client(
            self.account_sid,
            self.auth_token,
            http_client=http,
            environment={"TWILIO_ACCOUNT_SID": self.account_sid},
        )
        if self.api_url is not None:
            # The Api domain builds every Messages URL from its base_url.
            client.api.base_url = self.api_url.rstrip("/")
        return client


def _message_sid(message: Any) -> str:
    sid = getattr(message, "sid", None)
    if not isinstance(sid, str) or not sid:
        raise _failed("bad_response", "the answer carries no message sid", transient=False)
    log.info("twilio accepted SMS %s (status %s)", sid, getattr(message, "status", "?"))
    return sid


def _refused(exc: TwilioRestException | TwilioServiceException) -> IntegrationError:
    status = int(exc.status or 0)
    transient = status in _RETRY_LATER or status >= 500
    if isinstance(exc, TwilioServiceException):
        detail = f"{exc.title}: {exc.detail}" if exc.detail else str(exc.title)
    else:
        detail = str(exc.msg)
    code = str(exc.code) if exc.code else str(status)
    return _failed(code, f"HTTP {status}, error {code}: {detail}", transient=transient)


def _failed(code: str, message: str, *, transient: bool) -> IntegrationError:
    kind = "transient" if transient else "final"
    log.warning("twilio send failed (%s, %s): %s", code, kind, message)
    return IntegrationError(SYSTEM, message, transient=transient, code=code)


def twilio_sender_from_settings(settings: Settings) -> SmsSender:
    """Twilio when its sid, token and sending number are all set; else texts stay unsent."""
    sid, token, sender = (
        settings.twilio_account_sid,
        settings.twilio_auth_token,
        settings.twilio_from_number,
    )
    if not (sid and token and sender):
        return SmsNotConfigured()
    return TwilioSmsSender(
        account_sid=sid, auth_token=token, from_number=sender, api_url=settings.twilio_api_url
    )
