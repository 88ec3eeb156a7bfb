"""A wire-level stand-in for Intuit, served on 127.0.0.1 from a thread: the OpenID discovery
document, the OAuth 2.0 token and revoke endpoints, and the QuickBooks Online v3 entities
invoicing uses (query, customer, item, invoice), with what payments read back (an invoice or a
payment by id, change data capture: ``FakeLedger``).

It behaves as Intuit does where it matters to us: refresh tokens rotate on every refresh and the
old one dies (``invalid_grant`` after), access tokens are checked on every API call (401), the
minor version must be pinned, and the company's records (``FakeBooks``) answer the rest. Tests
queue other answers (500, 429, a slow one) with ``script``; every request is recorded as it came.
"""

from __future__ import annotations

import base64
import json
import re
import secrets
import threading
import time
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

import attrs
from fake_payments import FakeLedger
from fake_qbo_books import FakeBooks, Reply, fault

_API = re.compile(
    r"^/v3/company/(?P<realm>[^/]+)/(?P<entity>query|customer|item|invoice|payment|cdc)"
    r"(?:/(?P<id>[^/]+))?$"
)
_ENTITIES = {"customer": "Customer", "item": "Item", "invoice": "Invoice"}


@attrs.frozen
class Seen:
    method: str
    path: str
    query: dict[str, str]
    body: bytes
    headers: dict[str, str]

    @property
    def text(self) -> str:
        return self.body.decode("utf-8")


class FakeIntuit:
    def __init__(self, *, client_id: str, client_secret: str, realm_id: str = "9341452827771234"):
        self.client_id = client_id
        self.client_secret = client_secret
        self.realm_id = realm_id
        self.url = ""
        self.seen: list[Seen] = []
        self.refresh_delay = 0.0
        self.rotate = True
        self.live_refresh: set[str] = set()
        self.live_access: set[str] = set()
        self.codes: dict[str, str] = {}
        self.revoked: list[str] = []
        self.books = FakeBooks()
        self.ledger = FakeLedger(self.books)
        """Payments, voids and deletions on the QuickBooks side (``fake_payments``)."""
        self.in_flight = 0
        self.most_in_flight = 0
        self.api_delay = 0.0
        self._scripts: list[tuple[str, Reply]] = []
        self._lock = threading.Lock()
        self._server: ThreadingHTTPServer | None = None

    # --- life -------------------------------------------------------------------------------

    def start(self) -> None:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                fake._handle(self)

            def do_POST(self) -> None:
                fake._handle(self)

            def log_message(self, *args: Any) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}"
        threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
        ).start()

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()

    @property
    def discovery_url(self) -> str:
        return f"{self.url}/.well-known/openid_configuration"

    @property
    def api_url(self) -> str:
        return f"{self.url}/v3"

    # --- what tests arrange and look at ---------------------------------------------------------

    def add(self, entity: str, **fields: Any) -> dict[str, Any]:
        return self.books.add(entity, **fields)

    def records(self, entity: str) -> list[dict[str, Any]]:
        return self.books.records(entity)

    @property
    def entities(self) -> dict[str, dict[str, dict[str, Any]]]:
        return self.books.entities

    def issue_tokens(self) -> tuple[str, str]:
        """A live (access token, refresh token) pair, as a completed consent would give."""
        with self._lock:
            return self._new_tokens()

    def issue_code(self, realm_id: str | None = None) -> str:
        code = f"AB11{secrets.token_hex(12)}"
        self.codes[code] = realm_id or self.realm_id
        return code

    def script(self, path_part: str, *replies: Reply) -> None:
        """Answer the next requests whose path contains ``path_part`` with ``replies``."""
        with self._lock:
            self._scripts.extend((path_part, reply) for reply in replies)

    def expire_access_tokens(self) -> None:
        with self._lock:
            self.live_access.clear()

    def forget_request_ids(self) -> None:
        """Intuit keeps request ids for a while only."""
        self.books.request_ids.clear()

    def calls(self, path_part: str, method: str = "POST") -> list[Seen]:
        return [s for s in self.seen if path_part in s.path and s.method == method]

    @property
    def refreshes(self) -> list[Seen]:
        return [s for s in self.calls("/tokens/bearer") if "grant_type=refresh_token" in s.text]

    def queries(self, entity: str) -> list[str]:
        return [s.text for s in self.calls("/query") if f"from {entity}" in s.text.lower()]

    # --- the wire -------------------------------------------------------------------------------

    def _handle(self, handler: BaseHTTPRequestHandler) -> None:
        parts = urlsplit(handler.path)
        length = int(handler.headers.get("Content-Length") or 0)
        seen = Seen(
            method=handler.command,
            path=parts.path,
            query={k: v[0] for k, v in parse_qs(parts.query).items()},
            body=handler.rfile.read(length),
            headers={k.lower(): v for k, v in handler.headers.items()},
        )
        self.seen.append(seen)
        with self._lock:
            self.in_flight += 1
            self.most_in_flight = max(self.most_in_flight, self.in_flight)
        try:
            reply = self._scripted(seen.path) or self._route(seen)
            time.sleep(reply.delay or (self.api_delay if "/v3/" in seen.path else 0))
        finally:
            with self._lock:
                self.in_flight -= 1
        payload = b"" if reply.body is None else json.dumps(reply.body).encode()
        handler.send_response(reply.status)
        handler.send_header("Content-Type", "application/json;charset=UTF-8")
        handler.send_header("Content-Length", str(len(payload)))
        handler.end_headers()
        handler.wfile.write(payload)

    def _scripted(self, path: str) -> Reply | None:
        with self._lock:
            for index, (part, reply) in enumerate(self._scripts):
                if part in path:
                    del self._scripts[index]
                    return reply
        return None

    def _route(self, seen: Seen) -> Reply:
        routes: dict[str, Callable[[Seen], Reply]] = {
            "/.well-known/openid_configuration": self._discovery,
            "/oauth2/v1/tokens/bearer": self._token,
            "/oauth2/v1/tokens/revoke": self._revoke,
        }
        if seen.path in routes:
            return routes[seen.path](seen)
        if (match := _API.match(seen.path)) is not None:
            return self._api(seen, match["realm"], match["entity"], match["id"])
        return Reply(404, {"error": "not found"})

    def _discovery(self, _: Seen) -> Reply:
        base = self.url
        return Reply(
            200,
            {
                "issuer": f"{base}/op/v1",
                "authorization_endpoint": f"{base}/connect/oauth2",
                "token_endpoint": f"{base}/oauth2/v1/tokens/bearer",
                "userinfo_endpoint": f"{base}/v1/openid_connect/userinfo",
                "revocation_endpoint": f"{base}/oauth2/v1/tokens/revoke",
                "jwks_uri": f"{base}/op/v1/jwks",
            },
        )

    def _client_ok(self, seen: Seen) -> bool:
        expected = base64.b64encode(f"{self.client_id}:{self.client_secret}".encode()).decode()
        return seen.headers.get("authorization") == f"Basic {expected}"

    def _new_tokens(self) -> tuple[str, str]:
        access = f"eyJ{secrets.token_urlsafe(24)}"
        refresh = f"AB11{secrets.token_urlsafe(24)}"
        self.live_access.add(access)
        self.live_refresh.add(refresh)
        return access, refresh

    def _token(self, seen: Seen) -> Reply:
        if not self._client_ok(seen):
            return Reply(401, {"error": "invalid_client"})
        form = {k: v[0] for k, v in parse_qs(seen.text).items()}
        if form.get("grant_type") == "refresh_token":
            time.sleep(self.refresh_delay)  # widens the window two racing workers would hit
        with self._lock:
            if form.get("grant_type") == "authorization_code":
                if self.codes.pop(form.get("code", ""), None) is None:
                    return Reply(400, {"error": "invalid_grant"})
            elif form.get("grant_type") == "refresh_token":
                token = form.get("refresh_token", "")
                if token not in self.live_refresh:
                    return Reply(
                        400,
                        {
                            "error": "invalid_grant",
                            "error_description": "Incorrect or invalid refresh token",
                        },
                    )
                if self.rotate:
                    self.live_refresh.discard(token)
            else:
                return Reply(400, {"error": "unsupported_grant_type"})
            access, refresh = self._new_tokens()
        return Reply(
            200,
            {
                "token_type": "bearer",
                "access_token": access,
                "refresh_token": refresh,
                "expires_in": 3600,
                "x_refresh_token_expires_in": 8726400,
            },
        )

    def _revoke(self, seen: Seen) -> Reply:
        if not self._client_ok(seen):
            return Reply(401, {"error": "invalid_client"})
        token = json.loads(seen.body)["token"]
        with self._lock:
            self.revoked.append(token)
            self.live_refresh.discard(token)
            self.live_access.clear()
        return Reply(200, None)

    # --- the accounting API ---------------------------------------------------------------------

    def _api(self, seen: Seen, realm: str, entity: str, entity_id: str | None = None) -> Reply:
        token = seen.headers.get("authorization", "").removeprefix("Bearer ")
        if realm != self.realm_id or token not in self.live_access:
            return Reply(
                401,
                {
                    "fault": {
                        "error": [
                            {
                                "message": "message=AuthenticationFailed; errorCode=003200; statusCode=401",
                                "detail": "Token expired",
                                "code": "3200",
                            }
                        ],
                        "type": "AUTHENTICATION",
                    }
                },
            )
        if seen.query.get("minorversion") != "75":
            return Reply(400, fault("Invalid minor version", "minorversion 75 expected", "2000"))
        if entity_id is not None and seen.method == "GET" and entity in ("invoice", "payment"):
            return self.ledger.read(entity, entity_id)
        if entity == "cdc" and seen.method == "GET":
            return self.ledger.cdc(
                seen.query.get("entities", ""), seen.query.get("changedSince", "")
            )
        if entity == "query":
            text = seen.body.decode("utf-8")  # strict: Latin-1 fails here
            return self.ledger.query_in(text) or self.books.query(text)
        if entity not in _ENTITIES or entity_id is not None:
            return Reply(404, fault("Unsupported operation", seen.path, "500"))
        return self.books.create(
            _ENTITIES[entity], json.loads(seen.body), seen.query.get("requestid")
        )
