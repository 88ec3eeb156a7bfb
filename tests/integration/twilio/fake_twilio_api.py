"""A wire-level stand-in for Twilio's Messages API (2010-04-01), served on 127.0.0.1.

``POST /2010-04-01/Accounts/{AccountSid}/Messages.json`` with form-encoded ``To``, ``From`` and
``Body`` and HTTP Basic auth ``sid:token`` answers 201 with Twilio's message resource, or the
error documents Twilio answers (401 20003, 404 20404, 400 21211/21602/21603/21604).

``GET`` on the same path lists the account's messages as Twilio does: newest first, in pages
(``messages``, ``page``, ``page_size``, ``next_page_uri``, ``uri``...), filtered by ``To``,
``From``, ``DateSent``, ``DateSent>`` (on or after) and ``DateSent<`` (on or before), paged by
``PageSize``, ``Page`` and ``PageToken``. The messages listed are those tests put in ``inbound``
(texts dealerships sent: ``inbound_message`` builds them) and those created by POST.

Media (MMS): ``add_media`` gives a message an item, served as Twilio serves them. ``GET
/2010-04-01/Accounts/{AccountSid}/Messages/{MessageSid}/Media/{MediaSid}`` (HTTP Basic auth
required) answers 307 to a signed URL on a second listening address (another origin, like
Twilio's storage), which serves the bytes without asking for credentials and records who came
(``storage_requests``); ``…/Media.json`` lists a message's media resources.

Status callbacks: a created message's ``StatusCallback`` is kept (``status_callbacks``).
``status_callback`` moves a message on (``sent``, ``delivered``, ``undelivered`` with an error
code...) as Twilio does, and gives the form Twilio would post to that URL, signed with the auth
token as Twilio signs (HMAC-SHA1 of the URL and the sorted fields, written out here rather than
taken from the SDK, which is what checks it); ``post_status`` posts it. A number in ``opted_out``
(it texted STOP to Twilio) is refused with error 21610, as Twilio refuses it.

Tests queue other answers (429, 500, a slow one) in ``replies``; every request is recorded as
it came.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import hashlib
import hmac
import json
import re
import secrets
from datetime import UTC, datetime
from email.utils import format_datetime, parsedate_to_datetime
from typing import Any, Protocol
from urllib.parse import parse_qs, urlencode, urlsplit

import aiohttp
import attrs
from aiohttp import web

API_VERSION = "2010-04-01"
_E164 = re.compile(r"^\+[1-9]\d{6,14}$")
_PATH = re.compile(rf"^/{API_VERSION}/Accounts/(?P<sid>[^/]+)/Messages\.json$")
_MESSAGE = rf"^/{API_VERSION}/Accounts/(?P<sid>[^/]+)/Messages/(?P<message>[^/]+)"
_MEDIA = re.compile(_MESSAGE + r"/Media/(?P<media>[^/.]+)$")
_MEDIA_LIST = re.compile(_MESSAGE + r"/Media\.json$")


@attrs.frozen
class SeenRequest:
    """One request exactly as the SDK sent it."""

    method: str
    path: str
    headers: dict[str, str]
    """Lower-case names."""
    raw_body: bytes
    auth: tuple[str, str] | None
    query: dict[str, str] = attrs.field(factory=dict)
    """The query string's fields (the last value of each)."""

    @property
    def form(self) -> dict[str, list[str]]:
        """The body decoded strictly as UTF-8 form data."""
        return parse_qs(self.raw_body.decode("ascii"), strict_parsing=True, errors="strict")

    def field(self, name: str) -> str:
        (value,) = self.form[name]
        return value


@attrs.frozen
class Reply:
    status: int
    body: str
    content_type: str = "application/json"
    delay: float = 0.0
    """Seconds to wait before answering (a Twilio that hangs)."""
    headers: dict[str, str] = attrs.field(factory=dict)


@attrs.frozen
class MediaFile:
    """One MMS item of a message, as Twilio keeps it."""

    sid: str
    message_sid: str
    data: bytes
    content_type: str
    chunked: bool = False
    """Served without a Content-Length (as a stream)."""


def twilio_error(status: int, code: int, message: str) -> Reply:
    """Twilio's REST error document."""
    document = {
        "code": code,
        "message": message,
        "more_info": f"https://www.twilio.com/docs/errors/{code}",
        "status": status,
    }
    return Reply(status, json.dumps(document))


INVALID_TO = twilio_error(400, 21211, "The 'To' number +1555 is not a valid phone number.")
OPTED_OUT = twilio_error(400, 21610, "Attempt to send to unsubscribed recipient")
TOO_MANY_REQUESTS = twilio_error(429, 20429, "Too Many Requests")
SERVICE_UNAVAILABLE = twilio_error(503, 20503, "Service Unavailable")
#: What a load balancer in front of the API answers: not JSON at all.
SERVER_ERROR = Reply(500, "<html><body>500 Internal Server Error</body></html>", "text/html")


@attrs.frozen
class StatusCallback:
    """A delivery report as Twilio posts it: to ``url``, form-encoded, signed."""

    url: str
    form: dict[str, str]
    signature: str
    """The ``X-Twilio-Signature`` header."""

    @property
    def path(self) -> str:
        """The URL's path and query: where an app served in-process is posted to."""
        parts = urlsplit(self.url)
        return parts.path + (f"?{parts.query}" if parts.query else "")


class FormPoster(Protocol):
    """What ``post_status`` posts with: an httpx client on the app (its ASGI transport)."""

    async def post(self, url: str, *, data: Any, headers: Any) -> Any: ...


def twilio_signature(auth_token: str, url: str, form: dict[str, str]) -> str:
    """Twilio's request signature: HMAC-SHA1, keyed with the auth token, of the URL followed
    by each field's name and value, sorted by name; base64."""
    payload = url + "".join(name + form[name] for name in sorted(form))
    digest = hmac.new(auth_token.encode(), payload.encode(), hashlib.sha1).digest()
    return base64.b64encode(digest).decode()


def inbound_message(
    *,
    sid: str | None = None,
    from_: str,
    to: str,
    body: str,
    date_sent: datetime,
    num_media: str = "0",
    direction: str = "inbound",
    account_sid: str = "AC" + "0" * 32,
) -> dict[str, Any]:
    """A text someone sent to ``to`` as Twilio's message log keeps it (``date_sent``: when
    Twilio received it, RFC 2822 like Twilio writes it)."""
    sid = sid or f"SM{secrets.token_hex(16)}"
    when = format_datetime(date_sent.astimezone(UTC), usegmt=False)
    uri = f"/{API_VERSION}/Accounts/{account_sid}/Messages/{sid}"
    return {
        "account_sid": account_sid,
        "api_version": API_VERSION,
        "body": body,
        "date_created": when,
        "date_sent": when,
        "date_updated": when,
        "direction": direction,
        "error_code": None,
        "error_message": None,
        "from": from_,
        "messaging_service_sid": None,
        "num_media": num_media,
        "num_segments": "1",
        "price": None,
        "price_unit": "USD",
        "sid": sid,
        "status": "received" if direction == "inbound" else "delivered",
        "subresource_uris": {"media": f"{uri}/Media.json"},
        "to": to,
        "uri": f"{uri}.json",
    }


def _instant(value: str) -> datetime | None:
    """A ``DateSent`` filter as Twilio takes it: ``YYYY-MM-DD`` or an ISO 8601 date-time in GMT."""
    try:
        when = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return when if when.tzinfo is not None else when.replace(tzinfo=UTC)


def _sent(message: dict[str, Any]) -> datetime | None:
    value = message.get("date_sent")
    return parsedate_to_datetime(value) if value else None


def _basic_auth(header: str) -> tuple[str, str] | None:
    scheme, _, encoded = header.partition(" ")
    if scheme.lower() != "basic":
        return None
    try:
        user, _, password = base64.b64decode(encoded, validate=True).decode().partition(":")
    except (binascii.Error, UnicodeDecodeError):
        return None
    return user, password


class FakeTwilio:
    """The Messages API of one account; ``url`` is what SM2_TWILIO_API_URL would be set to."""

    def __init__(self, *, account_sid: str, auth_token: str) -> None:
        self.account_sid = account_sid
        self.auth_token = auth_token
        self.requests: list[SeenRequest] = []
        self.replies: list[Reply | None] = []
        """Answers for the next requests, in order (None: the normal answer); then the API
        behaves normally."""
        self.messages: list[dict[str, Any]] = []
        """The message resources created (answered 201)."""
        self.inbound: list[dict[str, Any]] = []
        """Message resources in the account's log that no POST made: what tests put in (texts
        dealerships sent, ``inbound_message``), listed with the created ones."""
        self.media: dict[str, MediaFile] = {}
        """By media sid."""
        self.media_replies: list[Reply | None] = []
        """Like ``replies``, for the next requests of media content URLs only."""
        self.storage_requests: list[SeenRequest] = []
        """Requests to the storage the media URLs redirect to."""
        self.status_callbacks: dict[str, str] = {}
        """Message sid → the StatusCallback it was created with."""
        self.opted_out: set[str] = set()
        """Numbers that texted STOP to Twilio: sending to them is refused (21610)."""
        self._signed: dict[str, str] = {}
        """Storage token → media sid."""
        self._runner: web.AppRunner | None = None
        self.url = ""
        self.storage_url = ""

    async def start(self) -> None:
        app = web.Application()
        app.router.add_route("GET", "/storage/{token}", self._storage)
        app.router.add_route("*", "/{tail:.*}", self._handle)
        self._runner = web.AppRunner(app, access_log=None, shutdown_timeout=0.1)
        await self._runner.setup()
        await web.TCPSite(self._runner, "127.0.0.1", 0).start()
        await web.TCPSite(self._runner, "127.0.0.1", 0).start()
        (host, port), (storage_host, storage_port) = (a[:2] for a in self._runner.addresses)
        self.url = f"http://{host}:{port}"
        self.storage_url = f"http://{storage_host}:{storage_port}"

    def add_media(
        self, message_sid: str, data: bytes, content_type: str = "image/jpeg", **kw: Any
    ) -> str:
        """Give ``message_sid`` an item; its media URL (what the webhook's MediaUrlN says)."""
        item = MediaFile(f"ME{secrets.token_hex(16)}", message_sid, data, content_type, **kw)
        self.media[item.sid] = item
        return f"{self.url}{self._media_uri(item)}"

    def _media_uri(self, item: MediaFile) -> str:
        return f"/{API_VERSION}/Accounts/{self.account_sid}/Messages/{item.message_sid}/Media/{item.sid}"

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()

    async def _handle(self, request: web.Request) -> web.Response:
        seen = SeenRequest(
            method=request.method,
            path=request.path,
            headers={k.lower(): v for k, v in request.headers.items()},
            raw_body=await request.read(),
            auth=_basic_auth(request.headers.get("Authorization", "")),
            query=dict(request.query.items()),
        )
        self.requests.append(seen)
        if self.media_replies and _MEDIA.match(seen.path):
            reply = self.media_replies.pop(0)
        else:
            reply = self.replies.pop(0) if self.replies else None
        if reply is None:
            reply = self._answer(seen)
        if reply.delay:
            await asyncio.sleep(reply.delay)
        return web.Response(
            status=reply.status,
            text=reply.body,
            content_type=reply.content_type,
            charset="utf-8",
            headers=reply.headers,
        )

    async def _storage(self, request: web.Request) -> web.StreamResponse:
        """The signed storage URL a media URL redirects to: no credentials asked."""
        self.storage_requests.append(
            SeenRequest(
                method=request.method,
                path=request.path,
                headers={k.lower(): v for k, v in request.headers.items()},
                raw_body=b"",
                auth=_basic_auth(request.headers.get("Authorization", "")),
                query=dict(request.query.items()),
            )
        )
        sid = self._signed.get(request.match_info["token"])
        if sid is None or request.query.get("Signature") != "sig-" + request.match_info["token"]:
            return web.Response(status=403, text="<Error>AccessDenied</Error>")
        item = self.media[sid]
        if not item.chunked:
            return web.Response(body=item.data, content_type=item.content_type)
        response = web.StreamResponse(headers={"Content-Type": item.content_type})
        response.enable_chunked_encoding()
        await response.prepare(request)
        for start in range(0, len(item.data), 256 * 1024):
            await response.write(item.data[start : start + 256 * 1024])
        await response.write_eof()
        return response

    def _media_answer(self, seen: SeenRequest) -> Reply | None:
        """A media content URL (a redirect to storage) or a message's media list."""
        if (found := _MEDIA.match(seen.path)) is not None:
            item = self.media.get(found["media"])
            if item is None or item.message_sid != found["message"]:
                return twilio_error(404, 20404, f"The requested resource {seen.path} was not found")
            token = secrets.token_hex(8)
            self._signed[token] = item.sid
            # A signed URL's query is part of its signature: sent exactly as given.
            location = f"{self.storage_url}/storage/{token}?Expires=1&Signature=sig-{token}"
            return Reply(307, "", "text/plain", headers={"Location": location})
        if (found := _MEDIA_LIST.match(seen.path)) is not None:
            items = [m for m in self.media.values() if m.message_sid == found["message"]]
            path = f"/{API_VERSION}/Accounts/{self.account_sid}/Messages/{found['message']}"
            document = {
                "media_list": [
                    {
                        "account_sid": self.account_sid,
                        "content_type": m.content_type,
                        "parent_sid": m.message_sid,
                        "sid": m.sid,
                        "uri": f"{self._media_uri(m)}.json",
                    }
                    for m in items
                ],
                "end": max(0, len(items) - 1),
                "first_page_uri": f"{path}/Media.json?PageSize=50&Page=0",
                "next_page_uri": None,
                "page": 0,
                "page_size": 50,
                "previous_page_uri": None,
                "start": 0,
                "uri": f"{path}/Media.json?PageSize=50&Page=0",
            }
            return Reply(200, json.dumps(document))
        return None

    def _answer(self, seen: SeenRequest) -> Reply:
        if seen.auth != (self.account_sid, self.auth_token):
            return twilio_error(401, 20003, "Authenticate")
        if seen.method == "GET" and (media := self._media_answer(seen)) is not None:
            return media
        match = _PATH.match(seen.path)
        if seen.method not in ("GET", "POST") or match is None or match["sid"] != self.account_sid:
            return twilio_error(404, 20404, f"The requested resource {seen.path} was not found")
        if seen.method == "GET":
            return self._list(seen)
        form = {k: v[-1] for k, v in seen.form.items()}
        for field, code in (("To", 21604), ("From", 21603), ("Body", 21602)):
            if not form.get(field):
                return twilio_error(400, code, f"A '{field}' is required.")
        if not _E164.match(form["To"]):
            return twilio_error(
                400, 21211, f"The 'To' number {form['To']} is not a valid phone number."
            )
        if form["To"] in self.opted_out:
            return OPTED_OUT
        resource = self._message(form)
        self.messages.append(resource)
        if callback := form.get("StatusCallback"):
            self.status_callbacks[resource["sid"]] = callback
        return Reply(201, json.dumps(resource))

    def status_callback(
        self, sid: str, status: str, *, error_code: str | None = None
    ) -> StatusCallback:
        """Move the created message ``sid`` to ``status`` (with ``error_code``) and give the
        callback Twilio would post to its StatusCallback (KeyError: it was created without)."""
        resource = {m["sid"]: m for m in self.messages}[sid]
        now = format_datetime(datetime.now(UTC), usegmt=False)
        resource.update(status=status, date_updated=now)
        if status in ("sent", "delivered", "undelivered", "read") and not resource["date_sent"]:
            resource["date_sent"] = now
        if error_code is not None:
            resource["error_code"] = int(error_code)
        form = {
            "AccountSid": self.account_sid,
            "ApiVersion": API_VERSION,
            "From": resource["from"],
            "MessageSid": sid,
            "MessageStatus": status,
            "SmsSid": sid,
            "SmsStatus": status,
            "To": resource["to"],
        }
        if error_code is not None:
            form["ErrorCode"] = error_code
        url = self.status_callbacks[sid]
        return StatusCallback(url, form, twilio_signature(self.auth_token, url, form))

    async def post_status(
        self,
        sid: str,
        status: str,
        *,
        error_code: str | None = None,
        via: FormPoster | None = None,
    ) -> int:
        """``status_callback``, posted: with ``via`` (a client on the app in-process) to the
        callback's path, else over HTTP to the callback URL itself. The answer's status."""
        callback = self.status_callback(sid, status, error_code=error_code)
        headers = {"X-Twilio-Signature": callback.signature}
        if via is not None:
            response = await via.post(callback.path, data=callback.form, headers=headers)
            return int(response.status_code)
        async with (
            aiohttp.ClientSession() as session,
            session.post(callback.url, data=callback.form, headers=headers) as answer,
        ):
            return answer.status

    def _message(self, form: dict[str, str]) -> dict[str, Any]:
        sid = f"SM{secrets.token_hex(16)}"
        now = format_datetime(datetime.now(UTC), usegmt=False)
        uri = f"/{API_VERSION}/Accounts/{self.account_sid}/Messages/{sid}"
        return {
            "account_sid": self.account_sid,
            "api_version": API_VERSION,
            "body": form["Body"],
            "date_created": now,
            "date_sent": None,
            "date_updated": now,
            "direction": "outbound-api",
            "error_code": None,
            "error_message": None,
            "from": form["From"],
            "messaging_service_sid": None,
            "num_media": "0",
            "num_segments": "1",
            "price": None,
            "price_unit": "USD",
            "sid": sid,
            "status": "queued",
            "subresource_uris": {"media": f"{uri}/Media.json"},
            "to": form["To"],
            "uri": f"{uri}.json",
        }

    def _list(self, seen: SeenRequest) -> Reply:
        query = seen.query
        try:
            size = int(query.get("PageSize", "50"))
            number = int(query.get("Page", "0"))
        except ValueError:
            return twilio_error(400, 20001, "Invalid paging parameters")
        if not 1 <= size <= 1000 or number < 0:
            return twilio_error(400, 20001, "PageSize must be 1..1000, Page 0 or more")
        bounds: dict[str, datetime | None] = {}
        for name in ("DateSent", "DateSent>", "DateSent<"):
            if name in query:
                bounds[name] = _instant(query[name])
                if bounds[name] is None:
                    return twilio_error(400, 20001, f"Invalid {name}: {query[name]}")
        listed = [m for m in self._log() if self._matches(m, query, bounds)]
        start = number * size
        if token := query.get("PageToken"):
            after = [i for i, m in enumerate(listed) if "PA" + m["sid"] == token]
            start = after[0] + 1 if after else len(listed)
        page = listed[start : start + size]
        base = {k: v for k, v in query.items() if k not in ("Page", "PageToken")}
        base["PageSize"] = str(size)
        path = f"/{API_VERSION}/Accounts/{self.account_sid}/Messages.json"

        def uri(page_number: int, token: str | None = None) -> str:
            fields = {**base, "Page": str(page_number)}
            if token:
                fields["PageToken"] = token
            return f"{path}?{urlencode(fields)}"

        more = start + size < len(listed)
        document = {
            "end": start + len(page) - 1 if page else start,
            "first_page_uri": uri(0),
            "messages": page,
            "next_page_uri": uri(number + 1, "PA" + page[-1]["sid"]) if more and page else None,
            "page": number,
            "page_size": size,
            "previous_page_uri": uri(number - 1) if number > 0 else None,
            "start": start,
            "uri": uri(number, query.get("PageToken")),
        }
        return Reply(200, json.dumps(document))

    def _log(self) -> list[dict[str, Any]]:
        """Every message of the account, newest first (as Twilio lists them)."""
        everything = [*self.inbound, *self.messages]
        epoch = datetime(1970, 1, 1, tzinfo=UTC)
        return sorted(everything, key=lambda m: _sent(m) or epoch, reverse=True)

    @staticmethod
    def _matches(
        message: dict[str, Any], query: dict[str, str], bounds: dict[str, datetime | None]
    ) -> bool:
        if "To" in query and message["to"] != query["To"]:
            return False
        if "From" in query and message["from"] != query["From"]:
            return False
        if not bounds:
            return True
        sent = _sent(message)
        if sent is None:
            return False
        on, after, before = (bounds.get(k) for k in ("DateSent", "DateSent>", "DateSent<"))
        return (
            (on is None or sent.date() == on.date())
            and (after is None or sent >= after)
            and (before is None or sent <= before)
        )
