"""Web Push to technicians' browsers with pywebpush: RFC 8030 delivery, the payload encrypted for
the browser (RFC 8291, ``aes128gcm``), each request signed with our VAPID key (RFC 8292).

Each push opens its own aiohttp session and closes it, like the Twilio sender: pushes are few (an
alert per change to a technician's day) and a session per push is never bound to another event
loop nor left open. Keys and the subscription's secrets are never logged; nor is the endpoint,
which works as a capability: only its origin is.
"""

from __future__ import annotations

import asyncio
import base64
import json
import logging
import time
from typing import Any
from urllib.parse import urlsplit

import aiohttp
import attrs
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from py_vapid import Vapid02
from pywebpush import WebPusher

from sm2_adapters.settings import Settings
from sm2_core.domain.push import PushSubscription
from sm2_core.errors import IntegrationError
from sm2_core.ports import PushOutcome, PushSender

log = logging.getLogger(__name__)

SYSTEM = "webpush"
DEFAULT_TIMEOUT_SECONDS = 10.0
#: Push services refuse tokens valid for more than 24 h; 12 h leaves room for clock skew.
TOKEN_LIFETIME_SECONDS = 12 * 60 * 60
_ACCEPTED = frozenset({200, 201, 202})
#: The browser unsubscribed or the subscription expired: it will never work again.
_GONE = frozenset({404, 410})
#: "Not now": too many pushes (429), or the service gave up waiting for our request (408).
_RETRY_LATER = frozenset({408, 429})
_WHY = {
    400: "the push service found the request malformed",
    401: "the push service wants a VAPID signature",
    403: "the push service refused our VAPID token (was the browser subscribed with another "
    "key? is SM2_VAPID_SUBJECT a contact it accepts?)",
    408: "the push service gave up waiting for the request",
    413: "the payload is too large for Web Push (4 KB at most, encrypted)",
    429: "too many pushes: the push service asks to retry later",
}


def private_key(raw: str | ec.EllipticCurvePrivateKey) -> ec.EllipticCurvePrivateKey:
    """The P-256 key from the base64url of its 32 bytes (``Settings.vapid_private_key``)."""
    if isinstance(raw, ec.EllipticCurvePrivateKey):
        return raw
    number = base64.urlsafe_b64decode(raw + "=" * (-len(raw) % 4))
    return ec.derive_private_key(int.from_bytes(number, "big"), ec.SECP256R1())


def application_server_key(key: ec.EllipticCurvePrivateKey) -> str:
    """The public half as browsers take it (``applicationServerKey``): base64url, unpadded, of
    the uncompressed point."""
    point = key.public_key().public_bytes(
        serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
    )
    return base64.urlsafe_b64encode(point).rstrip(b"=").decode()


@attrs.frozen(kw_only=True)
class WebPushSender:
    """The PushSender port on Web Push; one key signs every push, so browsers must subscribe
    with ``public_key``."""

    key: ec.EllipticCurvePrivateKey = attrs.field(converter=private_key, repr=False, eq=False)
    subject: str
    """The VAPID ``sub``: the contact (``mailto:`` or ``https:``) push services see."""
    timeout: float = attrs.field(default=DEFAULT_TIMEOUT_SECONDS, validator=attrs.validators.gt(0))
    """Seconds for the whole push, connection included."""

    @property
    def public_key(self) -> str:
        return application_server_key(self.key)

    async def push(
        self, subscription: PushSubscription, payload: dict[str, Any], *, ttl_seconds: int
    ) -> PushOutcome:
        origin = _origin(subscription.endpoint)
        unusable = (
            "the endpoint is not an http(s) URL" if origin is None else _unusable(subscription)
        )
        if origin is None or unusable:
            # Retrying cannot help: what the browser gave us cannot receive a push.
            log.warning("push not sent: %s", unusable)
            return PushOutcome(accepted=False, detail=unusable or "")
        body = json.dumps(payload, ensure_ascii=False, separators=(",", ":"))
        try:
            status, said = await self._send(subscription, body, origin, ttl_seconds)
        except (TimeoutError, aiohttp.ClientError) as exc:
            error = _unreachable(exc, origin, self.timeout)
            log.warning("push to %s failed (%s, transient): %s", origin, error.code, error)
            raise error from exc
        return _outcome(status, said, origin)

    async def _send(
        self, subscription: PushSubscription, body: str, origin: str, ttl_seconds: int
    ) -> tuple[int, str]:
        """Encrypt, sign and POST; the status and what the service said with it."""
        headers = {
            **self._authorization(origin),
            # Every push is an alert someone is waiting on: deliver it even to a phone saving
            # its battery (RFC 8030 section 5.3).
            "Urgency": "high",
        }
        async with asyncio.timeout(self.timeout), aiohttp.ClientSession() as session:
            pusher = WebPusher(
                {
                    "endpoint": subscription.endpoint,
                    "keys": {"p256dh": subscription.p256dh, "auth": subscription.auth},
                },
                aiohttp_session=session,
            )
            response = await pusher.send_async(
                body,
                headers,
                ttl=max(0, ttl_seconds),
                content_encoding="aes128gcm",
                timeout=aiohttp.ClientTimeout(total=self.timeout),
            )
            return response.status, (await response.text(errors="replace")).strip()

    def _authorization(self, origin: str) -> dict[str, str]:
        """``Authorization: vapid t=<JWT>, k=<public key>`` for one push service (``aud``)."""
        expires = int(time.time()) + TOKEN_LIFETIME_SECONDS
        claims = {"sub": self.subject, "aud": origin, "exp": expires}
        # py_vapid's own check of ``sub`` refuses valid https: contacts with a path or a port;
        # Settings has checked it already.
        headers: dict[str, str] = Vapid02(self.key, conf={"no-strict": True}).sign(claims)
        return headers


def _unusable(subscription: PushSubscription) -> str | None:
    """Why the browser's keys cannot encrypt a push (RFC 8291), or None when they can."""
    try:
        ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), _unb64(subscription.p256dh))
    except ValueError:
        return "the subscription's p256dh is not a P-256 public key"
    try:
        auth = _unb64(subscription.auth)
    except ValueError:
        auth = b""
    return None if len(auth) == 16 else "the subscription's auth secret is not 16 bytes"


def _unb64(text: str) -> bytes:
    return base64.b64decode(text + "=" * (-len(text) % 4), altchars=b"-_", validate=True)


def _origin(endpoint: str) -> str | None:
    parts = urlsplit(endpoint)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return None
    return f"{parts.scheme}://{parts.netloc}"


def _outcome(status: int, said: str, origin: str) -> PushOutcome:
    if status in _ACCEPTED:
        log.info("push to %s accepted (HTTP %d)", origin, status)
        return PushOutcome(accepted=True)
    if status in _GONE:
        log.info("push to %s: the subscription is gone (HTTP %d)", origin, status)
        return PushOutcome(accepted=False, gone=True, detail=f"HTTP {status}: {_gone(said)}")
    why = _WHY.get(status) or (
        "the push service failed" if status >= 500 else "the push service refused the push"
    )
    detail = f"HTTP {status}: {why}"
    if said:
        # The service's own words tell a refused subject from a key mismatch (both 403).
        detail += f" ({said[:200]})"
    if status in _RETRY_LATER or status >= 500:
        log.warning("push to %s failed (HTTP %d, transient)", origin, status)
        raise IntegrationError(SYSTEM, detail, transient=True, code=str(status))
    log.warning("push to %s refused: %s", origin, detail)
    return PushOutcome(accepted=False, detail=detail)


def _gone(said: str) -> str:
    reason = "the subscription has expired or was withdrawn"
    return f"{reason} ({said[:200]})" if said else reason


def _unreachable(exc: Exception, origin: str, seconds: float) -> IntegrationError:
    if isinstance(exc, TimeoutError):
        return IntegrationError(
            SYSTEM, f"no answer from {origin} within {seconds:g} s", transient=True, code="timeout"
        )
    return IntegrationError(
        SYSTEM, f"cannot reach {origin} ({type(exc).__name__})", transient=True, code="connection"
    )


def push_sender_from_settings(settings: Settings) -> PushSender:
    """Web Push signed with SM2_VAPID_PRIVATE_KEY, or with the key generated once into the data
    dir (development)."""
    return WebPushSender(key=settings.effective_vapid_private_key, subject=settings.vapid_subject)
