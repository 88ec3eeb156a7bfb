"""A wire-level stand-in for Twilio's Messages API (2010-04-01), served on 127.0.0.1.

``POST /2010-04-01/Accounts/{AccountSid}/Messages.json`` with form-encoded ``To``, ``From`` and
``Body`` and HTTP Basic auth ``sid:token`` answers 201 with Twilio's message resource, or the
error documents Twilio answers (401 20003, 404 20404, 400 21211/21602/21603/21604). Tests queue
other answers (429, 500, a slow one) in ``replies``; every request is recorded as it came.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import json
import re
import secrets
from datetime import UTC, datetime
from email.utils import format_datetime
from typing import Any
from urllib.parse import parse_qs

import attrs
from aiohttp import web

API_VERSION = "2010-04-01"
_E164 = re.compile(r"^\+[1-9]\d{6,14}$")
_PATH = re.compile(rf"^/{API_VERSION}/Accounts/(?P<sid>[^/]+)/Messages\.json$")


@attrs.frozen
class SeenRequest:
    """One request exactly as the SDK sent it."""

    method: str
    path: str
    headers: dict[str, str]
    """Lower-case names."""
    raw_body: bytes
    auth: tuple[str, str] | None

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
TOO_MANY_REQUESTS = twilio_error(429, 20429, "Too Many Requests")
SERVICE_UNAVAILABLE = twilio_error(503, 20503, "Service Unavailable")
#: What a load balancer in front of the API answers: not JSON at all.
SERVER_ERROR = Reply(500, "<html><body>500 Internal Server Error</body></html>", "text/html")


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
        self.replies: list[Reply] = []
        """Answers for the next requests, in order; then the API behaves normally."""
        self.messages: list[dict[str, Any]] = []
        """The message resources created (answered 201)."""
        self._runner: web.AppRunner | None = None
        self.url = ""

    async def start(self) -> None:
        app = web.Application()
        app.router.add_route("*", "/{tail:.*}", self._handle)
        self._runner = web.AppRunner(app, access_log=None, shutdown_timeout=0.1)
        await self._runner.setup()
        await web.TCPSite(self._runner, "127.0.0.1", 0).start()
        host, port = self._runner.addresses[0][:2]
        self.url = f"http://{host}:{port}"

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
        )
        self.requests.append(seen)
        reply = self.replies.pop(0) if self.replies else self._answer(seen)
        if reply.delay:
            await asyncio.sleep(reply.delay)
        return web.Response(
            status=reply.status, text=reply.body, content_type=reply.content_type, charset="utf-8"
        )

    def _answer(self, seen: SeenRequest) -> Reply:
        if seen.auth != (self.account_sid, self.auth_token):
            return twilio_error(401, 20003, "Authenticate")
        match = _PATH.match(seen.path)
        if seen.method != "POST" or match is None or match["sid"] != self.account_sid:
            return twilio_error(404, 20404, f"The requested resource {seen.path} was not found")
        form = {k: v[-1] for k, v in seen.form.items()}
        for field, code in (("To", 21604), ("From", 21603), ("Body", 21602)):
            if not form.get(field):
                return twilio_error(400, code, f"A '{field}' is required.")
        if not _E164.match(form["To"]):
            return twilio_error(
                400, 21211, f"The 'To' number {form['To']} is not a valid phone number."
            )
        resource = self._message(form)
        self.messages.append(resource)
        return Reply(201, json.dumps(resource))

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
