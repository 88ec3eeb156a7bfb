"""Reference entities: who sends work, who does it, what work there is and where."""

from __future__ import annotations

from decimal import Decimal
from uuid import UUID

import attrs

from sm2_core.domain.enums import Language, Role, TechnicianStatus, Urgency
from sm2_core.domain.notices import DEALER_UPDATES, NoticeKind
from sm2_core.errors import InvalidInput

#: A service's expected duration, in minutes: 5 minutes to 12 hours (the longest window); an
#: hour unless an admin says.
DEFAULT_DURATION_MINUTES = 60
MIN_DURATION_MINUTES = 5
MAX_DURATION_MINUTES = 720
#: A dealership's street address: a line or two, not a document.
MAX_ADDRESS_LENGTH = 300
#: Labour a service's price includes, in minutes (0 to a day): beyond it the invoice bills the
#: dealership's hourly rate. An hour unless an admin says.
DEFAULT_INCLUDED_MINUTES = 60
MAX_INCLUDED_MINUTES = 1440
#: What an hour of labour beyond a service's included minutes costs a dealership by default.
DEFAULT_HOURLY_RATE = Decimal("95.00")


@attrs.frozen
class Zone:
    """An area of the region; its coordinates feed the 20 km rule."""

    id: UUID
    name: str
    latitude: float
    longitude: float
    description: str = ""
    is_active: bool = True


@attrs.frozen
class Service:
    """A kind of work in the catalog, billed at ``base_price``."""

    id: UUID
    code: str
    name: str
    name_fr: str
    base_price: Decimal
    requires_approval: bool = False
    """Jobs for this service wait for an admin's verification before assignment."""
    is_active: bool = True
    qb_item_id: str | None = None
    """The QuickBooks Item this service is invoiced as, once known."""
    terms_en: tuple[str, ...] = ()
    """Words and phrases that name the service in English texts ("oil change", "lof")."""
    terms_fr: tuple[str, ...] = ()
    """The same in French ("vidange", "changement d'huile")."""
    hints_en: tuple[str, ...] = ()
    """Weak words that only hint at the service (a symptom: "noise"); a named service wins."""
    hints_fr: tuple[str, ...] = ()
    duration_minutes: int = DEFAULT_DURATION_MINUTES
    """The work's expected length; the board plans a job with no window end by it."""
    requires_photos: bool = False
    """Its jobs are completed only once the technician attached at least one photo."""
    included_minutes: int = DEFAULT_INCLUDED_MINUTES
    """Labour its price includes; the invoice bills the minutes beyond at the hourly rate."""

    def display_name(self, language: Language) -> str:
        return self.name_fr if language is Language.FR else self.name


@attrs.frozen
class Dealership:
    id: UUID
    name: str
    phone: str
    """E.164; the sender number that identifies the dealership's texts."""
    email: str
    """Billing address for invoices."""
    zone_id: UUID | None = None
    is_audit_flagged: bool = False
    """Every job from a flagged dealership waits for an admin's verification."""
    is_active: bool = True
    language: Language = Language.FR
    """Language of the confirmations we text back."""
    qb_customer_id: str | None = None
    notify_on: frozenset[NoticeKind] = DEALER_UPDATES
    """The status texts it receives: any of ``DEALER_UPDATES``."""
    address: str = ""
    """Where technicians drive to, for their phone's maps app; empty when not known."""
    hourly_rate: Decimal = DEFAULT_HOURLY_RATE
    """What an hour of labour beyond a service's included minutes costs it."""


@attrs.frozen
class Technician:
    id: UUID
    name: str
    phone: str
    zone_id: UUID | None
    skills: frozenset[str] = frozenset()
    """Service codes the technician is certified for."""
    status: TechnicianStatus = TechnicianStatus.AVAILABLE
    is_active: bool = True
    language: Language = Language.FR
    """The language of the alerts and messages the technician is sent."""

    def is_certified_for(self, service_code: str) -> bool:
        return service_code in self.skills


@attrs.frozen
class RankingRule:
    """An admin's rule: jobs it matches get at least ``target_urgency`` and ``ranking_score`` more.

    A criterion left as None matches anything; at least one must be set, or the rule would
    apply to every job.
    """

    id: UUID
    description: str
    dealership_id: UUID | None = None
    service_code: str | None = None
    make: str | None = None
    target_urgency: Urgency | None = None
    ranking_score: int = 0
    is_active: bool = True

    def __attrs_post_init__(self) -> None:
        if self.dealership_id is None and self.service_code is None and not self.make:
            raise InvalidInput(
                "a ranking rule needs a dealership, a service or a make",
                fields={"dealership_id": "set at least one of dealership, service, make"},
            )
        if not self.description.strip():
            raise InvalidInput(
                "a ranking rule needs a description", fields={"description": "empty"}
            )


@attrs.frozen
class User:
    """A login. A technician's user is linked to its technician and sees only its own jobs."""

    id: UUID
    username: str
    role: Role
    password_hash: str = attrs.field(repr=False)
    technician_id: UUID | None = None
    is_active: bool = True
    session_generation: int = 0
    """Carried by every access token issued to the login; raising it ends all of them (logout,
    a password change, deactivation)."""

    def __attrs_post_init__(self) -> None:
        if self.role is Role.TECH and self.technician_id is None:
            raise InvalidInput(
                "a technician login must be linked to a technician",
                fields={"technician_id": "required for role tech"},
            )
