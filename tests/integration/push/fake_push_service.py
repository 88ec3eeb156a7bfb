"""A local Web Push service for tests, speaking like the real ones (RFC 8030, 8291, 8292).

It serves ``POST /push/<token>`` on 127.0.0.1 (a port of its own, on a thread of its own, so
that sync tests, async tests and apps on other event loops can all push to it). Each push must
carry ``Authorization: vapid t=<JWT>, k=<public key>`` (the ES256 signature checked with ``k``;
``aud`` this service's origin; ``exp`` in the future and at most 24 h ahead; ``sub`` a
``mailto:`` or ``https:`` URI), ``Content-Encoding: aes128gcm`` and a ``TTL``; its body is
decrypted with the subscriber's private key and auth secret, and the JSON recorded. Answers: 201
when accepted; 401 without a VAPID header; 403 for a bad token or a key other than the one the
subscription was made with; 400 for a missing header or a body that does not decrypt; 413 past
4096 bytes; 404 for an unknown token; whatever a test scripted with ``answer``.

Use, from any test (``tests/`` is on ``sys.path``)::

    from integration.push.fake_push_service import PushService, push_service  # the fixture

    def test_something(push_service: PushService) -> None:
        subscription, token = push_service.subscription(tech.id, application_server_key=key)
        ...  # register ``browser_json(subscription)`` through the API, or push to it directly
        assert [{"job_code": "SM2-2025-001", ...}] == push_service.received(token)
        push_service.answer(token, 410)  # the browser unsubscribed: later pushes get 410

A conftest that wants the ``push_service`` fixture imports it by that name.
"""

from __future__ import annotations

import base64
import json
import secrets
import sys
import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import urlsplit
from uuid import UUID, uuid4

import attrs
import http_ece
import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

from sm2_core.domain.push import PushSubscription

#: RFC 8030 section 7.2: push services need not take more than 4096 bytes of payload.
MAX_BODY = 4096
#: RFC 8292 section 2: a token valid for more than 24 hours is refused.
MAX_TOKEN_LIFETIME = 24 * 60 * 60
URGENCIES = ("very-low", "low", "normal", "high")


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def unb64url(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def browser_json(subscription: PushSubscription) -> dict[str, Any]:
    """The subscription as a browser's ``PushSubscription.toJSON()`` gives it (what the portal
    posts to ``/api/technician/push-subscriptions``)."""
    return {
        "endpoint": subscription.endpoint,
        "expirationTime": None,
        "keys": {"p256dh": subscription.p256dh, "auth": subscription.auth},
    }


@attrs.frozen
class Delivery:
    """One push as the service saw it (accepted or not)."""

    token: str
    status: int
    """What the service answered."""
    payload: Any = None
    """The decrypted JSON; None when refused before decryption."""
    ttl: int | None = None
    urgency: str | None = None
    claims: dict[str, Any] | None = None
    """The VAPID token's claims, once verified."""
    vapid_key: str | None = None
    """The ``k`` the push was signed with."""
    reason: str = ""
    """Why it was refused ("" when accepted)."""


@attrs.define
class _Subscriber:
    """The browser's side: what it keeps to decrypt, and how the service answers for it."""

    private_key: ec.EllipticCurvePrivateKey
    auth_secret: bytes
    application_server_key: str | None
    status: int = 201
    delay: float = 0.0


class _Refused(Exception):
    def __init__(self, status: int, reason: str) -> None:
        super().__init__(reason)
        self.status = status
        self.reason = reason


class PushService:
    """The push service; ``start()``/``stop()``, or use it as a context manager."""

    def __init__(self) -> None:
        self._subscribers: dict[str, _Subscriber] = {}
        self._deliveries: list[Delivery] = []
        self._lock = threading.Lock()
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    # --- life ------------------------------------------------------------------------------

    def start(self) -> None:
        self._server = _Server(("127.0.0.1", 0), _handler(self))
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self._thread.start()

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=10)

    def __enter__(self) -> PushService:
        self.start()
        return self

    def __exit__(self, *_: object) -> None:
        self.stop()

    @property
    def origin(self) -> str:
        """``http://127.0.0.1:<port>``: the ``aud`` pushes must be signed for."""
        assert self._server is not None, "start the service first"
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    # --- what tests use --------------------------------------------------------------------

    def subscription(
        self,
        technician_id: UUID,
        *,
        application_server_key: str | None = None,
        user_agent: str = "Mozilla/5.0 (Linux; Android 14) fake push service",
    ) -> tuple[PushSubscription, str]:
        """A new browser subscription (a P-256 key pair and a 16-byte auth secret, as a
        browser makes them) and its token. With ``application_server_key`` (the app's VAPID
        public key, as the portal passes it to ``pushManager.subscribe``), pushes signed with
        any other key are refused 403, as real services do."""
        token = secrets.token_urlsafe(16)
        key = ec.generate_private_key(ec.SECP256R1())
        auth = secrets.token_bytes(16)
        with self._lock:
            self._subscribers[token] = _Subscriber(key, auth, application_server_key)
        point = key.public_key().public_bytes(
            serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
        )
        subscription = PushSubscription(
            id=uuid4(),
            technician_id=technician_id,
            endpoint=f"{self.origin}/push/{token}",
            p256dh=b64url(point),
            auth=b64url(auth),
            created_at=datetime.now(UTC),
            user_agent=user_agent,
        )
        return subscription, token

    def token_of(self, endpoint: str) -> str:
        """The token in one of this service's endpoints."""
        return urlsplit(endpoint).path.removeprefix("/push/")

    def answer(self, token: str, status: int, *, delay: float = 0.0) -> None:
        """From now on, pushes to ``token`` get ``status`` (after ``delay`` seconds); 201
        restores normal service (the checks and decryption). 404/410: the subscription has
        expired; 429/500/503: try later."""
        with self._lock:
            subscriber = self._subscribers[token]
            subscriber.status, subscriber.delay = status, delay

    def received(self, token: str) -> list[Any]:
        """The payloads accepted for ``token``, decrypted, oldest first."""
        return [d.payload for d in self.deliveries(token) if d.status == 201]

    def deliveries(self, token: str | None = None) -> list[Delivery]:
        """Every push that came (for ``token``, or all), accepted or not, oldest first."""
        with self._lock:
            return [d for d in self._deliveries if token is None or d.token == token]

    # --- the wire --------------------------------------------------------------------------

    def _handle(self, path: str, headers: dict[str, str], body: bytes) -> Delivery:
        token = path.removeprefix("/push/")
        with self._lock:
            subscriber = self._subscribers.get(token) if path.startswith("/push/") else None
        if subscriber is None:
            return Delivery(token, 404, reason="no such subscription")
        if subscriber.delay:
            time.sleep(subscriber.delay)
        if subscriber.status != 201:
            return Delivery(token, subscriber.status, reason="scripted by the test")
        try:
            return self._accept(token, subscriber, headers, body)
        except _Refused as refused:
            return Delivery(token, refused.status, reason=refused.reason)

    def _accept(
        self, token: str, subscriber: _Subscriber, headers: dict[str, str], body: bytes
    ) -> Delivery:
        claims, key = self._verified(headers.get("authorization"), subscriber)
        ttl = headers.get("ttl", "")
        if not ttl.isdigit():
            raise _Refused(400, "a TTL header (seconds) is required")
        urgency = headers.get("urgency")
        if urgency is not None and urgency not in URGENCIES:
            raise _Refused(400, f"Urgency must be one of {', '.join(URGENCIES)}")
        if headers.get("content-encoding") != "aes128gcm":
            raise _Refused(400, "Content-Encoding must be aes128gcm")
        if len(body) > MAX_BODY:
            raise _Refused(413, f"the payload is larger than {MAX_BODY} bytes")
        try:
            plain = http_ece.decrypt(
                body,
                private_key=subscriber.private_key,
                auth_secret=subscriber.auth_secret,
                version="aes128gcm",
            )
            payload = json.loads(plain.decode("utf-8"))
        except Exception as exc:  # any failure to decrypt is the sender's fault
            raise _Refused(400, f"the body does not decrypt to JSON ({exc!r})") from None
        return Delivery(token, 201, payload, int(ttl), urgency, claims, key)

    def _verified(
        self, authorization: str | None, subscriber: _Subscriber
    ) -> tuple[dict[str, Any], str]:
        """RFC 8292: the token's claims and the key that signed it, or a refusal."""
        scheme, _, params = (authorization or "").partition(" ")
        if scheme.lower() != "vapid":
            raise _Refused(401, "an Authorization: vapid header is required")
        fields = dict(item.strip().partition("=")[::2] for item in params.split(",") if "=" in item)
        token, key = fields.get("t", ""), fields.get("k", "")
        try:
            public = ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), unb64url(key))
            claims: dict[str, Any] = jwt.decode(
                token,
                public,
                algorithms=["ES256"],
                audience=self.origin,
                options={"require": ["aud", "exp", "sub"]},
            )
        except (ValueError, jwt.PyJWTError) as exc:
            raise _Refused(403, f"the VAPID token is invalid ({exc})") from None
        if claims["exp"] > time.time() + MAX_TOKEN_LIFETIME:
            raise _Refused(403, "the VAPID token's exp is more than 24 hours ahead")
        sub = urlsplit(str(claims["sub"]))
        if not ((sub.scheme == "mailto" and "@" in sub.path) or sub.scheme == "https"):
            raise _Refused(403, "the VAPID token's sub must be a mailto: or https: URI")
        expected = subscriber.application_server_key
        if expected is not None and unb64url(key) != unb64url(expected):
            raise _Refused(403, "the key does not match the one the subscription was made with")
        return claims, key

    def _record(self, delivery: Delivery) -> None:
        with self._lock:
            self._deliveries.append(delivery)


class _Server(ThreadingHTTPServer):
    def handle_error(self, request: Any, client_address: Any) -> None:
        """Quiet about clients that left before the answer (a sender that timed out)."""
        if not isinstance(sys.exc_info()[1], ConnectionError):
            super().handle_error(request, client_address)


def _handler(service: PushService) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            headers = {name.lower(): value for name, value in self.headers.items()}
            delivery = service._handle(self.path, headers, body)
            service._record(delivery)
            self._reply(delivery)

        def _reply(self, delivery: Delivery) -> None:
            answer = b""
            if delivery.status != 201:
                answer = json.dumps(
                    {
                        "code": delivery.status,
                        "error": self.responses.get(delivery.status, ("",))[0],
                        "message": delivery.reason,
                    }
                ).encode()
            self.send_response(delivery.status)
            if delivery.status == 201:
                # RFC 8030 section 5: where the push message now lives.
                self.send_header("Location", f"/message/{secrets.token_urlsafe(8)}")
                self.send_header("TTL", str(delivery.ttl))
            if delivery.status == 429:
                self.send_header("Retry-After", "1")
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(answer)))
            self.end_headers()
            self.wfile.write(answer)

        def log_message(self, format: str, *args: Any) -> None:
            """Quiet: tests read ``deliveries``, not stderr."""

    return Handler


@pytest.fixture
def push_service() -> Iterator[PushService]:
    """A running push service, stopped after the test."""
    with PushService() as service:
        yield service
