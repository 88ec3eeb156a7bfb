"""MMS media in memory: the items' repository, a blob store, and a carrier whose media tests set.

The fakes keep the real ones' promises: the repository refuses an item of an unknown text
(a foreign key), the blob store checks keys as the filesystem's does, and the carrier refuses
what is not its own URL and returns no more than the limit.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING
from uuid import UUID

import attrs

from sm2_adapters.blobs import check_key
from sm2_core.domain.media import JobPhoto, MediaItem
from sm2_core.errors import AlreadyExists, IntegrationError, InvalidInput, NotFound
from sm2_core.media import Download

if TYPE_CHECKING:
    from sm2_adapters.memory.store import Tables


class MemoryMediaRepository:
    def __init__(self, tables: Tables) -> None:
        self._t = tables

    async def get(self, media_id: UUID, *, for_update: bool = False) -> MediaItem:
        try:
            return self._t.media[media_id]
        except KeyError:
            raise NotFound("media", media_id) from None

    async def save(self, item: MediaItem) -> None:
        if item.message_id not in self._t.messages:
            raise InvalidInput(f"media: message {item.message_id} does not exist")
        self._t.media[item.id] = item

    async def for_messages(self, message_ids: Sequence[UUID]) -> list[MediaItem]:
        wanted = set(message_ids)
        found = [item for item in self._t.media.values() if item.message_id in wanted]
        return sorted(found, key=lambda item: (str(item.message_id), item.position))


class MemoryPhotoRepository:
    """Technicians' photos; refuses a photo of an unknown job, as the foreign key does."""

    def __init__(self, tables: Tables) -> None:
        self._t = tables

    async def add(self, photo: JobPhoto) -> None:
        if photo.job_id not in self._t.jobs:
            raise InvalidInput(f"photo: job {photo.job_id} does not exist")
        if photo.id in self._t.photos:
            raise AlreadyExists(f"photo already exists: {photo.id}")
        self._t.photos[photo.id] = photo

    async def get(self, photo_id: UUID) -> JobPhoto:
        try:
            return self._t.photos[photo_id]
        except KeyError:
            raise NotFound("photo", photo_id) from None

    async def for_jobs(self, job_ids: Sequence[UUID]) -> list[JobPhoto]:
        wanted = set(job_ids)
        found = [photo for photo in self._t.photos.values() if photo.job_id in wanted]
        return sorted(found, key=lambda p: (str(p.job_id), p.created_at, str(p.id)))

    async def count(self, job_id: UUID) -> int:
        return sum(1 for photo in self._t.photos.values() if photo.job_id == job_id)

    async def remove(self, photo_id: UUID) -> None:
        if self._t.photos.pop(photo_id, None) is None:
            raise NotFound("photo", photo_id)


class MemoryBlobStore:
    """Blobs in a dict (``blobs``), keyed as the filesystem store keys them."""

    def __init__(self) -> None:
        self.blobs: dict[str, bytes] = {}

    async def put(self, key: str, data: bytes) -> None:
        self.blobs[check_key(key)] = bytes(data)

    async def get(self, key: str) -> bytes:
        try:
            return self.blobs[check_key(key)]
        except KeyError:
            raise NotFound("blob", key) from None

    async def delete(self, key: str) -> None:
        self.blobs.pop(check_key(key), None)


@attrs.frozen
class MediaFile:
    data: bytes
    content_type: str = "image/jpeg"


class RecordingMediaSource:
    """The carrier's media as tests put them (``files``: URL → file); every fetch is recorded
    (``fetched``), and ``fail_with`` makes the next fetches raise, like a Twilio outage."""

    PREFIX = "https://api.twilio.com/2010-04-01/Accounts/"

    def __init__(self) -> None:
        self.files: dict[str, MediaFile] = {}
        self.fetched: list[str] = []
        self.fail_with: list[Exception] = []

    def add(self, url: str, data: bytes, content_type: str = "image/jpeg") -> str:
        self.files[url] = MediaFile(data, content_type)
        return url

    async def fetch(self, url: str, *, limit: int) -> Download:
        self.fetched.append(url)
        if not url.startswith(self.PREFIX):
            raise InvalidInput(f"not a media URL of our Twilio account: {url}")
        if self.fail_with:
            raise self.fail_with.pop(0)
        found = self.files.get(url)
        if found is None:
            raise IntegrationError("twilio", "HTTP 404: no such media", transient=False, code="404")
        size = len(found.data)
        if size > limit:
            return Download(found.data[: limit + 1], complete=False, size=size)
        return Download(found.data, size=size)
