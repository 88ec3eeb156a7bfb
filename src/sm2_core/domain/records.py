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
    """Where a message we send stands."""

    QUEUED = "QUEUED"
    SENDING = "SENDING"
    """Handed to the carrier by a task that has not recorded the answer: a task that finds a
    message in this state asks the carrier's record before sending again."""
    PUSHED = "PUSHED"
    """Sent by Web Push, waiting for the phone to acknowledge it (else an SMS follows)."""
    SENT = "SENT"
    """Accepted by the carrier (or by the push service and acknowledged by the phone)."""
    DELIVERED = "DELIVERED"
    UNDELIVERED = "UNDELIVERED"
    FAILED = "FAILED"
    """The carrier refused it; a transient refusal is retried by its task."""
    NOT_CONFIGURED = "NOT_CONFIGURED"
    """Recorded but not sent: no Twilio credentials."""
    OPTED_OUT = "OPTED_OUT"
    """Not sent: the number texted STOP (or the carrier says it opted out)."""

    @property
    def is_settled(self) -> bool:
        """Never sent again: the carrier has it, or it must not go."""
        return self not in _UNSETTLED

    @property
    def is_failure(self) -> bool:
        return self in _FAILURES


_UNSETTLED = frozenset({OutboundStatus.QUEUED, OutboundStatus.SENDING, OutboundStatus.PUSHED})
_FAILURES = frozenset({OutboundStatus.FAILED, OutboundStatus.UNDELIVERED, OutboundStatus.OPTED_OUT})


class OutboundKind(enum.StrEnum):
    """What a message we send is for."""

    CONFIRMATION = "CONFIRMATION"
    """The answer to a dealership's request: the jobs it made."""
    ALERT = "ALERT"
    """To a technician: their day changed."""
    STATUS = "STATUS"
    """To a dealership: a technician assigned, started, done."""
    REPLY = "REPLY"
    """A dispatcher's own words."""
    SUMMARY = "SUMMARY"
    """A technician's morning summary of their day."""


class Channel(enum.StrEnum):
    SMS = "SMS"
    PUSH = "PUSH"
    """Web Push first; an SMS when the push fails or is not acknowledged in time."""


@attrs.frozen
class OutboundSms:
    """A message we send (or would send when Twilio is not configured); kept in the outbox."""

    id: UUID
    to_number: str
    body: str
    created_at: datetime
    status: OutboundStatus = OutboundStatus.QUEUED
    provider_sid: str | None = None
    error: str | None = None
    job_id: UUID | None = None
    """The first of ``job_ids`` (kept for the one-job readers)."""
    kind: OutboundKind = OutboundKind.CONFIRMATION
    channel: Channel = Channel.SMS
    job_ids: tuple[UUID, ...] = ()
    dealership_id: UUID | None = None
    technician_id: UUID | None = None
    error_code: str | None = None
    """The carrier's error code (Twilio's ``ErrorCode``), when it gave one."""
    sent_at: datetime | None = None
    sent_by: str | None = None
    """The dispatcher who typed a reply; None for what the system sends."""
    title: str | None = attrs.field(default=None, eq=False)
    """A push notification's title; not stored (the body is the message)."""

    @property
    def is_settled(self) -> bool:
        """Never sent again: the carrier took it, or it must not go. A refusal before the
        carrier took it (FAILED without a sid) may be tried again by its task."""
        if self.status is OutboundStatus.FAILED:
            return self.provider_sid is not None or self.error_code is not None
        return self.status.is_settled

    def __attrs_post_init__(self) -> None:
        # ``job_id`` is the first of ``job_ids``: either given, both agree.
        if self.job_id is not None and not self.job_ids:
            object.__setattr__(self, "job_ids", (self.job_id,))
        elif self.job_id is None and self.job_ids:
            object.__setattr__(self, "job_id", self.job_ids[0])


@attrs.frozen
class OptOut:
    """A number that asked for no more texts, until it texts START."""

    phone: str
    since: datetime
    source: str
    """``STOP`` (the keyword they texted) or ``carrier`` (Twilio refused: error 21610)."""
