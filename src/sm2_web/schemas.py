"""The JSON shapes of the API (msgspec Structs: validated on the way in, documented in OpenAPI)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from decimal import Decimal
from typing import Annotated, Any, Literal, overload
from uuid import UUID

import msgspec
from msgspec import UNSET, Meta, Struct, UnsetType

from sm2_core.domain.entities import (
    DEFAULT_DURATION_MINUTES,
    DEFAULT_HOURLY_RATE,
    DEFAULT_INCLUDED_MINUTES,
    MAX_ADDRESS_LENGTH,
    MAX_DURATION_MINUTES,
    MAX_INCLUDED_MINUTES,
    MIN_DURATION_MINUTES,
    Dealership,
    RankingRule,
    Service,
    Technician,
    User,
    Zone,
)
from sm2_core.domain.job import Job
from sm2_core.domain.media import Attachment, MediaItem
from sm2_core.domain.pricing import MAX_PART_NAME, MAX_SKU, CatalogPart, DealershipPrice
from sm2_core.domain.records import AuditEntry, InboundMessage
from sm2_core.domain.terms import MAX_TERM_LENGTH, MAX_TERMS
from sm2_core.serialize import (
    job_detail_primitives,
    job_primitives,
    media_item_primitives,
    plain,
)
from sm2_core.services import Services
from sm2_core.services.reference import ReferenceEntity

NO_NUL = r"^[^\x00]*$"
"""PostgreSQL cannot store a NUL character: text with one is refused here, naming its field."""
Year = Annotated[int, Meta(ge=1980, le=2100)]
Text = Annotated[str, Meta(max_length=2000, pattern=NO_NUL)]
Name = Annotated[str, Meta(min_length=1, max_length=200, pattern=NO_NUL)]
Short = Annotated[str, Meta(max_length=60, pattern=NO_NUL)]
Tag = Annotated[str, Meta(max_length=40, pattern=NO_NUL)]
Instant = Annotated[datetime, Meta(tz=True)]
"""An ISO 8601 date-time with its UTC offset (a time without one is refused, naming it)."""


class VehicleData(Struct, kw_only=True, forbid_unknown_fields=True):
    """Vehicle fields to change: those present change, ``null`` clears one, the rest stay."""

    year: Year | UnsetType | None = UNSET
    make: Short | UnsetType | None = UNSET
    model: Short | UnsetType | None = UNSET
    vin: Tag | UnsetType | None = UNSET
    stock_no: Tag | UnsetType | None = UNSET

    def changes(self) -> dict[str, object]:
        return {
            name: value
            for name in self.__struct_fields__
            if (value := getattr(self, name)) is not UNSET
        }


class VehicleOut(Struct, kw_only=True):
    """A job's vehicle as stored: what was read or typed, unbounded (VehicleData bounds input)."""

    year: int | None
    make: str | None
    model: str | None
    vin: str | None
    stock_no: str | None


class PartOut(Struct):
    name: str
    quantity: int


class InvoiceLineOut(Struct, kw_only=True):
    """A line of a job's invoice; amounts are decimal strings."""

    kind: str
    """``service``, ``part`` or ``labour``."""
    description: str
    quantity: str
    unit_price: str
    flag: str | None
    """Why a dispatcher should look before approving (a part not in the catalog)."""


class LineAdjustmentOut(Struct, kw_only=True):
    line: str
    """The line's key: ``service``, ``part-1``... or ``labour``."""
    reason: str
    by: str
    at: datetime
    quantity: str | None
    unit_price: str | None


class CompletionOut(Struct):
    notes: str
    labour_minutes: int
    parts: list[PartOut]
    completed_at: datetime | None


class AttachmentOut(Struct, kw_only=True, forbid_unknown_fields=True):
    """A file shown on a job: a photo the dealership texted (``mms``) or a technician's."""

    id: UUID
    content_type: str
    size: int
    source: str
    url: str
    """The API path serving its bytes (to an admin, or to the job's technician)."""
    thumbnail_url: str | None
    """A smaller copy (a JPEG of at most 320 px) for a technician's photo; null otherwise."""


class MediaItemOut(Struct, kw_only=True, forbid_unknown_fields=True):
    """An MMS item of a text: ``pending`` until fetched, then ``stored`` (with its ``url``),
    ``refused`` (too large, a type not taken) or ``failed`` (``error`` says how)."""

    id: UUID
    position: int
    state: str
    declared_type: str | None
    """The type the carrier claimed; ``content_type`` is the one read from the bytes."""
    content_type: str | None
    size: int | None
    error: str | None
    attempts: int
    url: str | None


def media_items_out(items: Iterable[MediaItem]) -> list[MediaItemOut]:
    return [msgspec.convert(media_item_primitives(i), MediaItemOut) for i in items]


class JobOut(Struct, kw_only=True, forbid_unknown_fields=True):
    """A job as ``sm2_core.serialize.job_primitives`` shapes it (the CLI prints the same); this
    Struct only types it for OpenAPI, and refuses a field it does not declare."""

    id: UUID
    job_code: str
    dealership_id: UUID
    tech_id: UUID | None
    assigned_at: datetime | None
    """Since when the job has its technician (null while it waits on the board)."""
    started_at: datetime | None
    """When the technician accepted it (null until then)."""
    service_id: UUID | None
    service_code: str | None
    vehicle_data: VehicleOut
    urgency: str
    ranking_score: int
    applied_rules: list[str]
    status: str
    invoice_state: str
    parsing_confidence: float | None
    base_urgency: str
    """How urgent the text said it was; rules and policies escalate ``urgency`` from it."""
    urgency_override: str | None
    """An admin's explicit urgency, which replaces ``base_urgency``."""
    parse_warnings: list[str]
    qb_invoice_id: str | None
    invoice_error: str | None
    review_reasons: list[str]
    awaiting_verification: bool
    verified_by: str | None
    verified_at: datetime | None
    zone_id: UUID | None
    request_text: str
    cancel_reason: str | None
    completion: CompletionOut | None
    approved_by: str | None
    approved_at: datetime | None
    source_message_id: UUID | None
    window_start: datetime | None
    """The appointment window's start (ISO 8601, UTC), or null."""
    window_end: datetime | None
    """Its end, or null: the service's expected duration from the start."""
    proposed_start: datetime | None
    """The window the text asked for ("demain matin"), for a dispatcher to confirm."""
    proposed_end: datetime | None
    notes: str
    """The dispatcher's notes for the technician."""
    invoice_adjustments: list[LineAdjustmentOut]
    """A dispatcher's changes to the invoice's lines before approval, one per line."""
    invoice_lines: list[InvoiceLineOut]
    """The lines approved for the invoice (empty until approved); see the invoice preview."""
    version: int
    created_at: datetime
    updated_at: datetime
    attachments: list[AttachmentOut]
    """The photos of the text the job came from, once fetched and judged acceptable
    (``source``: ``mms``), then those its technician attached (``technician``), oldest
    first."""


def job_out(job: Job, attachments: Iterable[Attachment] = ()) -> JobOut:
    return msgspec.convert(job_primitives(job, attachments), JobOut)


async def job_with_attachments(services: Services, job: Job) -> JobOut:
    """The job as ``job_out`` shapes it, its attachments loaded."""
    return job_out(job, await services.media.attachments_of(job))


class JobUpdateOut(JobOut, kw_only=True):
    warnings: list[str]
    """What the dispatcher should know about the job as it now stands (e.g. its technician
    could not start it without breaking the 20 km rule); empty when nothing."""


def job_update_out(
    job: Job, warnings: Iterable[str], attachments: Iterable[Attachment] = ()
) -> JobUpdateOut:
    return msgspec.convert(
        {**job_primitives(job, attachments), "warnings": list(warnings)}, JobUpdateOut
    )


class JobPage(Struct):
    items: list[JobOut]
    next_cursor: str | None


class AuditOut(Struct):
    id: UUID
    action: str
    actor: str
    at: datetime
    old_values: dict[str, Any]
    new_values: dict[str, Any]


class JobDetailOut(JobOut, kw_only=True):
    audit_timeline: list[AuditOut]


def job_detail_out(
    job: Job, timeline: Iterable[AuditEntry], attachments: Iterable[Attachment] = ()
) -> JobDetailOut:
    return msgspec.convert(job_detail_primitives(job, timeline, attachments), JobDetailOut)


class JobPatch(Struct, kw_only=True, forbid_unknown_fields=True):
    """Only the fields present change; ``tech_id: null`` unassigns."""

    tech_id: UUID | UnsetType | None = UNSET
    vehicle_data: VehicleData | UnsetType = UNSET
    service_code: Tag | UnsetType = UNSET
    urgency: Annotated[str, Meta(pattern="^(LOW|MEDIUM|HIGH|CRITICAL)$")] | UnsetType = UNSET
    window_start: Instant | UnsetType | None = UNSET
    """The appointment window's start, with its UTC offset; null clears the window."""
    window_end: Instant | UnsetType | None = UNSET
    """Its end (after the start, at most 12 hours later); omitted with a new start, the
    service's expected duration is the window."""
    allow_overlap: bool = False
    """Book the technician although another of their windows overlaps (audited)."""
    notes: Text | UnsetType = UNSET
    """The dispatcher's notes for the technician."""
    version: int | UnsetType = UNSET


class CancelIn(Struct, forbid_unknown_fields=True):
    reason: Annotated[str, Meta(min_length=1, max_length=500, pattern=NO_NUL)]


class PartIn(Struct, forbid_unknown_fields=True):
    name: Annotated[str, Meta(min_length=1, max_length=120, pattern=NO_NUL)]
    quantity: Annotated[int, Meta(ge=1, le=1000)] = 1


class CompleteIn(Struct, forbid_unknown_fields=True, kw_only=True):
    notes: Text = ""
    labour_minutes: Annotated[int, Meta(ge=0, le=24 * 60)]
    parts: list[PartIn] = []


class SuggestionOut(Struct):
    technician_id: UUID
    name: str
    status: str
    zone_id: UUID | None
    distance_km: float | None
    load: int
    conflict: str | None = None
    """Why this technician could not start the job now (the 20 km rule); null when they can."""


class LoginIn(Struct, forbid_unknown_fields=True):
    username: Annotated[str, Meta(min_length=1, max_length=64, pattern=NO_NUL)]
    password: Annotated[str, Meta(min_length=1, max_length=256, pattern=NO_NUL)]


class TokenOut(Struct):
    access_token: str
    token_type: str
    expires_at: datetime
    role: str


class MessageOut(Struct):
    id: UUID
    sid: str
    from_number: str
    to_number: str
    body: str
    received_at: datetime
    status: str
    dealership_id: UUID | None
    job_ids: list[UUID]
    media: list[MediaItemOut] = msgspec.field(default_factory=list)
    """The photos and files attached to the text (MMS), each with where it stands."""


def message_out(m: InboundMessage, media: Iterable[MediaItem] = ()) -> MessageOut:
    return MessageOut(
        m.id,
        m.sid,
        m.from_number,
        m.to_number,
        m.body,
        m.received_at,
        m.status.value,
        m.dealership_id,
        list(m.job_ids),
        media=media_items_out(media),
    )


class MessagePage(Struct):
    items: list[MessageOut]
    next_cursor: str | None = None


# --- reference data ------------------------------------------------------------------------


class ZoneOut(Struct):
    id: UUID
    name: str
    description: str
    latitude: float
    longitude: float
    is_active: bool


class ZoneIn(Struct, forbid_unknown_fields=True, kw_only=True):
    name: Name
    description: Text = ""
    latitude: Annotated[float, Meta(ge=-90, le=90)]
    longitude: Annotated[float, Meta(ge=-180, le=180)]
    is_active: bool = True


class ZonePatch(Struct, forbid_unknown_fields=True, kw_only=True):
    name: Name | UnsetType = UNSET
    description: Text | UnsetType = UNSET
    latitude: Annotated[float, Meta(ge=-90, le=90)] | UnsetType = UNSET
    longitude: Annotated[float, Meta(ge=-180, le=180)] | UnsetType = UNSET
    is_active: bool | UnsetType = UNSET


class ServiceOut(Struct):
    id: UUID
    code: str
    name: str
    name_fr: str
    base_price: Decimal
    requires_approval: bool
    is_active: bool
    terms_en: list[str]
    terms_fr: list[str]
    hints_en: list[str]
    hints_fr: list[str]
    duration_minutes: int
    """The work's expected length; the board plans a job with no window end by it."""
    requires_photos: bool
    """Its jobs are completed only once the technician attached at least one photo."""
    included_minutes: int
    """Labour its price includes; the invoice bills the minutes beyond at the dealership's
    hourly rate."""


Code = Annotated[str, Meta(pattern="^[A-Za-z][A-Za-z0-9_]{1,39}$")]
Price = Annotated[
    str,
    Meta(
        pattern=r"^[0-9]{1,10}(\.[0-9]{1,2})?$",
        description="An amount in dollars as a string: digits, at most two decimals",
        examples=["149.99"],
    ),
]
"""A string, never a JSON number (a float would round the cents): what the catalog accepts,
not negative, at most two decimals, within the column."""
Included = Annotated[
    int,
    Meta(
        ge=0,
        le=MAX_INCLUDED_MINUTES,
        description="Labour the service's price includes, in minutes (0 to 1440); the invoice "
        "bills the minutes beyond at the dealership's hourly rate",
        examples=[60],
    ),
]
Minutes = Annotated[
    int,
    Meta(
        ge=MIN_DURATION_MINUTES,
        le=MAX_DURATION_MINUTES,
        description="The work's expected length in minutes (5 to 720); the board plans a job "
        "with no window end by it",
        examples=[90],
    ),
]


# At least one letter or digit, no "|" (it separates terms in CSV files): what the catalog takes.
Term = Annotated[
    str,
    Meta(
        min_length=1,
        max_length=MAX_TERM_LENGTH,
        pattern=r"^[^\x00|]*[0-9A-Za-z\u00C0-\u00D6\u00D8-\u00F6\u00F8-\u024F][^\x00|]*$",
    ),
]
Terms = Annotated[
    list[Term],
    Meta(
        max_length=MAX_TERMS,
        description="Words or short phrases that name the service in texts; the parsers use "
        "them at once (strong words in terms_*, symptoms and vague verbs in hints_*)",
        examples=[["wheel alignment", "alignment"]],
    ),
]


class ServiceIn(Struct, forbid_unknown_fields=True, kw_only=True):
    code: Code
    name: Name
    name_fr: Name
    base_price: Price
    requires_approval: bool = False
    is_active: bool = True
    terms_en: Terms = msgspec.field(default_factory=list)
    terms_fr: Terms = msgspec.field(default_factory=list)
    hints_en: Terms = msgspec.field(default_factory=list)
    hints_fr: Terms = msgspec.field(default_factory=list)
    duration_minutes: Minutes = DEFAULT_DURATION_MINUTES
    requires_photos: bool = False
    included_minutes: Included = DEFAULT_INCLUDED_MINUTES


class ServicePatch(Struct, forbid_unknown_fields=True, kw_only=True):
    name: Name | UnsetType = UNSET
    name_fr: Name | UnsetType = UNSET
    base_price: Price | UnsetType = UNSET
    requires_approval: bool | UnsetType = UNSET
    is_active: bool | UnsetType = UNSET
    terms_en: Terms | UnsetType = UNSET
    terms_fr: Terms | UnsetType = UNSET
    hints_en: Terms | UnsetType = UNSET
    hints_fr: Terms | UnsetType = UNSET
    duration_minutes: Minutes | UnsetType = UNSET
    requires_photos: bool | UnsetType = UNSET
    included_minutes: Included | UnsetType = UNSET


Phone = Annotated[str, Meta(min_length=7, max_length=32, pattern=NO_NUL)]
Email = Annotated[str, Meta(pattern=r"^[^@\s\x00]+@[^@\s\x00]+$", max_length=254)]
Address = Annotated[
    str,
    Meta(
        max_length=MAX_ADDRESS_LENGTH,
        pattern=NO_NUL,
        description="Where technicians drive to, for their phone's maps app (empty: not known)",
        examples=["2555 chemin Sainte-Foy, Québec, QC G1V 1T8"],
    ),
]

#: The values of ``DEALER_UPDATES``, in lifecycle order (a test holds the two together: a
#: Literal is what msgspec checks and the document lists as an enum).
DealerUpdate = Literal["assigned", "started", "completed"]
DealerUpdates = Annotated[
    list[DealerUpdate],
    Meta(
        # msgspec cannot refuse a repeated value in a list: the route does (a 422, as documented).
        extra_json_schema={"uniqueItems": True},
        description="The status texts the dealership receives as its jobs progress (all three "
        "when a new dealership does not say; empty for none), answered in lifecycle order",
        examples=[["assigned", "completed"]],
    ),
]


class DealershipOut(Struct):
    id: UUID
    name: str
    phone: str
    email: str
    zone_id: UUID | None
    is_audit_flagged: bool
    is_active: bool
    language: str
    notify_on: DealerUpdates
    address: str
    hourly_rate: Decimal
    """What an hour of labour beyond a service's included minutes costs it."""


class DealershipIn(Struct, forbid_unknown_fields=True, kw_only=True):
    name: Name
    phone: Phone
    email: Email
    zone_id: UUID | None = None
    is_audit_flagged: bool = False
    is_active: bool = True
    language: Annotated[str, Meta(pattern="^(en|fr)$")] = "fr"
    notify_on: DealerUpdates | UnsetType = UNSET
    address: Address = ""
    hourly_rate: Price = str(DEFAULT_HOURLY_RATE)


class DealershipPatch(Struct, forbid_unknown_fields=True, kw_only=True):
    name: Name | UnsetType = UNSET
    phone: Phone | UnsetType = UNSET
    email: Email | UnsetType = UNSET
    zone_id: UUID | UnsetType | None = UNSET
    is_audit_flagged: bool | UnsetType = UNSET
    is_active: bool | UnsetType = UNSET
    language: Annotated[str, Meta(pattern="^(en|fr)$")] | UnsetType = UNSET
    notify_on: DealerUpdates | UnsetType = UNSET
    address: Address | UnsetType = UNSET
    hourly_rate: Price | UnsetType = UNSET


Status = Annotated[str, Meta(pattern="^(AVAILABLE|BUSY|OFFLINE|ON_LEAVE)$")]


LanguageCode = Annotated[str, Meta(pattern="^(en|fr)$")]


class TechnicianOut(Struct):
    id: UUID
    name: str
    phone: str
    zone_id: UUID | None
    skills: list[str]
    status: str
    is_active: bool
    language: str


class TechnicianIn(Struct, forbid_unknown_fields=True, kw_only=True):
    name: Name
    phone: Phone
    zone_id: UUID | None = None
    skills: list[Code] = []
    status: Status = "AVAILABLE"
    is_active: bool = True
    language: LanguageCode = "fr"


class TechnicianPatch(Struct, forbid_unknown_fields=True, kw_only=True):
    name: Name | UnsetType = UNSET
    phone: Phone | UnsetType = UNSET
    zone_id: UUID | UnsetType | None = UNSET
    skills: list[Code] | UnsetType = UNSET
    status: Status | UnsetType = UNSET
    is_active: bool | UnsetType = UNSET
    language: LanguageCode | UnsetType = UNSET


UrgencyName = Annotated[str, Meta(pattern="^(LOW|MEDIUM|HIGH|CRITICAL)$")]


class RuleOut(Struct):
    id: UUID
    description: str
    dealership_id: UUID | None
    service_code: str | None
    make: str | None
    target_urgency: str | None
    ranking_score: int
    is_active: bool


class RuleIn(Struct, forbid_unknown_fields=True, kw_only=True):
    description: Name
    dealership_id: UUID | None = None
    service_code: Code | None = None
    make: Short | None = None
    target_urgency: UrgencyName | None = None
    ranking_score: Annotated[int, Meta(ge=-1000, le=1000)] = 0
    is_active: bool = True


class RulePatch(Struct, forbid_unknown_fields=True, kw_only=True):
    description: Name | UnsetType = UNSET
    dealership_id: UUID | UnsetType | None = UNSET
    service_code: Code | UnsetType | None = UNSET
    make: Short | UnsetType | None = UNSET
    target_urgency: UrgencyName | UnsetType | None = UNSET
    ranking_score: Annotated[int, Meta(ge=-1000, le=1000)] | UnsetType = UNSET
    is_active: bool | UnsetType = UNSET


class CatalogPartOut(Struct):
    id: UUID
    name: str
    sku: str
    price: Decimal
    is_active: bool


PartName = Annotated[
    str,
    Meta(
        min_length=1,
        max_length=MAX_PART_NAME,
        pattern=NO_NUL,
        description="How technicians name the part; unique in any case",
        examples=["Oil filter"],
    ),
]
Sku = Annotated[
    str,
    Meta(
        max_length=MAX_SKU,
        pattern=NO_NUL,
        description="The part's reference (empty: none); unique in any case; technicians may "
        "report the part by it",
        examples=["OF-2231"],
    ),
]


class CatalogPartIn(Struct, forbid_unknown_fields=True, kw_only=True):
    name: PartName
    price: Price
    sku: Sku = ""
    is_active: bool = True


class CatalogPartPatch(Struct, forbid_unknown_fields=True, kw_only=True):
    name: PartName | UnsetType = UNSET
    price: Price | UnsetType = UNSET
    sku: Sku | UnsetType = UNSET
    is_active: bool | UnsetType = UNSET


class PriceOut(Struct):
    id: UUID
    dealership_id: UUID
    service_code: str
    price: Decimal
    is_active: bool


class PriceIn(Struct, forbid_unknown_fields=True, kw_only=True):
    dealership_id: UUID
    service_code: Code
    price: Price
    is_active: bool = True


class PricePatch(Struct, forbid_unknown_fields=True, kw_only=True):
    dealership_id: UUID | UnsetType = UNSET
    service_code: Code | UnsetType = UNSET
    price: Price | UnsetType = UNSET
    is_active: bool | UnsetType = UNSET


class UserOut(Struct):
    id: UUID
    username: str
    role: str
    technician_id: UUID | None
    is_active: bool


class UserPage(Struct):
    items: list[UserOut]
    next_cursor: str | None = None


Password = Annotated[str, Meta(min_length=10, max_length=256, pattern=NO_NUL)]


class UserIn(Struct, forbid_unknown_fields=True, kw_only=True):
    username: Annotated[str, Meta(min_length=3, max_length=64, pattern=NO_NUL)]
    role: Annotated[str, Meta(pattern="^(admin|tech)$")]
    password: Password
    technician_id: UUID | None = None


class UserPatch(Struct, forbid_unknown_fields=True, kw_only=True):
    password: Password | UnsetType = UNSET
    is_active: bool | UnsetType = UNSET


ReferenceOut = (
    ZoneOut | ServiceOut | DealershipOut | TechnicianOut | RuleOut | CatalogPartOut | PriceOut
)


@overload
def entity_out(item: Zone) -> ZoneOut: ...
@overload
def entity_out(item: Service) -> ServiceOut: ...
@overload
def entity_out(item: Dealership) -> DealershipOut: ...
@overload
def entity_out(item: Technician) -> TechnicianOut: ...
@overload
def entity_out(item: RankingRule) -> RuleOut: ...
@overload
def entity_out(item: CatalogPart) -> CatalogPartOut: ...
@overload
def entity_out(item: DealershipPrice) -> PriceOut: ...
@overload
def entity_out(item: User) -> UserOut: ...
@overload
def entity_out(item: ReferenceEntity) -> ReferenceOut: ...
def entity_out(item: ReferenceEntity | User) -> ReferenceOut | UserOut:
    """Reference entity → its Out struct (the password hash never leaves)."""
    data = plain(item)
    if isinstance(item, Zone):
        return msgspec.convert(data, ZoneOut)
    if isinstance(item, Service):
        return ServiceOut(
            item.id,
            item.code,
            item.name,
            item.name_fr,
            item.base_price,
            item.requires_approval,
            item.is_active,
            list(item.terms_en),
            list(item.terms_fr),
            list(item.hints_en),
            list(item.hints_fr),
            item.duration_minutes,
            requires_photos=item.requires_photos,
            included_minutes=item.included_minutes,
        )
    if isinstance(item, Dealership):
        return DealershipOut(
            item.id,
            item.name,
            item.phone,
            item.email,
            item.zone_id,
            item.is_audit_flagged,
            item.is_active,
            item.language.value,
            plain(item.notify_on),
            item.address,
            item.hourly_rate,
        )
    if isinstance(item, Technician):
        return msgspec.convert(data, TechnicianOut)
    if isinstance(item, RankingRule):
        return msgspec.convert(data, RuleOut)
    if isinstance(item, CatalogPart):
        return CatalogPartOut(item.id, item.name, item.sku, item.price, item.is_active)
    if isinstance(item, DealershipPrice):
        return PriceOut(item.id, item.dealership_id, item.service_code, item.price, item.is_active)
    if isinstance(item, User):
        return UserOut(item.id, item.username, item.role.value, item.technician_id, item.is_active)
    raise TypeError(f"no output shape for {type(item).__name__}")


def present(struct: Struct) -> dict[str, Any]:
    """The fields a PATCH or POST body actually carries."""
    return {k: v for k, v in msgspec.structs.asdict(struct).items() if v is not UNSET}
