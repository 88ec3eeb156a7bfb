"""Keyset pages over a list already in its order: the admin lists (reference data, logins).

Those lists are small (dozens of rows, a few hundred at most) and each repository returns them
whole in its own order (name, code, description or username, then id; the database's collation
decides on PostgreSQL), so a page is cut here rather than in SQL. The cursor names the last row
of a page by its (sort key, id): the next page starts after that row where it still is in the
list, else after the first row that sorts past it, so a row added or deactivated between two
pages neither repeats nor hides another.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Callable, Sequence
from typing import TypeVar
from uuid import UUID

from sm2_core.errors import InvalidInput
from sm2_core.ports import Page

T = TypeVar("T")

MAX_LIMIT = 200


def encode_list_cursor(key: str, item_id: UUID) -> str:
    raw = json.dumps([key, str(item_id)], ensure_ascii=False)
    return base64.urlsafe_b64encode(raw.encode()).decode()


def decode_list_cursor(cursor: str) -> tuple[str, UUID]:
    """The (sort key, id) a cursor carries; InvalidInput for anything this module did not make."""
    try:
        key, item_id = json.loads(base64.urlsafe_b64decode(cursor.encode()))
        if not isinstance(key, str):
            raise TypeError("key")
        return key, UUID(item_id)
    except (ValueError, TypeError, binascii.Error, UnicodeError):
        raise InvalidInput(
            "invalid cursor", fields={"cursor": "not a cursor from this list"}
        ) from None


def page_of(
    items: Sequence[T],
    *,
    key: Callable[[T], str],
    ident: Callable[[T], UUID],
    limit: int,
    cursor: str | None = None,
) -> Page[T]:
    """``limit`` rows of ``items`` (in their order) after the row ``cursor`` names."""
    if not 1 <= limit <= MAX_LIMIT:
        raise InvalidInput(
            f"limit must be between 1 and {MAX_LIMIT}", fields={"limit": "out of range"}
        )
    start = 0
    if cursor is not None:
        after_key, after_id = decode_list_cursor(cursor)
        ids = [ident(item) for item in items]
        if after_id in ids:
            start = ids.index(after_id) + 1
        else:
            mark = (after_key.casefold(), str(after_id))
            start = next(
                (
                    i
                    for i, item in enumerate(items)
                    if (key(item).casefold(), str(ident(item))) > mark
                ),
                len(items),
            )
    rows = tuple(items[start : start + limit])
    more = start + limit < len(items)
    last = rows[-1] if rows else None
    return Page(
        items=rows,
        next_cursor=encode_list_cursor(key(last), ident(last))
        if more and last is not None
        else None,
    )
