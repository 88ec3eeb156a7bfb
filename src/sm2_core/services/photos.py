"""Proof of work: the photos a technician attaches to a job from the phone.

A photo is judged from its bytes (a photo type, at most ``MAX_PHOTO_BYTES``), prepared by the
image processor (its location removed, HEIC/HEIF made a JPEG, a thumbnail made), written to the
blob store, then recorded with its audit entry and a ``job.updated`` event in one unit of work.

Nothing half-written: the blobs are written before the row that names them, and deleted again
when the row cannot be written (the job was cancelled meanwhile, another upload took the last
place). A crash between the two leaves blobs that no row names: harmless (nothing serves a blob
without its row, and every photo has a new id, so no later photo is ever written over them);
they cost their space only.
"""

from __future__ import annotations

import contextlib
from datetime import datetime
from uuid import UUID, uuid4

import attrs

from sm2_core.domain.enums import JobStatus
from sm2_core.domain.job import Job
from sm2_core.domain.media import JobPhoto
from sm2_core.domain.records import Actor, AuditEntry
from sm2_core.errors import InvalidInput, InvalidTransition, NotFound, TooLarge
from sm2_core.lifecycle import job_event
from sm2_core.media import (
    MAX_PHOTO_BYTES,
    MAX_PHOTOS_PER_JOB,
    PHOTO_LABEL,
    PHOTO_TYPES,
    Download,
    Refused,
    judge,
    size_label,
)
from sm2_core.policies import ensure_photos_kept, may_add_photos
from sm2_core.ports import BlobStore, Clock, ImageProcessor, UnitOfWork, UnitOfWorkFactory
from sm2_core.services.field import own_job, technician_of

#: The audit action of an attached photo (a job's timeline shows it).
PHOTO_ACTION = "photo"
#: The audit action of a photo its technician removed.
PHOTO_REMOVED_ACTION = "photo_removed"


def photo_keys(job_id: UUID, photo_id: UUID) -> tuple[str, str]:
    """Where a photo's bytes and its thumbnail are kept: one folder per job."""
    return f"photos/{job_id}/{photo_id}", f"photos/{job_id}/{photo_id}.thumb"


def _ensure_open(job: Job, doing: str) -> None:
    """Photos are added and removed in the same window (``may_add_photos``)."""
    if not may_add_photos(job):
        state = "approved" if job.is_approved else job.status.value
        if job.status is JobStatus.SCHEDULED and job.awaiting_verification:
            state = "held for review until an admin verifies it"
        raise InvalidTransition(f"Cannot {doing} job {job.job_code}: it is {state}")


async def _told(
    uow: UnitOfWork, job: Job, photo: JobPhoto, actor: Actor, action: str, at: datetime
) -> None:
    """The audit entry of a photo added (its values new) or removed (old), and the job's
    ``job.updated`` event naming it: the timeline and the open pages learn of it."""
    values = {"photo_id": str(photo.id), "content_type": photo.content_type, "size": photo.size}
    added = action == PHOTO_ACTION
    await uow.audit.add(
        AuditEntry(
            id=uuid4(),
            subject="job",
            subject_id=job.id,
            job_id=job.id,
            action=action,
            actor=actor.name,
            at=at,
            new_values=values if added else {},
            old_values={} if added else values,
        )
    )
    event = job_event("job.updated", job, at, action)
    uow.events.add(
        attrs.evolve(event, data={**event.data, "version": job.version, "photo_id": str(photo.id)})
    )


@attrs.define(kw_only=True, frozen=True)
class PhotoService:
    uow: UnitOfWorkFactory
    clock: Clock
    blobs: BlobStore
    images: ImageProcessor
    limit: int = MAX_PHOTO_BYTES
    per_job: int = MAX_PHOTOS_PER_JOB

    async def attach(self, job_id: UUID, data: bytes, *, actor: Actor) -> JobPhoto:
        """The job's technician attaches a photo of the work. Raises NotFound for a job that
        is not the caller's, InvalidTransition when the job takes no more photos (cancelled,
        approved), TooLarge over the size limit, InvalidInput for anything but a readable
        photo or past the number a job takes."""
        technician = technician_of(actor)
        # Checked before the work of decoding: a refusal comes at once.
        async with self.uow() as uow:
            self._check(await own_job(uow, job_id, actor), await uow.photos.count(job_id))
        kind = self._judge(data)
        try:
            prepared = await self.images.prepare(data, content_type=kind)
        except InvalidInput as exc:
            if exc.fields:
                raise
            # The processor knows the bytes, not the form: the field at fault is the file.
            raise type(exc)(exc.message, fields={"file": exc.message}) from None
        photo_id = uuid4()
        blob_key, thumb_key = photo_keys(job_id, photo_id)
        photo = JobPhoto(
            id=photo_id,
            job_id=job_id,
            technician_id=technician,
            content_type=prepared.content_type,
            size=len(prepared.data),
            blob_key=blob_key,
            thumb_key=thumb_key,
            thumb_type=prepared.thumbnail_type,
            width=prepared.width,
            height=prepared.height,
            original_type=kind if kind != prepared.content_type else None,
            created_at=self.clock.now(),
        )
        try:
            await self.blobs.put(blob_key, prepared.data)
            await self.blobs.put(thumb_key, prepared.thumbnail)
            return await self._record(photo, actor)
        except BaseException:
            await self._forget(photo)
            raise

    async def remove(self, job_id: UUID, photo_id: UUID, *, actor: Actor) -> JobPhoto:
        """The job's technician removes one of its photos (the wrong car, a blurred shot) while
        the job still takes photos. Raises NotFound for a job that is not the caller's or a
        photo not of that job, InvalidTransition once the job takes no more (approved,
        cancelled), PolicyViolation for the last photo of a completed job whose service
        requires photos. Its bytes are deleted once the row is gone."""
        technician = technician_of(actor)
        async with self.uow() as uow:
            # The lock attaching and completing take: a completion never counts a photo being
            # removed, nor a removal one being attached.
            await uow.technicians.lock(technician)
            job = await own_job(uow, job_id, actor)
            photo = await uow.photos.get(photo_id)
            if photo.job_id != job.id:
                raise NotFound("photo", photo_id)
            _ensure_open(job, "remove photos of")
            service = await uow.services.get(job.service_id) if job.service_id else None
            ensure_photos_kept(job, service, await uow.photos.count(job.id) - 1)
            await uow.photos.remove(photo.id)
            await _told(uow, job, photo, actor, PHOTO_REMOVED_ACTION, self.clock.now())
        await self._forget(photo)
        return photo

    def _check(self, job: Job, count: int) -> None:
        _ensure_open(job, "add photos to")
        if count >= self.per_job:
            raise InvalidInput(
                f"Job {job.job_code} already has {count} photos: a job takes at most "
                f"{self.per_job}",
                fields={"file": f"at most {self.per_job} photos per job"},
            )

    def _judge(self, data: bytes) -> str:
        """The photo's type, read from its bytes."""
        if len(data) > self.limit:
            raise TooLarge(
                f"The photo is {len(data)} bytes: a photo is at most {size_label(self.limit)}",
                fields={"file": f"larger than {size_label(self.limit)}"},
            )
        verdict = judge(Download(data), limit=self.limit, types=PHOTO_TYPES, label=PHOTO_LABEL)
        if isinstance(verdict, Refused):
            raise InvalidInput(
                f"Not a photo we take: {verdict.reason}", fields={"file": verdict.reason}
            )
        return verdict.content_type

    async def _record(self, photo: JobPhoto, actor: Actor) -> JobPhoto:
        """The row, its audit entry and its event; the checks again, now under the
        technician's lock (two uploads at once cannot both take the last place, and a
        completion waits for a photo being recorded)."""
        async with self.uow() as uow:
            await uow.technicians.lock(photo.technician_id)
            job = await own_job(uow, photo.job_id, actor)
            self._check(job, await uow.photos.count(job.id))
            await uow.photos.add(photo)
            await _told(uow, job, photo, actor, PHOTO_ACTION, photo.created_at)
        return photo

    async def _forget(self, photo: JobPhoto) -> None:
        """Best effort: a blob left behind is an orphan nothing names (see the module)."""
        for key in (photo.blob_key, photo.thumb_key):
            with contextlib.suppress(Exception):
                await self.blobs.delete(key)

    async def of_job(self, job_id: UUID) -> list[JobPhoto]:
        async with self.uow() as uow:
            return await uow.photos.for_jobs([job_id])
