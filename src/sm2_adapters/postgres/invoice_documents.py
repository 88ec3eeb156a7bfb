"""Invoice lines and line adjustments as JSONB documents (the invoices' ``lines``, the jobs'
``invoice_lines`` and ``invoice_adjustments``): amounts as strings, since JSON numbers would
come back as floats."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from decimal import Decimal
from typing import Any

from sm2_core.domain.invoice import InvoiceLine, LineAdjustment, LineKind


def lines_document(lines: Sequence[InvoiceLine]) -> list[dict[str, Any]]:
    """Amounts as strings: JSON numbers would come back as floats."""
    return [
        {
            "kind": line.kind.value,
            "description": line.description,
            "quantity": str(line.quantity),
            "unit_price": str(line.unit_price),
            "flag": line.flag,
        }
        for line in lines
    ]


def lines_from_document(document: list[dict[str, Any]]) -> tuple[InvoiceLine, ...]:
    return tuple(
        InvoiceLine(
            kind=LineKind(d["kind"]),
            description=d["description"],
            quantity=Decimal(d["quantity"]),
            unit_price=Decimal(d["unit_price"]),
            flag=d.get("flag"),
        )
        for d in document
    )


def adjustments_document(adjustments: tuple[LineAdjustment, ...]) -> list[dict[str, Any]]:
    """Amounts as strings, as the invoices' lines keep them (JSON numbers are floats)."""
    return [
        {
            "line": a.line,
            "reason": a.reason,
            "by": a.by,
            "at": a.at.isoformat(),
            "quantity": None if a.quantity is None else str(a.quantity),
            "unit_price": None if a.unit_price is None else str(a.unit_price),
        }
        for a in adjustments
    ]


def adjustments_from_document(document: list[dict[str, Any]]) -> tuple[LineAdjustment, ...]:
    return tuple(
        LineAdjustment(
            line=d["line"],
            reason=d["reason"],
            by=d["by"],
            at=datetime.fromisoformat(d["at"]),
            quantity=None if d["quantity"] is None else Decimal(d["quantity"]),
            unit_price=None if d["unit_price"] is None else Decimal(d["unit_price"]),
        )
        for d in document
    )
