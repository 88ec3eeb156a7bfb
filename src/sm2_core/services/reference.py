"""The kinds of reference data: each one's entity, its repository, and how a record is built.

Shared by :mod:`sm2_core.services.admin` (one record at a time) and
:mod:`sm2_core.services.imports` (many rows in one unit of work).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from decimal import Decimal
from typing import Any, Literal, TypeAlias
from uuid import UUID, uuid4

import attrs

from sm2_core.domain.entities import (
    MAX_ADDRESS_LENGTH,
    MAX_DURATION_MINUTES,
    MAX_INCLUDED_MINUTES,
    MIN_DURATION_MINUTES,
    Dealership,
    RankingRule,
    Service,
    Technician,
    Zone,
)
from sm2_core.domain.enums import ReferenceKind
from sm2_core.domain.notices import parse_updates
from sm2_core.domain.phone import normalize_phone
from sm2_core.domain.pricing import MAX_PART_NAME, MAX_SKU, CatalogPart, DealershipPrice
from sm2_core.domain.terms import clean_terms
from sm2_core.errors import InvalidInput, NotFound
from sm2_core.ports import Repository, UnitOfWork

#: A record of any kind of reference data.
ReferenceEntity: TypeAlias = (
    Zone | Service | Dealership | Technician | RankingRule | CatalogPart | DealershipPrice
)

# Each kind as a type, so the services can say what a kind gives back (see AdminService).
ZoneKind: TypeAlias = Literal[ReferenceKind.ZONES]
ServiceKind: TypeAlias = Literal[ReferenceKind.SERVICES]
DealershipKind: TypeAlias = Literal[ReferenceKind.DEALERSHIPS]
TechnicianKind: TypeAlias = Literal[ReferenceKind.TECHNICIANS]
RuleKind: TypeAlias = Literal[ReferenceKind.RULES]
PartKind: TypeAlias = Literal[ReferenceKind.PARTS]
PriceKind: TypeAlias = Literal[ReferenceKind.PRICES]


@attrs.frozen
class Kind:
    """One kind of reference data and how to find its repository in a unit of work."""

    kind: ReferenceKind
    entity: type[ReferenceEntity]
    repo: Callable[[UnitOfWork], Repository[Any]]

    @property
    def subject(self) -> str:
        return self.kind.subject


KINDS: dict[ReferenceKind, Kind] = {
    k.kind: k
    for k in (
        Kind(ReferenceKind.ZONES, Zone, lambda u: u.zones),
        Kind(ReferenceKind.SERVICES, Service, lambda u: u.services),
        Kind(ReferenceKind.DEALERSHIPS, Dealership, lambda u: u.dealerships),
        Kind(ReferenceKind.TECHNICIANS, Technician, lambda u: u.technicians),
        Kind(ReferenceKind.RULES, RankingRule, lambda u: u.rules),
        Kind(ReferenceKind.PARTS, CatalogPart, lambda u: u.parts),
        Kind(ReferenceKind.PRICES, DealershipPrice, lambda u: u.prices),
    )
}


def reference_kind(name: str) -> ReferenceKind:
    """The kind a person typed (``zones``), or InvalidInput naming the kinds there are."""
    try:
        return ReferenceKind(name)
    except ValueError:
        known = ", ".join(ReferenceKind)
        raise InvalidInput(f"unknown kind {name!r}; one of {known}") from None


def kind_spec(kind: ReferenceKind) -> Kind:
    return KINDS[reference_kind(kind)]


async def load_all(
    uow: UnitOfWork, kind: ReferenceKind, *, include_inactive: bool = False
) -> list[ReferenceEntity]:
    items: list[ReferenceEntity] = (
        await kind_spec(kind).repo(uow).all(include_inactive=include_inactive)
    )
    return items


def build(kind: Kind, fields: Mapping[str, Any], *, item_id: UUID | None = None) -> ReferenceEntity:
    """A new entity of ``kind`` from typed fields, with every problem named."""
    known = {f.name: f for f in attrs.fields(kind.entity)}
    unknown = sorted(set(fields) - set(known) - {"id"})
    missing = sorted(
        name
        for name, f in known.items()
        if name != "id" and f.default is attrs.NOTHING and name not in fields
    )
    problems = {**dict.fromkeys(unknown, "unknown field"), **dict.fromkeys(missing, "required")}
    if problems:
        raise InvalidInput(f"invalid {kind.subject}", fields=problems)
    values = {k: v for k, v in fields.items() if k != "id"}
    return _normalized(kind.entity(id=item_id or uuid4(), **values))


def _normalized(item: ReferenceEntity) -> ReferenceEntity:
    if isinstance(item, Dealership | Technician):
        item = attrs.evolve(item, phone=normalize_phone(item.phone))
    if isinstance(item, Dealership):
        _check_price(item.hourly_rate, "hourly_rate")
        item = attrs.evolve(
            item,
            notify_on=parse_updates(item.notify_on),
            address=_address(item.address),
            hourly_rate=_cents(item.hourly_rate),
        )
    if isinstance(item, Service):
        _check_price(item.base_price)
        _check_duration(item.duration_minutes)
        _check_included(item.included_minutes)
        item = attrs.evolve(
            item,
            code=item.code.strip().upper(),
            terms_en=clean_terms("terms_en", item.terms_en),
            terms_fr=clean_terms("terms_fr", item.terms_fr),
            hints_en=clean_terms("hints_en", item.hints_en),
            hints_fr=clean_terms("hints_fr", item.hints_fr),
        )
    if isinstance(item, RankingRule) and item.service_code is not None:
        item = attrs.evolve(item, service_code=item.service_code.strip().upper())
    if isinstance(item, Technician):
        item = attrs.evolve(item, skills=frozenset(s.strip().upper() for s in item.skills))
    if isinstance(item, CatalogPart):
        _check_price(item.price, "price")
        item = attrs.evolve(
            item,
            name=_label(item.name, "name", MAX_PART_NAME, required=True),
            sku=_label(item.sku, "sku", MAX_SKU),
            price=_cents(item.price),
        )
    if isinstance(item, DealershipPrice):
        _check_price(item.price, "price")
        item = attrs.evolve(
            item, service_code=item.service_code.strip().upper(), price=_cents(item.price)
        )
    if isinstance(item, Zone) and not (
        -90 <= item.latitude <= 90 and -180 <= item.longitude <= 180
    ):
        raise InvalidInput("coordinates out of range", fields={"latitude": "out of range"})
    return item


MAX_PRICE = Decimal("9999999999.99")


def _check_price(price: Decimal, field: str = "base_price") -> None:
    """Dollars and cents: finite, not negative, at most two decimals, within the column."""
    if not isinstance(price, Decimal) or not price.is_finite() or price < 0 or price > MAX_PRICE:
        raise InvalidInput(f"{price} is not a price", fields={field: "not a price"})
    if price != price.quantize(Decimal("0.01")):
        raise InvalidInput(
            f"{price} has more than two decimals", fields={field: "at most two decimals"}
        )


def _cents(price: Decimal) -> Decimal:
    """A checked price as the database keeps it: with its two decimals (35 is 35.00)."""
    return price.quantize(Decimal("0.01")) + 0


def _check_included(minutes: int) -> None:
    """Labour a service's price includes: a whole number of minutes, none to a day."""
    if not isinstance(minutes, int) or isinstance(minutes, bool):
        raise InvalidInput(
            f"included_minutes must be a whole number, not {minutes!r}",
            fields={"included_minutes": "not a whole number"},
        )
    if not 0 <= minutes <= MAX_INCLUDED_MINUTES:
        raise InvalidInput(
            f"included_minutes must be 0 to {MAX_INCLUDED_MINUTES}, not {minutes}",
            fields={"included_minutes": f"not 0 to {MAX_INCLUDED_MINUTES}"},
        )


def _label(text: str, field: str, limit: int, *, required: bool = False) -> str:
    """A part's name or SKU as stored: spaces trimmed and collapsed (as reports are matched),
    bounded, no NUL."""
    if not isinstance(text, str):
        raise InvalidInput(f"{field} must be text", fields={field: "not text"})
    value = " ".join(text.split())
    if required and not value:
        raise InvalidInput(f"{field} is required", fields={field: "required"})
    if len(value) > limit:
        raise InvalidInput(
            f"{field} is longer than {limit} characters", fields={field: f"at most {limit}"}
        )
    if "\x00" in value:
        raise InvalidInput(f"{field} contains a NUL character", fields={field: "NUL"})
    return value


def _check_duration(minutes: int) -> None:
    """A whole number of minutes, from 5 minutes to 12 hours (the longest window)."""
    # bool is an int to Python, not to a person: True minutes is refused like "60".
    if not isinstance(minutes, int) or isinstance(minutes, bool):
        raise InvalidInput(
            f"duration_minutes must be a whole number, not {minutes!r}",
            fields={"duration_minutes": "not a whole number"},
        )
    if not MIN_DURATION_MINUTES <= minutes <= MAX_DURATION_MINUTES:
        raise InvalidInput(
            f"duration_minutes must be {MIN_DURATION_MINUTES} to {MAX_DURATION_MINUTES}, "
            f"not {minutes}",
            fields={"duration_minutes": f"not {MIN_DURATION_MINUTES} to {MAX_DURATION_MINUTES}"},
        )


def _address(text: str) -> str:
    """The address as stored: trimmed, bounded, nothing PostgreSQL cannot keep."""
    if not isinstance(text, str):
        raise InvalidInput("address must be text", fields={"address": "not text"})
    address = text.strip()
    if len(address) > MAX_ADDRESS_LENGTH:
        raise InvalidInput(
            f"address is longer than {MAX_ADDRESS_LENGTH} characters",
            fields={"address": f"at most {MAX_ADDRESS_LENGTH} characters"},
        )
    if "\x00" in address:
        raise InvalidInput("address contains a NUL character", fields={"address": "NUL"})
    return address


async def check_references(uow: UnitOfWork, item: ReferenceEntity) -> None:
    """Everything an entity points at must exist, or the row is refused as invalid input
    naming the field (the entity itself was found: a 404 would say it was not)."""
    zone_id = getattr(item, "zone_id", None)
    if zone_id is not None:
        await _referenced(uow.zones.get(zone_id), "zone_id")
    if isinstance(item, Technician):
        codes = {s.code for s in await uow.services.all(include_inactive=True)}
        unknown = sorted(item.skills - codes)
        if unknown:
            raise InvalidInput(
                f"unknown service codes {unknown}", fields={"skills": "unknown codes"}
            )
    if isinstance(item, RankingRule | DealershipPrice):
        if item.dealership_id is not None:
            await _referenced(uow.dealerships.get(item.dealership_id), "dealership_id")
        if item.service_code is not None and await uow.services.by_code(item.service_code) is None:
            raise InvalidInput(
                f"service {item.service_code} not found", fields={"service_code": "not found"}
            )


async def _referenced(lookup: Awaitable[object], field: str) -> None:
    try:
        await lookup
    except NotFound as exc:
        raise InvalidInput(str(exc), fields={field: "not found"}) from exc
