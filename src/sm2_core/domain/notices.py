"""Who is told what about a job: notices, waiting to go out together, and where they go."""

from __future__ import annotations

import enum
from datetime import datetime
from uuid import UUID

import attrs

from sm2_core.errors import InvalidInput


class NoticeKind(enum.StrEnum):
    """What happened to a job, as its technician or its dealership hears of it."""

    ASSIGNED = "assigned"
    """Technician: a job was added to your day. Dealership: a technician will do the job."""
    UNASSIGNED = "unassigned"
    """Technician: a job was taken off your day."""
    CANCELLED = "cancelled"
    """Technician: a job of yours was cancelled."""
    CHANGED = "changed"
    """Technician: a job of yours changed (vehicle, service, urgency)."""
    HOLD = "hold"
    """Technician: a job of yours waits for a dispatcher's check again; do not start."""
    STARTED = "started"
    """Dealership: the technician is on the way / has started."""
    COMPLETED = "completed"
    """Dealership: the job is done."""


#: What a dealership may choose to receive (``Dealership.notify_on``); all by default.
DEALER_UPDATES: frozenset[NoticeKind] = frozenset(
    {NoticeKind.ASSIGNED, NoticeKind.STARTED, NoticeKind.COMPLETED}
)


def parse_updates(values: object) -> frozenset[NoticeKind]:
    """``notify_on`` as people write it (a list, or ``|``/``,``-separated text)."""
    if isinstance(values, str):
        values = [v for v in values.replace(",", "|").split("|") if v.strip()]
    if not isinstance(values, list | tuple | set | frozenset):
        raise InvalidInput("notify_on must be a list", fields={"notify_on": "not a list"})
    found: set[NoticeKind] = set()
    for value in values:
        text = value.value if isinstance(value, NoticeKind) else str(value).strip().lower()
        try:
            kind = NoticeKind(text)
        except ValueError:
            kind = None
        if kind is None or kind not in DEALER_UPDATES:
            allowed = ", ".join(sorted(k.value for k in DEALER_UPDATES))
            raise InvalidInput(
                f"notify_on: {text!r} is not one of {allowed}",
                fields={"notify_on": f"not one of {allowed}"},
            )
        found.add(kind)
    return frozenset(found)


class Audience(enum.StrEnum):
    TECHNICIAN = "tech"
    DEALERSHIP = "dealer"


@attrs.frozen
class Recipient:
    """A technician or a dealership, as notices are kept for them (``key``)."""

    audience: Audience
    id: UUID

    @property
    def key(self) -> str:
        return f"{self.audience.value}:{self.id}"

    @classmethod
    def parse(cls, key: str) -> Recipient:
        audience, _, ident = key.partition(":")
        try:
            return cls(Audience(audience), UUID(ident))
        except ValueError as exc:
            raise InvalidInput(f"not a notice recipient: {key!r}") from exc

    @classmethod
    def technician(cls, tech_id: UUID) -> Recipient:
        return cls(Audience.TECHNICIAN, tech_id)

    @classmethod
    def dealership(cls, dealership_id: UUID) -> Recipient:
        return cls(Audience.DEALERSHIP, dealership_id)


@attrs.frozen
class Notice:
    """One thing to tell one recipient about one job, until it goes out in a message."""

    id: UUID
    recipient: Recipient
    kind: NoticeKind
    job_id: UUID
    created_at: datetime
    outbox_id: UUID | None = None
    sent_at: datetime | None = None


@attrs.frozen
class NoticeWindow:
    """Until ``closes_at``, a recipient's further notices wait to go out as one message."""

    recipient: Recipient
    opened_at: datetime
    closes_at: datetime
    flush_queued: bool = False
    """Whether the message that closes the window is already queued."""
