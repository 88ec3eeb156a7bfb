"""The media of the texts we received (MMS), fetched from Twilio with the account's credentials.

Twilio gives each item a URL on its REST API (``/2010-04-01/Accounts/AC.../Messages/MM.../
Media/ME...``), which answers with a redirect to a signed URL of its storage. Our credentials
(HTTP basic: account sid and auth token) go to Twilio's API only, never to wherever a redirect
points: redirects are followed here, each step checked, rather than by the HTTP client. A URL
that is not our account's on Twilio's API is refused without a request, so a forged text
cannot make us send the credentials elsewhere. At most ``limit`` bytes are read: a larger item
is known as such from its Content-Length, or after ``limit`` + 1 bytes.
"""

from __future__ import annotations

import asyncio
import base64
import logging
from urllib.parse import urljoin, urlsplit

import aiohttp
import attrs
from yarl import URL

from sm2_adapters.settings import Settings
from sm2_adapters.twilio.sms import SYSTEM, check_api_url
from sm2_adapters.unconfigured import MediaSourceNotConfigured
from sm2_core.errors import IntegrationError, InvalidInput
from sm2_core.media import Download
from sm2_core.ports import MediaSource

log = logging.getLogger(__name__)

TWILIO_API = "https://api.twilio.com"
API_VERSION = "2010-04-01"
#: For one item, redirects and the whole body included (5 MB on a slow link).
DEFAULT_MEDIA_TIMEOUT_SECONDS = 60.0
MAX_REDIRECTS = 5
_REDIRECTS = frozenset({301, 302, 303, 307, 308})
#: Twilio asks clients to retry these later; 5xx are retried too.
_RETRY_LATER = frozenset({408, 425, 429})
_CHUNK = 64 * 1024


@attrs.frozen(kw_only=True)
class TwilioMediaSource:
    """The MediaSource port on Twilio's media URLs."""

    account_sid: str
    auth_token: str = attrs.field(repr=False)
    api_url: str | None = attrs.field(default=None, validator=check_api_url)
    """Base URL replacing ``https://api.twilio.com`` (a local fake, a proxy); None for Twilio's."""
    timeout: float = attrs.field(
        default=DEFAULT_MEDIA_TIMEOUT_SECONDS, validator=attrs.validators.gt(0)
    )
    max_redirects: int = attrs.field(default=MAX_REDIRECTS, validator=attrs.validators.ge(0))

    @property
    def _api(self) -> str:
        return (self.api_url or TWILIO_API).rstrip("/")

    def media_url(self, uri: str) -> str:
        """The content's URL of a media resource's ``uri`` (as its list gives it, ``….json``)."""
        return self._api + uri.removesuffix(".json")

    async def fetch(self, url: str, *, limit: int) -> Download:
        self._check(url)
        try:
            async with asyncio.timeout(self.timeout), aiohttp.ClientSession() as session:
                return await self._follow(session, url, limit)
        except TimeoutError as exc:
            raise _failed("timeout", f"no answer within {self.timeout:g} s", True) from exc
        except aiohttp.ClientError as exc:
            reason = f"cannot fetch the media ({type(exc).__name__})"
            raise _failed("connection", reason, True) from exc

    def _check(self, url: str) -> None:
        """Only our account's media on Twilio's API (the one configured) get our credentials."""
        parts, api = urlsplit(url), urlsplit(self._api)
        prefix = f"{api.path.rstrip('/')}/{API_VERSION}/Accounts/{self.account_sid}/"
        if (
            (parts.scheme, parts.netloc) != (api.scheme, api.netloc)
            or not parts.path.startswith(prefix)
            or "/Media/" not in parts.path
        ):
            raise InvalidInput(f"not a media URL of our Twilio account: {url[:200]}")

    def _authorization(self, url: str) -> dict[str, str]:
        parts, api = urlsplit(url), urlsplit(self._api)
        if (parts.scheme, parts.netloc) != (api.scheme, api.netloc):
            return {}
        pair = f"{self.account_sid}:{self.auth_token}".encode()
        return {"Authorization": "Basic " + base64.b64encode(pair).decode("ascii")}

    async def _follow(self, session: aiohttp.ClientSession, url: str, limit: int) -> Download:
        for _ in range(self.max_redirects + 1):
            # ``encoded``: a signed URL is requested exactly as given (its signature covers it).
            async with session.get(
                URL(url, encoded=True), headers=self._authorization(url), allow_redirects=False
            ) as response:
                if response.status in _REDIRECTS:
                    url = _redirected(url, response.headers.get("Location"))
                    continue
                if response.status != 200:
                    raise _refused(response.status)
                return await _read(response, limit)
        raise _failed("redirects", f"more than {self.max_redirects} redirects", False)


def _redirected(url: str, location: str | None) -> str:
    if not location:
        raise _failed("bad_redirect", "a redirect without a Location", False)
    target = urljoin(url, location)
    if urlsplit(target).scheme not in ("http", "https"):
        raise _failed("bad_redirect", "a redirect to something other than http(s)", False)
    return target


async def _read(response: aiohttp.ClientResponse, limit: int) -> Download:
    declared = response.content_length
    if declared is not None and declared > limit:
        return Download(b"", complete=False, size=declared)
    data = bytearray()
    async for chunk in response.content.iter_chunked(_CHUNK):
        data += chunk
        if len(data) > limit:
            return Download(bytes(data[: limit + 1]), complete=False, size=declared)
    return Download(bytes(data), size=len(data))


def _refused(status: int) -> IntegrationError:
    transient = status in _RETRY_LATER or status >= 500
    if status in (401, 403):
        reason = "Twilio refused the account's credentials"
    elif status in (404, 410):
        reason = "Twilio has no such media (deleted?)"
    else:
        reason = "the media could not be fetched"
    return _failed(str(status), f"HTTP {status}: {reason}", transient)


def _failed(code: str, message: str, transient: bool) -> IntegrationError:
    kind = "transient" if transient else "final"
    log.warning("twilio media fetch failed (%s, %s): %s", code, kind, message)
    return IntegrationError(SYSTEM, message, transient=transient, code=code)


def twilio_media_from_settings(settings: Settings) -> MediaSource:
    """Twilio when it is configured (``Settings.twilio_credentials``); else fetches say not."""
    if settings.twilio_credentials is None:
        return MediaSourceNotConfigured()
    sid, token, _ = settings.twilio_credentials
    return TwilioMediaSource(account_sid=sid, auth_token=token, api_url=settings.twilio_api_url)
