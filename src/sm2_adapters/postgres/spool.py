"""The receipt spool: texts that could not reach the database, kept on local disk until it can.

Twilio does not retry a webhook that failed, so a text received while PostgreSQL is out of
reach would be lost. Receipt gives the database a short bound; past it the verified text is
written here — one file per text, fsync'd, then renamed into place, so a crash never leaves half
a text — and Twilio gets its 200. A background loop stores the spooled texts, oldest first,
through the same receipt statement (idempotent on MessageSid) and deletes each file once its
text is stored. Files outlive the process: the next one to open the same data directory
replays them. Several processes may share the directory: a text stored twice is stored once.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import os
from datetime import datetime
from pathlib import Path
from typing import Any
from uuid import UUID

import attrs

from sm2_adapters.postgres.inbound import PostgresInboundStore
from sm2_adapters.postgres.outage import DATABASE_DOWN
from sm2_adapters.postgres.records import media_document
from sm2_core.domain.media import MediaRef
from sm2_core.domain.records import InboundMessage
from sm2_core.errors import AlreadyExists, InvalidInput

log = logging.getLogger("sm2.spool")

#: How long receipt waits for the database before it spools the text instead.
RECEIPT_BOUND_SECONDS = 2.0
REPLAY_EVERY_SECONDS = 2.0
#: What sends a text to the spool: the database did not answer in time, or is down.
_SPOOLED: tuple[type[BaseException], ...] = (TimeoutError, *DATABASE_DOWN)
_SUFFIX = ".json"


class Spool:
    """A directory of texts, one file each, named so that names sort in arrival order."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory

    def append(self, message: InboundMessage) -> Path:
        """Write ``message`` durably (file and directory entry fsync'd) before returning."""
        self.directory.mkdir(parents=True, exist_ok=True, mode=0o700)
        stamp = message.received_at.strftime("%Y%m%dT%H%M%S%f")
        final = self.directory / f"{stamp}-{message.id}{_SUFFIX}"
        partial = final.with_suffix(".partial")
        data = json.dumps(_document(message)).encode()
        fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        try:
            os.write(fd, data)
            os.fsync(fd)
        finally:
            os.close(fd)
        os.replace(partial, final)
        _fsync_directory(self.directory)
        return final

    def pending(self) -> list[Path]:
        """The spooled texts' files, oldest first."""
        if not self.directory.is_dir():
            return []
        return sorted(p for p in self.directory.iterdir() if p.name.endswith(_SUFFIX))

    def depth(self) -> int:
        return len(self.pending())

    @staticmethod
    def read(path: Path) -> InboundMessage:
        return _message(json.loads(path.read_bytes()))

    @staticmethod
    def remove(path: Path) -> None:
        # Another process replaying the same directory may have removed it first.
        path.unlink(missing_ok=True)


@attrs.define
class SpoolingInboundStore:
    """The ``InboundStore`` port: the database's store, or the spool when the database does not
    answer within ``bound`` seconds. A text the database refuses is refused, not spooled."""

    inner: PostgresInboundStore
    spool: Spool
    bound: float = RECEIPT_BOUND_SECONDS

    async def store_and_queue(self, message: InboundMessage) -> tuple[InboundMessage, bool]:
        try:
            async with asyncio.timeout(self.bound):
                return await self.inner.store_and_queue(message)
        except (InvalidInput, AlreadyExists):
            raise
        except _SPOOLED as exc:
            await asyncio.to_thread(self.spool.append, message)
            log.warning(
                "database out of reach (%s): text %s spooled", type(exc).__name__, message.sid
            )
            return message, True

    async def replay(self) -> int:
        """Store every spooled text, oldest first; stop at the first the database cannot take
        (it is tried again next time). How many were stored."""
        stored = 0
        for path in await asyncio.to_thread(self.spool.pending):
            try:
                message = self.spool.read(path)
            except (OSError, ValueError, KeyError):
                continue  # removed meanwhile by another process, or not ours to read
            try:
                await self.inner.store_and_queue(message)
            except (InvalidInput, AlreadyExists) as exc:
                log.error("spooled text %s refused by the database: %s", message.sid, exc)
                # Kept for a person to read; another process may have set it aside first.
                with contextlib.suppress(FileNotFoundError):
                    path.rename(path.with_suffix(".refused"))
                continue
            self.spool.remove(path)
            stored += 1
        return stored

    async def replay_forever(self, every: float = REPLAY_EVERY_SECONDS) -> None:
        """Replay whenever something is spooled; quiet while the database stays away."""
        while True:
            if self.spool.depth():
                try:
                    if stored := await self.replay():
                        log.warning("%s spooled text(s) stored", stored)
                except _SPOOLED:
                    pass  # still out of reach: the next round tries again
            await asyncio.sleep(every)

    async def aclose(self) -> None:
        await self.inner.aclose()


def _document(message: InboundMessage) -> dict[str, Any]:
    return {
        "id": str(message.id),
        "sid": message.sid,
        "from_number": message.from_number,
        "to_number": message.to_number,
        "body": message.body,
        "received_at": message.received_at.isoformat(),
        "num_media": message.num_media,
        "media": media_document(message),
    }


def _message(document: dict[str, Any]) -> InboundMessage:
    return InboundMessage(
        id=UUID(document["id"]),
        sid=document["sid"],
        from_number=document["from_number"],
        to_number=document["to_number"],
        body=document["body"],
        received_at=datetime.fromisoformat(document["received_at"]),
        num_media=int(document["num_media"]),
        # Spooled before texts kept their media: none.
        media=tuple(
            MediaRef(id=UUID(ref["id"]), url=ref["url"], content_type=ref.get("content_type"))
            for ref in document.get("media", ())
        ),
    )


def _fsync_directory(directory: Path) -> None:
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
