"""A local stand-in for the OpenAI chat-completions endpoint, at the HTTP wire level.

The real ``openai`` SDK talks to it over a socket on 127.0.0.1, so retries, timeouts,
``Retry-After`` and error mapping are exercised exactly as against the real API. Replies are
scripted in order; every request is recorded for the tests to inspect.
"""

from __future__ import annotations

import json
import threading
import time
from collections import deque
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import attrs

COMPLETIONS_PATH = "/v1/chat/completions"
#: Error replies ask for a 10 ms pause before a retry, so retry tests stay fast.
FAST_RETRY = {"retry-after-ms": "10"}


@attrs.frozen
class Reply:
    status: int = 200
    body: bytes = b""
    headers: dict[str, str] = attrs.field(factory=dict)
    delay: float = 0.0
    """Seconds to wait before answering (to outlast the client's timeout)."""


@attrs.frozen
class Recorded:
    path: str
    headers: dict[str, str]
    body: dict[str, Any]
    at: float
    """time.monotonic() when it arrived."""

    @property
    def messages(self) -> list[dict[str, Any]]:
        return list(self.body["messages"])

    def message(self, role: str) -> str:
        return next(str(m["content"]) for m in self.messages if m["role"] == role)

    @property
    def schema(self) -> dict[str, Any]:
        return dict(self.body["response_format"]["json_schema"]["schema"])


def completion(
    content: str | None, *, refusal: str | None = None, finish_reason: str = "stop"
) -> dict[str, Any]:
    """A chat.completion object as the API sends it."""
    return {
        "id": "chatcmpl-fake",
        "object": "chat.completion",
        "created": 1_700_000_000,
        "model": "gpt-4o-2024-08-06",
        "choices": [
            {
                "index": 0,
                "message": {"role": "assistant", "content": content, "refusal": refusal},
                "logprobs": None,
                "finish_reason": finish_reason,
            }
        ],
        "usage": {"prompt_tokens": 900, "completion_tokens": 60, "total_tokens": 960},
    }


def _json(status: int, payload: object, **headers: str) -> Reply:
    return Reply(
        status, json.dumps(payload).encode(), {"content-type": "application/json", **headers}
    )


class FakeOpenAI:
    """Scripted replies for POST /v1/chat/completions; ``requests`` records what came in."""

    def __init__(self) -> None:
        self.requests: list[Recorded] = []
        self._script: deque[Reply] = deque()
        self._lock = threading.Lock()
        self.stopping = threading.Event()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), _handler_for(self))
        self._server.daemon_threads = True
        # A slow reply's thread may still be waiting at shutdown; do not wait for it.
        self._server.block_on_close = False
        # A short poll keeps shutdown (which waits for the next poll) from costing 0.5 s a test.
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
        )

    @property
    def base_url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}/v1"

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self.stopping.set()
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)

    # --- scripting ---------------------------------------------------------------------------

    def then(self, reply: Reply, *, times: int = 1) -> FakeOpenAI:
        with self._lock:
            self._script.extend([reply] * times)
        return self

    def answer(self, content: dict[str, Any] | str, *, delay: float = 0.0) -> FakeOpenAI:
        """A 200 whose message content is ``content`` (a dict is sent as its JSON text)."""
        text = content if isinstance(content, str) else json.dumps(content)
        return self.then(attrs.evolve(_json(200, completion(text)), delay=delay))

    def refuse(self, refusal: str) -> FakeOpenAI:
        return self.then(_json(200, completion(None, refusal=refusal)))

    def cut_off(self, partial: str) -> FakeOpenAI:
        return self.then(_json(200, completion(partial, finish_reason="length")))

    def fail(
        self, status: int, *, times: int = 1, message: str = "boom", **headers: str
    ) -> FakeOpenAI:
        """An API error ``times`` times in a row; it asks for a 10 ms retry pause by default."""
        error = {"error": {"message": message, "type": "server_error", "code": f"code_{status}"}}
        reply = _json(status, error, **(headers or FAST_RETRY))
        return self.then(reply, times=times)

    def raw(self, body: bytes, *, content_type: str = "text/html", status: int = 200) -> FakeOpenAI:
        return self.then(Reply(status, body, {"content-type": content_type}))

    def _next(self) -> Reply:
        with self._lock:
            if self._script:
                return self._script.popleft()
        # Nothing scripted: a loud 400 (never retried), so a test that forgot a reply fails.
        return _json(400, {"error": {"message": "no scripted reply", "type": "test"}})

    def _record(self, path: str, headers: dict[str, str], raw: bytes) -> None:
        body = json.loads(raw) if raw else {}
        with self._lock:
            self.requests.append(Recorded(path, headers, body, time.monotonic()))


def _handler_for(fake: FakeOpenAI) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_POST(self) -> None:
            raw = self.rfile.read(int(self.headers.get("content-length") or 0))
            fake._record(self.path, {k.lower(): v for k, v in self.headers.items()}, raw)
            if self.path != COMPLETIONS_PATH:
                self._send(_json(404, {"error": {"message": f"no route {self.path}"}}))
                return
            reply = fake._next()
            if reply.delay and fake.stopping.wait(reply.delay):
                return
            self._send(reply)

        def _send(self, reply: Reply) -> None:
            try:
                self.send_response(reply.status)
                for name, value in reply.headers.items():
                    self.send_header(name, value)
                self.send_header("content-length", str(len(reply.body)))
                self.end_headers()
                self.wfile.write(reply.body)
            except OSError:
                pass  # the client gave up (its timeout): nothing to answer

        def log_message(self, format: str, *args: Any) -> None:
            pass  # keep test output clean

    return Handler
