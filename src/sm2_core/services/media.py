"""MMS media: each item of a dealership's text fetched once, judged, kept, and shown on its jobs.

Receipt records the items with the text (``InboundMessage.media``) and queues one ``FetchMedia``
task per item; nothing is fetched before Twilio's 200. The task fetches the item from the
carrier, judges the bytes (``sm2_core.media.judge``), keeps an acceptable item in the blob
store, and records where it stands (``MediaItem``). A transient failure is recorded, then
raised for the task queue to retry with backoff; the last failure stays recorded.

What a job shows (``attachments``) and who may open it (``open``) covers the photos its
technician attached too (``sm2_core.services.photos``): both are a job's files.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from uuid import UUID

import attrs

from sm2_core.domain.job import Job
from sm2_core.domain.media import Attachment, MediaItem, MediaRef, may_view
from sm2_core.domain.records import Actor, InboundMessage
from sm2_core.errors import (
    IntegrationError,
    InvalidInput,
    NotConfigured,
    NotFound,
    PermissionDenied,
)
from sm2_core.media import MAX_MEDIA_BYTES, Refused, judge
from sm2_core.ports import BlobStore, Clock, MediaSource, UnitOfWork, UnitOfWorkFactory


def blob_key(item: MediaItem) -> str:
    """Where an MMS item's bytes are kept: one folder per text."""
    return f"mms/{item.message_id}/{item.id}"


@attrs.define(kw_only=True, frozen=True)
class MediaService:
    uow: UnitOfWorkFactory
    clock: Clock
    source: MediaSource
    """The carrier's media (Twilio's, behind the account's credentials)."""
    blobs: BlobStore
    limit: int = MAX_MEDIA_BYTES

    async def fetch(self, message_id: UUID, media_id: UUID) -> MediaItem:
        """The fetch task: fetch, judge and keep one item. Safe to run again: a stored or
        refused item is left as it is."""
        async with self.uow() as uow:
            message = await uow.messages.get(message_id)
            item, ref = await _item(uow, message, media_id)
        if item.settled:
            return item
        item = item.tried()
        try:
            download = await self.source.fetch(ref.url, limit=self.limit)
        except InvalidInput as exc:
            return await self._save(item.refused(exc.message, at=self.clock.now()))
        except NotConfigured as exc:
            return await self._save(item.failed(exc.message, at=self.clock.now()))
        except IntegrationError as exc:
            detail = f"{exc.message} [{exc.code}]" if exc.code else exc.message
            saved = await self._save(item.failed(detail, at=self.clock.now()))
            if exc.transient and not saved.settled:
                raise  # the task queue retries with backoff
            return saved
        verdict = judge(download, limit=self.limit)
        if isinstance(verdict, Refused):
            return await self._save(
                item.refused(verdict.reason, at=self.clock.now(), size=download.size)
            )
        key = blob_key(item)
        # Written before the item says so: a crash in between leaves a file the next run
        # overwrites, never an item whose bytes are missing.
        await self.blobs.put(key, download.data)
        stored = item.stored(
            content_type=verdict.content_type, size=verdict.size, blob_key=key, at=self.clock.now()
        )
        return await self._save(stored)

    async def _save(self, item: MediaItem) -> MediaItem:
        """Record ``item``, unless another run of its task settled it meanwhile."""
        async with self.uow() as uow:
            # The text's row is the lock: runs of one item's task record one at a time.
            await uow.messages.get(item.message_id, for_update=True)
            current = await _recorded(uow, item.id)
            if current is not None and current.settled:
                return current
            await uow.media.save(item)
        return item

    async def items(self, messages: Sequence[InboundMessage]) -> dict[UUID, tuple[MediaItem, ...]]:
        """Each text's items and where they stand, in the carrier's order (pending until their
        fetch is tried)."""
        async with self.uow() as uow:
            recorded = {i.id: i for i in await uow.media.for_messages([m.id for m in messages])}
        return {
            message.id: tuple(
                recorded.get(ref.id)
                or MediaItem.pending(
                    ref, message_id=message.id, position=position, at=message.received_at
                )
                for position, ref in enumerate(message.media)
            )
            for message in messages
        }

    async def items_of_job(self, job: Job) -> tuple[MediaItem, ...]:
        """The items of the text ``job`` came from; none for a job typed in from nothing."""
        if job.source_message_id is None:
            return ()
        async with self.uow() as uow:
            message = await uow.messages.get(job.source_message_id)
        return (await self.items([message]))[message.id]

    async def attachments(self, jobs: Iterable[Job]) -> dict[UUID, tuple[Attachment, ...]]:
        """The stored files shown on each job (by job id): its text's stored items, then the
        photos its technician attached, oldest first. A job with none may be left out."""
        jobs = list(jobs)
        sources = sorted({j.source_message_id for j in jobs if j.source_message_id}, key=str)
        async with self.uow() as uow:
            recorded = await uow.media.for_messages(sources) if sources else []
            photos = await uow.photos.for_jobs([j.id for j in jobs]) if jobs else []
        by_message: dict[UUID, list[Attachment]] = {}
        for item in recorded:
            attachment = Attachment.of(item)
            if attachment is not None:
                by_message.setdefault(item.message_id, []).append(attachment)
        by_job: dict[UUID, list[Attachment]] = {}
        for photo in photos:
            by_job.setdefault(photo.job_id, []).append(Attachment.of_photo(photo))
        found: dict[UUID, tuple[Attachment, ...]] = {}
        for job in jobs:
            texted = by_message.get(job.source_message_id, []) if job.source_message_id else []
            if files := (*texted, *by_job.get(job.id, ())):
                found[job.id] = files
        return found

    async def attachments_of(self, job: Job) -> tuple[Attachment, ...]:
        return (await self.attachments([job])).get(job.id, ())

    async def open(
        self, attachment_id: UUID, *, actor: Actor, thumbnail: bool = False
    ) -> tuple[Attachment, bytes]:
        """A stored file and its bytes (its thumbnail's, when it has one and ``thumbnail`` is
        asked), for an admin or the technician assigned to one of the jobs it is shown on.
        Raises NotFound, or PermissionDenied for anyone else."""
        async with self.uow() as uow:
            attachment, jobs = await _shown(uow, attachment_id, actor)
            if not may_view(actor, jobs):
                raise PermissionDenied("Only an admin or the job's technician sees its files")
        if thumbnail and attachment.thumb_key and attachment.thumb_type:
            shown = attrs.evolve(attachment, content_type=attachment.thumb_type)
            return shown, await self.blobs.get(attachment.thumb_key)
        return attachment, await self.blobs.get(attachment.blob_key)


async def _item(
    uow: UnitOfWork, message: InboundMessage, media_id: UUID
) -> tuple[MediaItem, MediaRef]:
    """The item as recorded (pending when its fetch was never tried) and the carrier's word."""
    for position, ref in enumerate(message.media):
        if ref.id == media_id:
            recorded = await _recorded(uow, media_id)
            pending = MediaItem.pending(
                ref, message_id=message.id, position=position, at=message.received_at
            )
            return recorded or pending, ref
    raise NotFound("media", media_id)


async def _shown(
    uow: UnitOfWork, attachment_id: UUID, actor: Actor
) -> tuple[Attachment, list[Job]]:
    """The attachment (an MMS item, else a technician's photo) and the jobs it is shown on
    (none looked up for an admin, who sees every file)."""
    try:
        item = await uow.media.get(attachment_id)
    except NotFound:
        try:
            photo = await uow.photos.get(attachment_id)
        except NotFound:
            raise NotFound("attachment", attachment_id) from None
        jobs = [] if actor.is_admin else [await uow.jobs.get(photo.job_id)]
        return Attachment.of_photo(photo), jobs
    attachment = Attachment.of(item)
    if attachment is None:
        raise NotFound("attachment", attachment_id)
    if actor.is_admin:
        return attachment, []
    message = await uow.messages.get(item.message_id)
    return attachment, [await uow.jobs.get(job_id) for job_id in message.job_ids]


async def _recorded(uow: UnitOfWork, media_id: UUID) -> MediaItem | None:
    try:
        return await uow.media.get(media_id)
    except NotFound:
        return None
