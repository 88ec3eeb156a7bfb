"""Conversations: every text to and from one phone number, as dispatchers read them."""

from __future__ import annotations

import enum
from datetime import datetime
from uuid import UUID

import attrs

from sm2_core.domain.records import DomainEvent, MessageStatus, OutboundKind, OutboundStatus

#: The event admins' pages follow to refresh a conversation and the list of them.
CONVERSATION_UPDATED = "conversation.updated"


class Direction(enum.StrEnum):
    IN = "in"
    """A text the number sent us."""
    OUT = "out"
    """A text (or push) we sent the number."""


@attrs.frozen
class Conversation:
    """One phone number's conversation, as the list of conversations shows it."""

    phone: str
    last_at: datetime
    """When the newest text in or out was received or recorded."""
    last_body: str
    unread: int
    """Texts from the number received after the dispatchers last read the conversation."""
    dealership_id: UUID | None = None
    """The dealership with this phone number, if any."""
    dealership_name: str | None = None


@attrs.frozen
class JobRef:
    id: UUID
    code: str
    """``SM2-YYYY-NNN``."""


@attrs.frozen
class ThreadMessage:
    """One text of a conversation, in or out."""

    id: UUID
    """The inbound message's id, or the outbox row's."""
    direction: Direction
    body: str
    at: datetime
    status: MessageStatus | OutboundStatus
    """What became of it: the intake's reading of a text in, the delivery of a text out."""
    kind: OutboundKind | None = None
    """What a text out was for; None for a text in."""
    jobs: tuple[JobRef, ...] = ()
    """The jobs it made or is about, in the order the message names them."""
    sent_by: str | None = None
    """The dispatcher who typed a reply."""
    error_code: str | None = None
    """The carrier's error code of a text out that failed."""
    dealership_id: UUID | None = None

    @property
    def is_inbound(self) -> bool:
        return self.direction is Direction.IN

    @property
    def job_ids(self) -> tuple[UUID, ...]:
        return tuple(j.id for j in self.jobs)

    @property
    def job_codes(self) -> tuple[str, ...]:
        return tuple(j.code for j in self.jobs)


def conversation_updated(phone: str, *, subject_id: UUID, at: datetime) -> DomainEvent:
    """The event of a text in or out of ``phone``'s conversation (``subject_id``: that text),
    or of the conversation read."""
    return DomainEvent(
        name=CONVERSATION_UPDATED, subject_id=subject_id, occurred_at=at, data={"phone": phone}
    )
