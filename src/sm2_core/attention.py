"""What a dispatcher must act on: the board's "Needs attention" filter. Pure.

The PostgreSQL adapter says the same in SQL (``postgres/jobs.py``, ``_ATTENTION``); the
contract suite holds the two to the same answers.
"""

from __future__ import annotations

import enum

from sm2_core.domain.enums import InvoiceState, JobStatus
from sm2_core.domain.job import Job


class Attention(enum.StrEnum):
    """Why a job needs a dispatcher, in the order the board shows them."""

    AWAITING_VERIFICATION = "awaiting_verification"
    NO_SERVICE = "no_service"
    AWAITING_APPROVAL = "awaiting_approval"
    INVOICE_FAILED = "invoice_failed"
    ALERT_UNDELIVERED = "alert_undelivered"


#: Work a technician holds: an undelivered alert about it leaves them unaware of it.
HELD = (JobStatus.SCHEDULED, JobStatus.IN_PROGRESS)


def attention(job: Job, *, alert_undelivered: bool = False) -> tuple[Attention, ...]:
    """Every reason ``job`` needs a dispatcher; empty when none. ``alert_undelivered`` says an
    alert about it to its technician failed or was not delivered."""
    if job.status is JobStatus.CANCELLED:
        return ()
    found: list[Attention] = []
    if job.awaiting_verification:
        found.append(Attention.AWAITING_VERIFICATION)
    if job.service_id is None and not job.status.is_terminal:
        found.append(Attention.NO_SERVICE)
    if job.status is JobStatus.COMPLETED and not job.is_approved:
        found.append(Attention.AWAITING_APPROVAL)
    if job.invoice_state is InvoiceState.FAILED:
        found.append(Attention.INVOICE_FAILED)
    if alert_undelivered and job.status in HELD:
        found.append(Attention.ALERT_UNDELIVERED)
    return tuple(found)
