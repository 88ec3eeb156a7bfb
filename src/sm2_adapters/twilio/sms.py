"""Outbound SMS through Twilio's Messages API, with the twilio SDK's asyncio client.

Each send opens its own aiohttp session and closes it: texts are few (one confirmation per
inbound message), and a session per send is never bound to another event loop nor left open.
``twilio_call`` and ``api_client`` are how every call to Twilio's REST API is made (the message
list of ``history`` too): one base URL override, one timeout, one translation of failures.

Each send names our status callback (``StatusCallback``), so that Twilio tells us when the text
is sent, delivered or not; ``find_sent`` reads the Messages list to learn whether a send whose
answer was lost reached Twilio after all.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from ipaddress import ip_address
from typing import Any
from urllib.parse import urlsplit

import aiohttp
import attrs
from twilio.base.exceptions import TwilioException, TwilioRestException, TwilioServiceException
from twilio.base.version import Version
from twilio.http.async_http_client import AsyncTwilioHttpClient
from twilio.http.response import Response
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
#: Where Twilio posts delivery reports, under the public URL (the web app serves it).
STATUS_CALLBACK_PATH = "/webhooks/twilio/status"
#: Records per page of the lookup: the texts to one number in a few minutes fit in one.
_LOOKUP_PAGE_SIZE = 50


def check_api_url(_: object, __: attrs.Attribute[str | None], value: str | None) -> None:
    _check_http(value, "SM2_TWILIO_API_URL")


def check_callback_url(_: object, __: attrs.Attribute[str | None], value: str | None) -> None:
    # The callback is made from SM2_PUBLIC_URL: that is the setting to fix.
    _check_http(value, "SM2_PUBLIC_URL")


def _check_http(value: str | None, setting: str) -> None:
    if value is None:
        return
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise InvalidInput(
            f"{setting} must be an http(s) URL, not {value!r}",
            fields={setting: "not an http(s) URL"},
        )


@attrs.frozen(kw_only=True)
class TwilioSmsSender:
    """The SmsSender port on Twilio: ``send`` returns the message sid (``SM...``)."""

    account_sid: str
    auth_token: str = attrs.field(repr=False)
    from_number: str
    api_url: str | None = attrs.field(default=None, validator=check_api_url)
    """Base URL replacing ``https://api.twilio.com`` (a local fake, a proxy); None for Twilio's."""
    timeout: float = attrs.field(default=DEFAULT_TIMEOUT_SECONDS, validator=attrs.validators.gt(0))
    """Seconds for the whole call, connection included."""
    status_callback: str | None = attrs.field(default=None, validator=check_callback_url)
    """The URL Twilio posts each text's delivery status to; None: Twilio tells us nothing."""

    async def send(self, *, to: str, body: str) -> str:
        # Only when set: the SDK would send a None as the text "None".
        extra = {"status_callback": self.status_callback} if self.status_callback else {}
        # An answer that is not JSON may come after Twilio queued the text: retrying could
        # send it twice, so that failure is final.
        async with twilio_call("send", seconds=self.timeout, safe_to_repeat=False) as http:
            client = api_client(
                http, account_sid=self.account_sid, auth_token=self.auth_token, api_url=self.api_url
            )
            message = await client.messages.create_async(
                to=to, from_=self.from_number, body=body, **extra
            )
        return _message_sid(message)

    async def find_sent(self, *, to: str, body: str, since: datetime) -> str | None:
        """Twilio's sid of a text from our number to ``to`` with exactly ``body``, created at
        or after ``since``; None when Twilio has none.

        No date filter is asked of Twilio: its only one is on ``DateSent``, which a text still
        queued at Twilio does not have yet, and that text is precisely the one not to send
        again. The newest page of texts to that number is read and judged by creation time."""
        # Twilio's dates are whole seconds: a text created within ``since``'s second counts.
        after = since.astimezone(UTC).replace(microsecond=0)
        async with twilio_call("message lookup", seconds=self.timeout, safe_to_repeat=True) as http:
            client = api_client(
                http, account_sid=self.account_sid, auth_token=self.auth_token, api_url=self.api_url
            )
            records = await client.messages.list_async(
                to=to, from_=self.from_number, limit=_LOOKUP_PAGE_SIZE, page_size=_LOOKUP_PAGE_SIZE
            )
        for record in records:
            created = record.date_created
            if created is not None and created < after:
                continue
            if str(record.direction or "").startswith("outbound") and record.body == body:
                sid = record.sid
                return sid if isinstance(sid, str) and sid else None
        return None


def status_callback_url(public_url: str) -> str | None:
    """Our status webhook under ``public_url``; None when Twilio could not reach it (a
    loopback address, the development default), since each failed callback is an error in
    the account's Twilio debugger."""
    host = urlsplit(public_url).hostname or ""
    if host == "localhost" or host.endswith(".localhost"):
        return None
    try:
        if ip_address(host).is_loopback:
            return None
    except ValueError:
        pass  # a name, not an address
    return public_url.rstrip("/") + STATUS_CALLBACK_PATH


def api_client(
    http: AsyncTwilioHttpClient, *, account_sid: str, auth_token: str, api_url: str | None
) -> Client:
    """The SDK's client on ``http``, its REST API at ``api_url`` (None: Twilio's own)."""
    # A non-empty ``environment`` keeps the SDK from reading os.environ (TWILIO_EDGE,
    # TWILIO_REGION would rewrite the host): Settings is the one source of configuration.
    client = Client(
        account_sid,
        auth_token,
        http_client=http,
        environment={"TWILIO_ACCOUNT_SID": account_sid},
    )
    if api_url is not None:
        # The Api domain builds every Messages URL (and every next page's) from its base_url.
        client.api.base_url = api_url.rstrip("/")
    return client


@asynccontextmanager
async def twilio_call(
    what: str, *, seconds: float, safe_to_repeat: bool, log_level: int = logging.WARNING
) -> AsyncIterator[AsyncTwilioHttpClient]:
    """An HTTP client for one call to Twilio (``what``, for logs), closed after it; whatever
    fails in the block, Twilio's refusals, ``seconds`` passing or the network, raises
    IntegrationError, logged at ``log_level``. ``safe_to_repeat``: whether an answer that is
    not JSON (or not a page) may be retried (a read may; a send may have happened)."""
    try:
        async with asyncio.timeout(seconds), AsyncTwilioHttpClient() as http:
            yield http
    except (TwilioException, TimeoutError, aiohttp.ClientError, json.JSONDecodeError) as exc:
        error = _translated(exc, seconds=seconds, safe_to_repeat=safe_to_repeat)
        _log_failure(what, error, log_level)
        raise error from exc


def _translated(exc: Exception, *, seconds: float, safe_to_repeat: bool) -> IntegrationError:
    if isinstance(exc, TwilioRestException | TwilioServiceException):
        return _refused(exc)
    if isinstance(exc, TwilioException):
        return _unreadable(exc, transient=safe_to_repeat)
    if isinstance(exc, TimeoutError):
        return _failed("timeout", f"no answer within {seconds:g} s", transient=True)
    if isinstance(exc, aiohttp.ClientError):
        reason = f"cannot reach the API ({type(exc).__name__})"
        return _failed("connection", reason, transient=True)
    return _failed("bad_response", "the answer is not JSON", transient=safe_to_repeat)


def _message_sid(message: Any) -> str:
    sid = getattr(message, "sid", None)
    if not isinstance(sid, str) or not sid:
        error = _failed("bad_response", "the answer carries no message sid", transient=False)
        _log_failure("send", error, logging.WARNING)
        raise error
    log.info("twilio accepted SMS %s (status %s)", sid, getattr(message, "status", "?"))
    return sid


def _unreadable(exc: TwilioException, *, transient: bool) -> IntegrationError:
    """The SDK's list pages raise a bare TwilioException (message, response) for any answer
    but 200: read it as the SDK reads other refusals."""
    response = exc.args[1] if len(exc.args) > 1 else None
    if isinstance(response, Response):
        return _refused(Version.exception("GET", "", response, str(exc.args[0])))
    return _failed("bad_response", str(exc), transient=transient)


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
    return IntegrationError(SYSTEM, message, transient=transient, code=code)


def _log_failure(what: str, error: IntegrationError, level: int) -> None:
    kind = "transient" if error.transient else "final"
    log.log(level, "twilio %s failed (%s, %s): %s", what, error.code, kind, error.message)


def twilio_sender_from_settings(settings: Settings) -> SmsSender:
    """Twilio when its sid, token and sending number are all set; else texts stay unsent."""
    if settings.twilio_credentials is None:
        return SmsNotConfigured()
    sid, token, sender = settings.twilio_credentials
    return TwilioSmsSender(
        account_sid=sid,
        auth_token=token,
        from_number=sender,
        api_url=settings.twilio_api_url,
        status_callback=status_callback_url(settings.public_url),
    )
