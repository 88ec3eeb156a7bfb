"""What the system remembers about what happened: actors, audit entries, events, messages."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any
from uuid import UUID

import attrs

from sm2_core.domain.enums import Language, Role
from sm2_core.domain.media import MediaRef


@attrs.frozen
class Actor:
    """Who does something: a logged-in user, or the system itself (intake, billing)."""

    name: str
    role: Role | None = None
    """None for the system."""
    user_id: UUID | None = None
    technician_id: UUID | None = None

    @classmethod
    def system(cls, name: str) -> Actor:
        return cls(name=f"system:{name}")

    @property
    def is_admin(self) -> bool:
        return self.role is Role.ADMIN


@attrs.frozen
class AuditEntry:
    """One change to one record: who, what, and the values before and after."""

    id: UUID
    subject: str
    """The kind of record: ``job``, ``dealership``, ``technician`` ..."""
    subject_id: UUID
    action: str
    actor: str
    at: datetime
    old_values: dict[str, Any] = attrs.field(factory=dict)
    new_values: dict[str, Any] = attrs.field(factory=dict)
    job_id: UUID | None = None
    """Set for job entries, so they go with their job."""


@attrs.frozen
class DomainEvent:
    """Something admins watch live: ``job.created``, ``job.updated``, ``message.unmatched`` ..."""

    name: str
    subject_id: UUID
    occurred_at: datetime
    data: dict[str, Any] = attrs.field(factory=dict)


@attrs.frozen
class StoredEvent:
    """A published event with its place in the event log."""

    id: int
    """Increasing; what SSE sends as the event id and takes back as Last-Event-ID."""
    event: DomainEvent


class MessageStatus(enum.Enum):
    RECEIVED = "RECEIVED"
    """Stored, waiting for the parse task."""
    UNMATCHED = "UNMATCHED"
    """The sender is no known dealership."""
    NO_WORK = "NO_WORK"
    """A known dealership that asked for nothing (thanks, STOP, a question)."""
    PROCESSED = "PROCESSED"
    """Jobs were created from it."""


@attrs.frozen
class InboundMessage:
    """A text as received, kept whatever becomes of it."""

    id: UUID
    sid: str
    """Twilio's MessageSid: a second delivery of the same sid is the same message."""
    from_number: str
    to_number: str
    body: str
    received_at: datetime
    status: MessageStatus = MessageStatus.RECEIVED
    dealership_id: UUID | None = None
    job_ids: tuple[UUID, ...] = ()
    parser: str | None = None
    parse_confidence: float | None = None
    language: Language | None = None
    """The language the parser read it in; None until parsed."""
    num_media: int = 0
    media: tuple[MediaRef, ...] = ()
    """The photos and files attached to it (MMS), as the carrier gave them, in its order."""


@attrs.frozen
class ReceivedMedia:
    """One item attached to a text, as the carrier gave it: unchecked."""

    url: str | None
    content_type: str | None = None


@attrs.frozen
class ReceivedSms:
    """A text as the carrier delivered it: fields unchecked, None when the request lacked them.

    Receipt alone decides whether it is a text we can take (``ReceiptService``)."""

    sid: str | None
    from_number: str | None
    to_number: str | None
    body: str | None
    num_media: str | None = None
    sent_at: datetime | None = None
    """When the carrier received it, where the carrier says (its message record); None for a
    webhook, which arrives as it happens."""
    media: tuple[ReceivedMedia, ...] = ()


class RefusalReason(enum.Enum):
    """Why a webhook request was turned away before its text was read."""

    NOT_CONFIGURED = "not configured"
    """No credentials to verify it with, and verification is on."""
    TOO_LARGE = "too large"
    MALFORMED = "malformed"
    """Not a form the carrier sends (not form-encoded UTF-8)."""
    BAD_SIGNATURE = "bad signature"


@attrs.frozen
class WebhookRefusal:
    reason: RefusalReason
    detail: str


class OutboundStatus(enum.StrEnum):
    """Where a text we send stands."""

    QUEUED = "QUEUED"
    SENT = "SENT"
    FAILED = "FAILED"
    """The carrier refused it; a transient refusal is retried by its task."""
    NOT_CONFIGURED = "NOT_CONFIGURED"
    """Recorded but not sent: no Twilio credentials."""


@attrs.frozen
class OutboundSms:
    """A text we send (or would send when Twilio is not configured); kept in the outbox."""

    id: UUID
    to_number: str
    body: str
    created_at: datetime
    status: OutboundStatus = OutboundStatus.QUEUED
    provider_sid: str | None = None
    error: str | None = None
    job_id: UUID | None = None
