"""The board's keyset cursor, shared by every job repository: opaque to clients, checked here."""

from __future__ import annotations

import base64
import binascii
import json
from datetime import datetime
from uuid import UUID

from sm2_core.errors import InvalidInput

BoardKey = tuple[int, int, datetime, UUID]
"""(urgency sort value, score sort value, created_at, id) of the last job of a page."""


def encode_cursor(key: BoardKey) -> str:
    urgency, score, created_at, job_id = key
    raw = json.dumps([urgency, score, created_at.isoformat(), str(job_id)])
    return base64.urlsafe_b64encode(raw.encode()).decode()


def decode_cursor(cursor: str) -> BoardKey:
    """The key a cursor carries; InvalidInput for anything this module did not make."""
    try:
        urgency, score, created_at, job_id = json.loads(base64.urlsafe_b64decode(cursor.encode()))
        when = datetime.fromisoformat(created_at)
        if when.tzinfo is None:
            raise ValueError("naive time")
        return int(urgency), int(score), when, UUID(job_id)
    except (ValueError, TypeError, OverflowError, binascii.Error):
        raise InvalidInput(
            "invalid cursor", fields={"cursor": "not a cursor from this list"}
        ) from None


def encode_time_cursor(at: datetime, item_id: UUID) -> str:
    """A cursor of a list in time order (then id): the last row's (time, id)."""
    raw = json.dumps([at.isoformat(), str(item_id)])
    return base64.urlsafe_b64encode(raw.encode()).decode()


def decode_time_cursor(cursor: str) -> tuple[datetime, UUID]:
    """The (time, id) a cursor carries; InvalidInput for anything this module did not make."""
    try:
        at, item_id = json.loads(base64.urlsafe_b64decode(cursor.encode()))
        when = datetime.fromisoformat(at)
        if when.tzinfo is None:
            raise ValueError("naive time")
        return when, UUID(item_id)
    except (ValueError, TypeError, OverflowError, binascii.Error):
        raise InvalidInput(
            "invalid cursor", fields={"cursor": "not a cursor from this list"}
        ) from None


def encode_time_text_cursor(at: datetime, key: str) -> str:
    """A cursor of a list in time order, then by a text key (a phone number): the last row's."""
    raw = json.dumps([at.isoformat(), key], ensure_ascii=False)
    return base64.urlsafe_b64encode(raw.encode()).decode()


def decode_time_text_cursor(cursor: str) -> tuple[datetime, str]:
    """The (time, text) a cursor carries; InvalidInput for anything this module did not make."""
    try:
        at, key = json.loads(base64.urlsafe_b64decode(cursor.encode()))
        when = datetime.fromisoformat(at)
        if when.tzinfo is None or not isinstance(key, str):
            raise ValueError("naive time or no key")
        return when, key
    except (ValueError, TypeError, OverflowError, binascii.Error, UnicodeError):
        raise InvalidInput(
            "invalid cursor", fields={"cursor": "not a cursor from this list"}
        ) from None
