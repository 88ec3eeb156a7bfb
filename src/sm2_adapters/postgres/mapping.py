"""Rows ↔ entities: the one cattrs converter of the PostgreSQL edge.

psycopg already hands back UUIDs, datetimes, Decimals and lists; the converter turns checked-text
enums into enums, arrays into tuples or frozensets, and JSONB documents into value objects.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any, TypeVar
from uuid import UUID

import cattrs

from sm2_core.domain.job import Completion, Job
from sm2_core.serialize import in_order, plain

T = TypeVar("T")

_converter = cattrs.Converter()
for _passthrough in (UUID, datetime, Decimal):
    _converter.register_unstructure_hook(_passthrough, lambda value: value)
_converter.register_structure_hook(UUID, lambda v, _: v if isinstance(v, UUID) else UUID(v))
_converter.register_structure_hook(
    Decimal, lambda v, _: v if isinstance(v, Decimal) else Decimal(v)
)
# Columns arrive as datetimes; JSONB documents carry ISO 8601 strings.
_converter.register_structure_hook(
    datetime, lambda v, _: v if isinstance(v, datetime) else datetime.fromisoformat(v)
)


def to_entity(row: dict[str, Any], cls: type[T]) -> T:
    """Structure a row into ``cls``, ignoring bookkeeping columns the entity does not have."""
    return _converter.structure(row, cls)


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


def completion_document(completion: Completion | None) -> dict[str, Any] | None:
    if completion is None:
        return None
    return {
        "notes": completion.notes,
        "labour_minutes": completion.labour_minutes,
        "parts": [{"name": p.name, "quantity": p.quantity} for p in completion.parts],
        "completed_at": _iso(completion.completed_at),
    }


def job_from_row(row: dict[str, Any]) -> Job:
    fields = {k: v for k, v in row.items() if k not in _JOB_ONLY_COLUMNS}
    fields["vehicle"] = row["vehicle_data"]
    fields["completion"] = row["completion"]
    return _converter.structure(fields, Job)


#: Columns that exist for queries (generated, derived), not on the entity.
_JOB_ONLY_COLUMNS = frozenset({"vehicle_data", "vin", "urgency_rank", "completion"})


def job_params(job: Job) -> dict[str, Any]:
    """The job as query parameters, for INSERT and UPDATE alike."""
    return {
        "id": job.id,
        "job_code": job.job_code,
        "dealership_id": job.dealership_id,
        "service_id": job.service_id,
        "service_code": job.service_code,
        "vehicle_data": _converter.unstructure(job.vehicle),
        "urgency": job.urgency.value,
        "ranking_score": job.ranking_score,
        "applied_rules": list(job.applied_rules),
        "status": job.status.value,
        "invoice_state": job.invoice_state.value,
        "parsing_confidence": job.parsing_confidence,
        "base_urgency": job.base_urgency.value,
        "urgency_override": job.urgency_override.value if job.urgency_override else None,
        "parse_warnings": list(job.parse_warnings),
        "review_reasons": list(job.review_reasons),
        "verified_by": job.verified_by,
        "verified_at": job.verified_at,
        "tech_id": job.tech_id,
        "zone_id": job.zone_id,
        "source_message_id": job.source_message_id,
        "request_text": job.request_text,
        "cancel_reason": job.cancel_reason,
        "completion": completion_document(job.completion),
        "approved_by": job.approved_by,
        "approved_at": job.approved_at,
        "qb_invoice_id": job.qb_invoice_id,
        "invoice_error": job.invoice_error,
        "window_start": job.window_start,
        "window_end": job.window_end,
        "proposed_start": job.proposed_start,
        "proposed_end": job.proposed_end,
        "notes": job.notes,
        "version": job.version,
        "created_at": job.created_at,
        "updated_at": job.updated_at,
    }


def entity_params(entity: Any) -> dict[str, Any]:
    """A reference entity as query parameters: enums as their values, sets as lists in a
    stable order (``in_order``: a dealership's ``notify_on`` reads assigned, started,
    completed), tuples as lists in their order (both become arrays)."""
    out: dict[str, Any] = _converter.unstructure(entity)
    for key, value in out.items():
        if isinstance(value, set | frozenset):
            # Ordered from the entity's own set: once unstructured, its enum members are bare
            # strings, which would sort alphabetically.
            out[key] = [plain(v) for v in in_order(getattr(entity, key))]
        elif isinstance(value, tuple):
            out[key] = list(value)
    return out
