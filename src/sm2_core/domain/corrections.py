"""Dispatchers' corrections of what the parser read: the labels real traffic gives the parser.

A correction is kept per job and per parsed field: what the parser said (from the first time the
field was corrected) and what the job says now. Only jobs the parser made from a text have them.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from datetime import datetime
from uuid import UUID

import attrs

from sm2_core.domain.enums import Language
from sm2_core.domain.job import Job


class ParsedField(enum.StrEnum):
    """The six fields a parser reads per request, named as the labeled corpus names them."""

    YEAR = "year"
    MAKE = "make"
    MODEL = "model"
    VIN = "vin"
    STOCK_NO = "stock_no"
    SERVICE_CODE = "service_code"


def field_value(job: Job, field: ParsedField) -> str | None:
    """The job's value of ``field`` as text (a year as its digits); None when unset."""
    if field is ParsedField.SERVICE_CODE:
        return job.service_code
    value = getattr(job.vehicle, field.value)
    return None if value is None else str(value)


def comparison_key(value: str | None) -> str | None:
    """How the parser is judged: case and anything but letters and digits ignored
    (``F150`` is ``f-150``); None and an empty key are both "not read"."""
    if value is None:
        return None
    return "".join(c for c in value.casefold() if c.isalnum()) or None


def same_value(a: str | None, b: str | None) -> bool:
    return comparison_key(a) == comparison_key(b)


def is_parsed(job: Job) -> bool:
    """Made by a parser from a text (intake), not typed in by an admin (even from a text)."""
    return job.source_message_id is not None and job.parsing_confidence is not None


@attrs.frozen
class ParseCorrection:
    """A dispatcher's correction of one field the parser read for one job."""

    id: UUID
    job_id: UUID
    message_id: UUID
    """The text the job was parsed from."""
    field: ParsedField
    parsed: str | None
    """What the parser read; kept from the field's first correction."""
    corrected: str | None
    """What the dispatcher made it (the job's value after their latest edit of the field)."""
    corrected_by: str
    """The actor's name, of the latest edit."""
    corrected_at: datetime
    """When, of the latest edit."""
    sender: str
    """The text's sender number, as received."""
    body: str
    """The text as received (texts never change, so this copy is the text)."""
    language: Language
    """The text's language as the parser read it."""


@attrs.frozen
class ServiceTally:
    """For one service (None: none recognised), the parsed jobs made since a moment and how
    many of them had each field corrected."""

    service_code: str | None
    """The job's service as it is now, i.e. corrected."""
    parsed_jobs: int
    corrected: Mapping[ParsedField, int] = attrs.field(factory=dict)
