"""Files shown on a job: photos that came with a dealership's text (MMS), and those its
technician took of the work.

The carrier says where each MMS item is and what type it claims (``MediaRef``, kept with the
text as received); a task fetches it, judges the bytes themselves, and records the outcome
(``MediaItem``). A technician's photo is judged and kept as it is sent (``JobPhoto``). Both are
shown on the job as an ``Attachment``.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable
from datetime import datetime
from typing import TYPE_CHECKING
from uuid import UUID

import attrs

if TYPE_CHECKING:
    from sm2_core.domain.job import Job
    from sm2_core.domain.records import Actor


@attrs.frozen
class MediaRef:
    """One item the carrier attached to a text, as it said."""

    id: UUID
    """Given at receipt: the item's id for ever (its outcome's, its attachment's)."""
    url: str
    """Where the carrier keeps it (Twilio's media URL, behind the account's credentials)."""
    content_type: str | None = None
    """The type the carrier claimed; only shown, never trusted: the bytes are judged."""


class MediaState(enum.StrEnum):
    PENDING = "pending"
    """Not fetched yet (or being fetched)."""
    STORED = "stored"
    """Fetched, judged acceptable and kept in the blob store."""
    REFUSED = "refused"
    """Fetched (or read) and not acceptable (too large, a type we do not take): never retried."""
    FAILED = "failed"
    """The fetch failed; a transient failure is retried by the task queue until its last try."""


class AttachmentSource(enum.StrEnum):
    """Where a job's attachment came from (CONTRACT.md: ``mms`` or ``technician``)."""

    MMS = "mms"
    TECHNICIAN = "technician"


@attrs.frozen
class MediaItem:
    """One item of a text and where it stands."""

    id: UUID
    message_id: UUID
    position: int
    """Its place among the text's items (0 for ``MediaUrl0``)."""
    state: MediaState
    updated_at: datetime
    declared_type: str | None = None
    """What the carrier claimed the type was."""
    content_type: str | None = None
    """The type read from the bytes; set once stored."""
    size: int | None = None
    """Bytes; set once stored (or once known too large)."""
    blob_key: str | None = None
    """Where the bytes are in the blob store; set once stored."""
    error: str | None = None
    """Why it was refused, or how its last fetch failed."""
    attempts: int = 0
    """Fetches tried so far."""

    @classmethod
    def pending(cls, ref: MediaRef, *, message_id: UUID, position: int, at: datetime) -> MediaItem:
        """An item nothing has happened to yet."""
        return cls(
            id=ref.id,
            message_id=message_id,
            position=position,
            state=MediaState.PENDING,
            updated_at=at,
            declared_type=ref.content_type,
        )

    @property
    def settled(self) -> bool:
        """Stored or refused: fetching it again would change nothing."""
        return self.state in (MediaState.STORED, MediaState.REFUSED)

    def tried(self) -> MediaItem:
        """The item as one more fetch of it starts."""
        return attrs.evolve(self, attempts=self.attempts + 1)

    def stored(self, *, content_type: str, size: int, blob_key: str, at: datetime) -> MediaItem:
        return attrs.evolve(
            self,
            state=MediaState.STORED,
            content_type=content_type,
            size=size,
            blob_key=blob_key,
            error=None,
            updated_at=at,
        )

    def refused(self, reason: str, *, at: datetime, size: int | None = None) -> MediaItem:
        return attrs.evolve(
            self, state=MediaState.REFUSED, error=reason, size=size, blob_key=None, updated_at=at
        )

    def failed(self, error: str, *, at: datetime) -> MediaItem:
        return attrs.evolve(self, state=MediaState.FAILED, error=error, updated_at=at)


@attrs.frozen
class JobPhoto:
    """A photo the job's technician took of the work (proof of work), as kept: without its
    location, with a thumbnail."""

    id: UUID
    job_id: UUID
    technician_id: UUID
    """Who attached it (the job's technician then)."""
    content_type: str
    """The type kept (a HEIC/HEIF photo is kept as JPEG: every browser shows it)."""
    size: int
    """Bytes kept."""
    blob_key: str
    thumb_key: str
    """Where its thumbnail is (``thumb_type``)."""
    created_at: datetime
    thumb_type: str = "image/jpeg"
    width: int = 0
    """Pixels, as shown (its orientation applied); 0 when not known."""
    height: int = 0
    original_type: str | None = None
    """The type sent, when it was converted (``image/heic``); None when kept as sent."""


@attrs.frozen
class Attachment:
    """A stored file shown on a job: an MMS item of the text the job came from, or a photo its
    technician attached."""

    id: UUID
    content_type: str
    size: int
    source: AttachmentSource
    blob_key: str
    thumb_key: str | None = None
    """Where a smaller copy is kept (technicians' photos); None: the file itself is shown."""
    thumb_type: str | None = None

    @classmethod
    def of_photo(cls, photo: JobPhoto) -> Attachment:
        return cls(
            id=photo.id,
            content_type=photo.content_type,
            size=photo.size,
            source=AttachmentSource.TECHNICIAN,
            blob_key=photo.blob_key,
            thumb_key=photo.thumb_key,
            thumb_type=photo.thumb_type,
        )

    @classmethod
    def of(cls, item: MediaItem) -> Attachment | None:
        """The attachment a stored item makes; None for any other."""
        if item.state is not MediaState.STORED or item.content_type is None or not item.blob_key:
            return None
        return cls(
            id=item.id,
            content_type=item.content_type,
            size=item.size or 0,
            source=AttachmentSource.MMS,
            blob_key=item.blob_key,
        )


def may_view(actor: Actor, jobs: Iterable[Job]) -> bool:
    """Who may see the files shown on ``jobs``: an admin, or the technician assigned to one."""
    if actor.is_admin:
        return True
    tech = actor.technician_id
    return tech is not None and any(job.tech_id == tech for job in jobs)
