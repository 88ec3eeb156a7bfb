"""Enums with meaning: ordering of urgencies and the job's allowed transitions live here, once."""

from __future__ import annotations

import enum
from functools import total_ordering


@total_ordering
class Urgency(enum.Enum):
    """How soon a job must be done. Ordered: LOW < MEDIUM < HIGH < CRITICAL."""

    LOW = "LOW"
    MEDIUM = "MEDIUM"
    HIGH = "HIGH"
    CRITICAL = "CRITICAL"

    @property
    def rank(self) -> int:
        return _URGENCY_RANK[self]

    def __lt__(self, other: object) -> bool:
        if not isinstance(other, Urgency):
            return NotImplemented
        return self.rank < other.rank

    @classmethod
    def highest(cls, *urgencies: Urgency) -> Urgency:
        return max(urgencies, key=lambda u: u.rank)


_URGENCY_RANK = {Urgency.LOW: 0, Urgency.MEDIUM: 1, Urgency.HIGH: 2, Urgency.CRITICAL: 3}


class JobStatus(enum.Enum):
    PENDING = "PENDING"
    SCHEDULED = "SCHEDULED"
    IN_PROGRESS = "IN_PROGRESS"
    COMPLETED = "COMPLETED"
    CANCELLED = "CANCELLED"

    def can_become(self, target: JobStatus) -> bool:
        return target in ALLOWED_TRANSITIONS[self]

    @property
    def is_terminal(self) -> bool:
        return not ALLOWED_TRANSITIONS[self]


#: The whole lifecycle in one place. SCHEDULED → PENDING is an unassignment;
#: COMPLETED is final for the job's status (invoicing has its own state).
ALLOWED_TRANSITIONS: dict[JobStatus, frozenset[JobStatus]] = {
    JobStatus.PENDING: frozenset({JobStatus.SCHEDULED, JobStatus.CANCELLED}),
    JobStatus.SCHEDULED: frozenset({JobStatus.PENDING, JobStatus.IN_PROGRESS, JobStatus.CANCELLED}),
    JobStatus.IN_PROGRESS: frozenset({JobStatus.COMPLETED, JobStatus.CANCELLED}),
    JobStatus.COMPLETED: frozenset(),
    JobStatus.CANCELLED: frozenset(),
}


class InvoiceState(enum.Enum):
    NOT_STARTED = "NOT_STARTED"
    PENDING_APPROVAL = "PENDING_APPROVAL"
    SYNCED = "SYNCED"
    FAILED = "FAILED"
    # After SYNCED, the invoice's life in QuickBooks (payments, due date, voiding).
    PAID = "PAID"
    PARTIALLY_PAID = "PARTIALLY_PAID"
    OVERDUE = "OVERDUE"
    VOIDED = "VOIDED"

    @property
    def in_quickbooks(self) -> bool:
        """The invoice exists in QuickBooks: it must never be created again."""
        return self in _IN_QUICKBOOKS


_IN_QUICKBOOKS = frozenset(
    {
        InvoiceState.SYNCED,
        InvoiceState.PAID,
        InvoiceState.PARTIALLY_PAID,
        InvoiceState.OVERDUE,
        InvoiceState.VOIDED,
    }
)


class TechnicianStatus(enum.Enum):
    AVAILABLE = "AVAILABLE"
    BUSY = "BUSY"
    OFFLINE = "OFFLINE"
    ON_LEAVE = "ON_LEAVE"

    @property
    def can_take_work(self) -> bool:
        return self in (TechnicianStatus.AVAILABLE, TechnicianStatus.BUSY)


class Role(enum.Enum):
    ADMIN = "admin"
    TECH = "tech"


class Language(enum.Enum):
    EN = "en"
    FR = "fr"


class PolicyRule(enum.StrEnum):
    """The business rules that can refuse a change.

    The value is the rule's name as people read it, and the ``rule`` of a problem document.
    """

    AUDI = "Audi rule"
    MANUAL_REVIEW = "Manual review"
    CERTIFICATION = "Certification rule"
    AVAILABILITY = "Availability rule"
    ZONE_CONFLICT = "20 km rule"
    SCHEDULE = "Schedule"
    """A technician's appointment windows do not overlap unless an admin confirms it."""
    SAFETY_LOCK = "Safety lock"
    BILLING = "Billing"
    OWN_LOGIN = "Own login rule"
    """An admin cannot deactivate the login they are signed in with."""
    LAST_ADMIN = "Last admin rule"
    """The last active admin login stays active: someone must be able to sign in."""
    PHOTOS = "Photos rule"
    """A job of a service that requires photos is completed only with a technician's photo."""


class ReferenceKind(enum.StrEnum):
    """The kinds of reference data an admin keeps (and imports as CSV).

    The value is the plural people type (``sm2 import zones``, ``/api/zones``, ``/admin/zones``).
    Logins (users) are not reference data: they have their own use cases.
    """

    ZONES = "zones"
    SERVICES = "services"
    DEALERSHIPS = "dealerships"
    TECHNICIANS = "technicians"
    RULES = "rules"
    PARTS = "parts"
    """The parts catalog invoices price reported parts from."""
    PRICES = "prices"
    """Dealerships' own prices for services."""

    @property
    def subject(self) -> str:
        """One of them, as audit entries and messages name it: ``zone``, ``technician``."""
        return self.value[:-1]
