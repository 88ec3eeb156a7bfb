"""A technician's browser that allowed notifications (Web Push)."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

import attrs


@attrs.frozen
class PushSubscription:
    """What the browser's Push API gave: where to push, and the keys to encrypt for it."""

    id: UUID
    technician_id: UUID
    endpoint: str
    """The push service's URL for this browser (https)."""
    p256dh: str
    """The browser's P-256 public key, base64url."""
    auth: str = attrs.field(repr=False)
    """The browser's authentication secret, base64url."""
    created_at: datetime
    user_agent: str | None = None
