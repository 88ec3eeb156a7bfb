"""What a job's page shows of its invoice's payments: the record QuickBooks' word keeps."""

from __future__ import annotations

from datetime import date, datetime, time
from typing import Any

from sm2_core.domain.job import Job
from sm2_core.services import Services
from sm2_web.portal.formats import QUEBEC, format_date


async def payment_context(services: Services, job: Job, lang: str) -> dict[str, Any]:
    """``payment``: the invoice record (total, paid, balance, due date), or None before the
    invoice is in QuickBooks; ``payment_due``: its due date as people read it."""
    if not job.invoice_state.in_quickbooks:
        return {"payment": None, "payment_due": None}
    invoice = await services.payments.invoice(job.id)
    due = invoice.due_date if invoice is not None else None
    return {"payment": invoice, "payment_due": _day(due, lang) if due else None}


def _day(day: date, lang: str) -> str:
    """``25 déc. 2026`` / ``Dec 25, 2026``: a due date may be next year."""
    return format_date(datetime.combine(day, time(12), tzinfo=QUEBEC), lang)
