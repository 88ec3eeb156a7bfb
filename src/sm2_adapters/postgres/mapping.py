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

from sm2_adapters.postgres.invoice_documents import (
    adjustments_document,
    adjustments_from_document,
    lines_document,
    lines_from_document,
)
from sm2_core.domain.enums import InvoiceState, JobStatus, Urgency
from sm2_core.domain.job import Completion, Job, Part, Vehicle
from sm2_core.domain.scheduled import ScheduledJob
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
    """A jobs row as the entity. Written out rather than through the converter: reading a day
    of the schedule or a page of the board maps hundreds of rows, and the generic structuring
    took four times as long (``docs/performance.md``). The round-trip contract test holds it to
    every field."""
    vehicle = row["vehicle_data"]
    override = row["urgency_override"]
    return Job(
        id=row["id"],
        job_code=row["job_code"],
        dealership_id=row["dealership_id"],
        vehicle=Vehicle(
            year=vehicle.get("year"),
            make=vehicle.get("make"),
            model=vehicle.get("model"),
            vin=vehicle.get("vin"),
            stock_no=vehicle.get("stock_no"),
        ),
        created_at=row["created_at"],
        updated_at=row["updated_at"],
        service_id=row["service_id"],
        service_code=row["service_code"],
        urgency=Urgency(row["urgency"]),
        ranking_score=row["ranking_score"],
        applied_rules=tuple(row["applied_rules"]),
        status=JobStatus(row["status"]),
        invoice_state=InvoiceState(row["invoice_state"]),
        parsing_confidence=row["parsing_confidence"],
        base_urgency=Urgency(row["base_urgency"]),
        urgency_override=Urgency(override) if override is not None else None,
        parse_warnings=tuple(row["parse_warnings"]),
        review_reasons=tuple(row["review_reasons"]),
        verified_by=row["verified_by"],
        verified_at=row["verified_at"],
        tech_id=row["tech_id"],
        assigned_at=row["assigned_at"],
        started_at=row["started_at"],
        zone_id=row["zone_id"],
        source_message_id=row["source_message_id"],
        request_text=row["request_text"],
        cancel_reason=row["cancel_reason"],
        completion=_completion(row["completion"]),
        approved_by=row["approved_by"],
        approved_at=row["approved_at"],
        qb_invoice_id=row["qb_invoice_id"],
        invoice_error=row["invoice_error"],
        window_start=row["window_start"],
        window_end=row["window_end"],
        proposed_start=row["proposed_start"],
        proposed_end=row["proposed_end"],
        notes=row["notes"],
        invoice_adjustments=adjustments_from_document(row["invoice_adjustments"]),
        invoice_lines=lines_from_document(row["invoice_lines"]),
        version=row["version"],
    )


SCHEDULED_COLUMNS = (
    "id",
    "job_code",
    "dealership_id",
    "vehicle_data",
    "status",
    "urgency",
    "review_reasons",
    "verified_at",
    "tech_id",
    "zone_id",
    "service_id",
    "service_code",
    "window_start",
    "window_end",
    "proposed_start",
    "proposed_end",
    "version",
)
"""The columns of a ``ScheduledJob``, in the order ``scheduled_from_row`` reads them."""


def scheduled_from_row(row: tuple[Any, ...]) -> ScheduledJob:
    """A row of ``SCHEDULED_COLUMNS`` as the schedule's read model (the round-trip contract
    test holds it to the job's fields)."""
    (id_, code, dealership, vehicle, status, urgency, reasons, verified, tech, zone) = row[:10]
    (service, service_code, start, end, proposed_start, proposed_end, version) = row[10:]
    return ScheduledJob(
        id=id_,
        job_code=code,
        dealership_id=dealership,
        vehicle=Vehicle(
            year=vehicle.get("year"),
            make=vehicle.get("make"),
            model=vehicle.get("model"),
            vin=vehicle.get("vin"),
            stock_no=vehicle.get("stock_no"),
        ),
        status=JobStatus(status),
        urgency=Urgency(urgency),
        review_reasons=tuple(reasons),
        verified_at=verified,
        tech_id=tech,
        zone_id=zone,
        service_id=service,
        service_code=service_code,
        window_start=start,
        window_end=end,
        proposed_start=proposed_start,
        proposed_end=proposed_end,
        version=version,
    )


def _completion(document: dict[str, Any] | None) -> Completion | None:
    if document is None:
        return None
    done = document.get("completed_at")
    return Completion(
        notes=document["notes"],
        labour_minutes=document["labour_minutes"],
        parts=tuple(Part(name=p["name"], quantity=p["quantity"]) for p in document["parts"]),
        completed_at=datetime.fromisoformat(done) if done else None,
    )


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
        "assigned_at": job.assigned_at,
        "started_at": job.started_at,
        # The completion's time and labour as columns too, for the reports' index.
        "completed_at": job.completed_at,
        "labour_minutes": job.completion.labour_minutes if job.completion else None,
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
        "invoice_adjustments": adjustments_document(job.invoice_adjustments),
        "invoice_lines": lines_document(job.invoice_lines),
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
