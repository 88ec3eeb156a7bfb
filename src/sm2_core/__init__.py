"""SM2 Dispatch's domain core: what other teams import.

Pure Python: entities and value objects, the ranking engine, the business rules, the ports and
the application services. Nothing here opens a socket, reads a file or the clock.
"""

from sm2_core.domain.entities import Dealership, RankingRule, Service, Technician, User, Zone
from sm2_core.domain.enums import (
    ALLOWED_TRANSITIONS,
    InvoiceState,
    JobStatus,
    Language,
    Role,
    TechnicianStatus,
    Urgency,
)
from sm2_core.domain.job import Completion, Job, Part, Vehicle
from sm2_core.domain.phone import normalize_phone
from sm2_core.domain.records import (
    Actor,
    AuditEntry,
    DomainEvent,
    InboundMessage,
    MessageStatus,
    OutboundSms,
)
from sm2_core.domain.vin import Vin
from sm2_core.errors import (
    AlreadyExists,
    AuthenticationFailed,
    IntegrationError,
    InvalidInput,
    InvalidTransition,
    NotConfigured,
    NotFound,
    PermissionDenied,
    PolicyViolation,
    Sm2Error,
    StaleVersion,
)
from sm2_core.parsing import ParsedRequest, ParseResult
from sm2_core.policies import PolicyConfig, haversine_km, review_reasons
from sm2_core.ranking import JobDraft, Ranking, rank, rule_matches
from sm2_core.services import Services

__all__ = [
    "ALLOWED_TRANSITIONS",
    "Actor",
    "AlreadyExists",
    "AuditEntry",
    "AuthenticationFailed",
    "Completion",
    "Dealership",
    "DomainEvent",
    "InboundMessage",
    "IntegrationError",
    "InvalidInput",
    "InvalidTransition",
    "InvoiceState",
    "Job",
    "JobDraft",
    "JobStatus",
    "Language",
    "MessageStatus",
    "NotConfigured",
    "NotFound",
    "OutboundSms",
    "ParseResult",
    "ParsedRequest",
    "Part",
    "PermissionDenied",
    "PolicyConfig",
    "PolicyViolation",
    "Ranking",
    "RankingRule",
    "Role",
    "Service",
    "Services",
    "Sm2Error",
    "StaleVersion",
    "Technician",
    "TechnicianStatus",
    "Urgency",
    "User",
    "Vehicle",
    "Vin",
    "Zone",
    "haversine_km",
    "normalize_phone",
    "rank",
    "review_reasons",
    "rule_matches",
]
