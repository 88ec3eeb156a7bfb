"""Reading a Server-Sent Events stream from the app in-process, chunk by chunk.

httpx's ASGITransport and Litestar's test clients return a response once it is complete, which
an endless stream never is; this calls the ASGI app directly and hands each chunk over as it is
sent. Every wait is bounded, so a stream that stays silent fails the test instead of hanging it.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import attrs

#: How long an event may take to arrive. On PostgreSQL the feed delivers an event once every
#: transaction older than its own has ended, in the whole server (``postgres/events.py``): with
#: the suite in two processes, the other one's migration or truncation can hold it back for
#: seconds. A delivered event ends the wait at once; only a missing one costs the time.
DELIVERY = 15.0


@attrs.frozen
class Sse:
    """One message of the stream: an event with data, or a comment (heartbeat, connected)."""

    event: str | None
    data: str | None
    id: str | None
    comment: str | None


def parse(block: str) -> Sse:
    fields: dict[str, list[str]] = {}
    comment = None
    for line in block.split("\n"):
        if line.startswith(":"):
            comment = line[1:].strip()
            continue
        name, _, value = line.partition(":")
        fields.setdefault(name, []).append(value.removeprefix(" "))
    data = "\n".join(fields["data"]) if "data" in fields else None
    return Sse(
        event=(fields.get("event") or [None])[-1],
        data=data,
        id=(fields.get("id") or [None])[-1],
        comment=comment,
    )


@attrs.define
class Stream:
    status: int
    headers: dict[str, str]
    _chunks: asyncio.Queue[bytes | None]
    _buffer: str = ""

    async def next(self, within: float = 3.0) -> Sse:
        """The next message (event or comment); TimeoutError when none comes in time."""
        async with asyncio.timeout(within):
            while "\n\n" not in self._buffer:
                chunk = await self._chunks.get()
                if chunk is None:
                    raise EOFError("the stream ended")
                self._buffer += chunk.decode().replace("\r\n", "\n")
        block, self._buffer = self._buffer.split("\n\n", 1)
        return parse(block)

    async def event(self, name: str | None = None, within: float | None = None) -> Sse:
        """The next event (named ``name`` when given), skipping comments and other events;
        within ``DELIVERY`` unless told."""
        within = DELIVERY if within is None else within
        async with asyncio.timeout(within):
            while True:
                message = await self.next(within)
                if message.event is not None and name in (None, message.event):
                    return message

    async def events(self, count: int, within: float | None = None) -> list[Sse]:
        return [await self.event(within=within) for _ in range(count)]


@asynccontextmanager
async def open_stream(
    app: Any, path: str, headers: dict[str, str], query: str = ""
) -> AsyncIterator[Stream]:
    """GET ``path`` on the app and keep the response open until the block ends."""
    chunks: asyncio.Queue[bytes | None] = asyncio.Queue()
    start: asyncio.Future[dict[str, Any]] = asyncio.get_running_loop().create_future()
    gone = asyncio.Event()
    requested = False

    async def receive() -> dict[str, Any]:
        nonlocal requested
        if not requested:
            requested = True
            return {"type": "http.request", "body": b"", "more_body": False}
        await gone.wait()
        return {"type": "http.disconnect"}

    async def send(message: dict[str, Any]) -> None:
        if message["type"] == "http.response.start" and not start.done():
            start.set_result(message)
        elif message["type"] == "http.response.body":
            chunks.put_nowait(message.get("body", b""))
            if not message.get("more_body", False):
                chunks.put_nowait(None)

    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "GET",
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "query_string": query.encode(),
        "root_path": "",
        "headers": [(k.lower().encode(), v.encode()) for k, v in headers.items()],
        "client": ("127.0.0.1", 50000),
        "server": ("testserver", 80),
    }
    task = asyncio.create_task(app(scope, receive, send))
    try:
        async with asyncio.timeout(5):
            message = await start
        response_headers = {k.decode().lower(): v.decode() for k, v in message["headers"]}
        yield Stream(message["status"], response_headers, chunks)
    finally:
        gone.set()
        try:
            async with asyncio.timeout(2):
                await task
        except TimeoutError:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
