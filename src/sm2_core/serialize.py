"""Domain values as JSON primitives (str, int, float, bool, None, lists, dicts).

One converter per shape, shared by every edge that prints it: the API's ``GET /api/jobs/{id}``
and ``sm2 jobs … --json`` both show a job as :func:`job_primitives` makes it. Entities carry no
serialization of their own; the edges that need another shape (JSONB columns, the LLM's answer,
``sm2 parse``) convert at the edge.
"""

from __future__ import annotations

import enum
from collections.abc import Callable, Iterable
from datetime import datetime
from decimal import Decimal
from typing import Any
from uuid import UUID

import attrs

from sm2_core.domain.job import Job
from sm2_core.domain.media import Attachment, MediaItem, MediaState
from sm2_core.domain.records import AuditEntry

#: Where the API serves an attachment's bytes (``GET``: an admin, or the job's technician).
ATTACHMENT_PATH = "/api/attachments/{id}"
#: Its thumbnail, for an attachment that has one (technicians' photos).
THUMBNAIL_PATH = ATTACHMENT_PATH + "?size=thumb"


def in_order(values: frozenset[Any] | set[Any]) -> list[Any]:
    """A set as a list people read the same way each time: members of an enum in the order the
    enum declares them (its meaning's order: a dealership's status texts read assigned,
    started, completed), anything else sorted."""
    kinds = {type(v) for v in values}
    if len(kinds) == 1 and issubclass(declared := kinds.pop(), enum.Enum):
        return [member for member in declared if member in values]
    return sorted(values, key=str)


def plain(value: Any) -> Any:
    """A JSON-ready copy of a domain value: enums as their values, ids, amounts and times as
    text (ISO 8601), attrs classes as objects, sets as lists :func:`in_order`."""
    convert = _CONVERTERS.get(type(value))
    if convert is None:
        convert = _CONVERTERS.setdefault(type(value), _converter(type(value)))
    return convert(value)


Converter = Callable[[Any], Any]
_CONVERTERS: dict[type, Converter] = {}
"""Each type's conversion, decided once: a parse batch turns hundreds of jobs into audit
entries, and deciding again for each field of each (``attrs.fields`` included) was most of
the cost."""


def _converter(kind: type) -> Converter:
    if issubclass(kind, enum.Enum):
        return _enum_value
    if issubclass(kind, UUID | Decimal):
        return str
    if issubclass(kind, datetime):
        return datetime.isoformat
    if attrs.has(kind):
        names = tuple(f.name for f in attrs.fields(kind))
        return lambda value: {name: plain(getattr(value, name)) for name in names}
    if issubclass(kind, frozenset | set):
        return lambda value: [plain(v) for v in in_order(value)]
    if issubclass(kind, tuple | list):
        return lambda value: [plain(v) for v in value]
    if issubclass(kind, dict):
        return lambda value: {str(k): plain(v) for k, v in value.items()}
    return _itself


def _enum_value(value: enum.Enum) -> Any:
    return value.value


def _itself(value: Any) -> Any:
    return value


def job_primitives(job: Job, attachments: Iterable[Attachment] = ()) -> dict[str, Any]:
    """A job as the API and the CLI show it: every field of CONTRACT.md's job, its vehicle as
    ``vehicle_data``, whether it waits for an admin's verification, and its ``attachments``
    (``MediaService.attachments``: the caller loads them)."""
    data: dict[str, Any] = plain(job)
    data["vehicle_data"] = data.pop("vehicle")
    data["awaiting_verification"] = job.awaiting_verification
    data["attachments"] = [attachment_primitives(a) for a in attachments]
    return data


def attachment_primitives(attachment: Attachment) -> dict[str, Any]:
    """A file shown on a job: ``url`` is the API path that serves its bytes, ``thumbnail_url``
    that of a smaller copy (technicians' photos; null for the rest)."""
    return {
        "id": str(attachment.id),
        "content_type": attachment.content_type,
        "size": attachment.size,
        "source": attachment.source.value,
        "url": ATTACHMENT_PATH.format(id=attachment.id),
        "thumbnail_url": THUMBNAIL_PATH.format(id=attachment.id) if attachment.thumb_key else None,
    }


def media_item_primitives(item: MediaItem) -> dict[str, Any]:
    """An MMS item of a text and where it stands; a stored one has its ``url``."""
    return {
        "id": str(item.id),
        "position": item.position,
        "state": item.state.value,
        "declared_type": item.declared_type,
        "content_type": item.content_type,
        "size": item.size,
        "error": item.error,
        "attempts": item.attempts,
        "url": ATTACHMENT_PATH.format(id=item.id) if item.state is MediaState.STORED else None,
    }


def audit_primitives(entry: AuditEntry) -> dict[str, Any]:
    """One entry of a job's audit timeline."""
    return {
        "id": str(entry.id),
        "action": entry.action,
        "actor": entry.actor,
        "at": entry.at.isoformat(),
        "old_values": plain(entry.old_values),
        "new_values": plain(entry.new_values),
    }


def job_detail_primitives(
    job: Job, timeline: Iterable[AuditEntry], attachments: Iterable[Attachment] = ()
) -> dict[str, Any]:
    """A job with its audit timeline, oldest entry first."""
    return {
        **job_primitives(job, attachments),
        "audit_timeline": [audit_primitives(e) for e in timeline],
    }
