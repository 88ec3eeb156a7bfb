"""Bulk import of reference data: every row checked first, then all written in one transaction.

Rows are the columns of the CSV files an operator keeps, those of the package's seed data
(``sm2_adapters/seed_data``): references by name (a dealership's zone, a rule's dealership),
skills as ``A;B;C``. Rows that match an existing record by its natural key (zone name, service
code, phone, rule description, part name, a price's dealership and service) update it, so
importing the same file twice changes nothing.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable, Mapping, Sequence
from decimal import Decimal, InvalidOperation
from typing import Any
from uuid import UUID

import attrs

from sm2_core.domain.entities import (
    DEFAULT_DURATION_MINUTES,
    DEFAULT_HOURLY_RATE,
    DEFAULT_INCLUDED_MINUTES,
    Dealership,
)
from sm2_core.domain.enums import Language, ReferenceKind, TechnicianStatus, Urgency
from sm2_core.domain.notices import parse_updates
from sm2_core.domain.phone import normalize_phone
from sm2_core.domain.records import Actor
from sm2_core.domain.terms import TERM_FIELDS, join_terms, split_terms
from sm2_core.errors import InvalidInput, PermissionDenied, Sm2Error
from sm2_core.lifecycle import diff
from sm2_core.ports import UnitOfWork, UnitOfWorkFactory
from sm2_core.serialize import plain
from sm2_core.services.admin import AdminService
from sm2_core.services.reference import (
    ReferenceEntity,
    build,
    check_references,
    kind_spec,
    reference_kind,
)

#: The columns of each kind's CSV, in file order (exports write them in this order).
COLUMNS: dict[ReferenceKind, tuple[str, ...]] = {
    ReferenceKind.ZONES: ("name", "description", "latitude", "longitude"),
    ReferenceKind.SERVICES: (
        "code",
        "name",
        "name_fr",
        "base_price",
        "requires_approval",
        *TERM_FIELDS,
        "duration_minutes",
        "requires_photos",
        "included_minutes",
    ),
    ReferenceKind.DEALERSHIPS: (
        "name",
        "phone",
        "email",
        "zone",
        "is_audit_flagged",
        "notify_on",
        "address",
        "hourly_rate",
    ),
    ReferenceKind.TECHNICIANS: ("name", "phone", "zone", "skills", "status", "language"),
    ReferenceKind.RULES: (
        "description",
        "dealership",
        "service_code",
        "make",
        "target_urgency",
        "ranking_score",
        "is_active",
    ),
    ReferenceKind.PARTS: ("name", "sku", "price"),
    ReferenceKind.PRICES: ("dealership", "service_code", "price"),
}
#: Columns a file may leave out: the records it updates keep those values (files written before
#: services had words still import).
OPTIONAL_COLUMNS: dict[ReferenceKind, frozenset[str]] = {
    ReferenceKind.SERVICES: frozenset(
        {*TERM_FIELDS, "duration_minutes", "requires_photos", "included_minutes"}
    ),
    ReferenceKind.TECHNICIANS: frozenset({"language"}),
    ReferenceKind.DEALERSHIPS: frozenset({"notify_on", "address", "hourly_rate"}),
    # A part without a SKU needs no such column.
    ReferenceKind.PARTS: frozenset({"sku"}),
}


def missing_columns(kind: ReferenceKind, header: Sequence[str]) -> list[str]:
    """The required columns of ``kind`` that ``header`` lacks, in file order."""
    optional = OPTIONAL_COLUMNS.get(kind, frozenset())
    return [c for c in COLUMNS[kind] if c not in header and c not in optional]


_NATURAL_KEY: dict[ReferenceKind, tuple[str, ...]] = {
    ReferenceKind.ZONES: ("name",),
    ReferenceKind.SERVICES: ("code",),
    ReferenceKind.DEALERSHIPS: ("phone",),
    ReferenceKind.TECHNICIANS: ("phone",),
    ReferenceKind.RULES: ("description",),
    ReferenceKind.PARTS: ("name",),
    # A dealership has one price per service.
    ReferenceKind.PRICES: ("dealership_id", "service_code"),
}


def _natural_key(kind: ReferenceKind, value: Callable[[str], Any]) -> str:
    """The record's natural key as compared (any case), from a row's fields or an entity."""
    return "\x1f".join(str(value(field)).casefold() for field in _NATURAL_KEY[kind])


@attrs.frozen
class ImportReport:
    kind: ReferenceKind
    created: int
    updated: int
    unchanged: int


def parse_bool(text: str) -> bool:
    value = text.strip().lower()
    if value in ("true", "1", "yes", "oui", "y", "o"):
        return True
    if value in ("false", "0", "no", "non", "n", ""):
        return False
    raise ValueError(f"{text!r} is not true or false")


def _text(row: Mapping[str, str], column: str, *, required: bool = True) -> str | None:
    value = (row.get(column) or "").strip()
    if required and not value:
        raise ValueError(f"{column} is required")
    return value or None


@attrs.define(kw_only=True, frozen=True)
class ImportService:
    uow: UnitOfWorkFactory
    admin: AdminService

    async def import_rows(
        self,
        kind: ReferenceKind,
        rows: Sequence[Mapping[str, str]],
        *,
        actor: Actor,
        first_line: int = 2,
        line_numbers: Sequence[int] | None = None,
        progress: Callable[[int], None] | None = None,
    ) -> ImportReport:
        """Validate every row, then write them all or none. Errors name the row's line in the
        file: ``line_numbers`` when the reader knows them, else counted from ``first_line``."""
        kind = reference_kind(kind)
        if not actor.is_admin:
            raise PermissionDenied("Only an admin may import reference data")
        async with self.uow() as uow:
            lookups = await _Lookups.load(uow)
            items: list[dict[str, Any]] = []
            problems: dict[str, str] = {}
            seen: dict[str, int] = {}
            for offset, row in enumerate(rows):
                line = line_numbers[offset] if line_numbers else first_line + offset
                try:
                    fields = lookups.typed(kind, row)
                    build(kind_spec(kind), fields)  # the entity's own rules, by line too
                    key = _natural_key(kind, fields.__getitem__)
                    if key in seen:
                        named = " and ".join(_NATURAL_KEY[kind]).replace("_id", "")
                        raise ValueError(f"same {named} as line {seen[key]}")
                    seen[key] = line
                    items.append(fields)
                except (ValueError, Sm2Error) as exc:
                    problems[f"line {line}"] = getattr(exc, "message", str(exc))
            if problems:
                raise InvalidInput(
                    f"{len(problems)} of {len(rows)} rows are invalid; nothing was imported",
                    fields=problems,
                )
            report = await self._write(uow, kind, items, actor, progress)
        if report.created or report.updated:
            self.admin.changed(kind)
        return report

    async def _write(
        self,
        uow: UnitOfWork,
        kind: ReferenceKind,
        items: list[dict[str, Any]],
        actor: Actor,
        progress: Callable[[int], None] | None,
    ) -> ImportReport:
        spec = kind_spec(kind)
        repo = spec.repo(uow)
        existing = {
            _natural_key(kind, functools.partial(getattr, x)): x
            for x in await repo.all(include_inactive=True)
        }
        counts = {"created": 0, "updated": 0, "unchanged": 0}
        for n, fields in enumerate(items, start=1):
            key = _natural_key(kind, fields.__getitem__)
            old = existing.get(key)
            if old is None:
                item = build(spec, fields)
                await self.admin.add_item(uow, spec, item, actor=actor)
                existing[key] = item
                counts["created"] += 1
            else:
                new = build(
                    spec,
                    {**attrs.asdict(old, recurse=False), **fields},
                    item_id=old.id,
                )
                before, after = diff(old, new)
                if after:
                    await check_references(uow, new)
                    await repo.update(new)
                    await uow.audit.add(
                        self.admin.audit_entry(spec.subject, old.id, "import", actor, before, after)
                    )
                counts["updated" if after else "unchanged"] += 1
            if progress is not None:
                progress(n)
        return ImportReport(kind=kind, **counts)

    async def edit_row(
        self, kind: ReferenceKind, item_id: UUID, row: Mapping[str, str], *, actor: Actor
    ) -> ReferenceEntity:
        """Change one record from a row of its CSV format (names resolved as on import)."""
        kind = reference_kind(kind)
        async with self.uow() as uow:
            lookups = await _Lookups.load(uow)
        try:
            fields = lookups.typed(kind, row)
        except ValueError as exc:
            raise InvalidInput(str(exc)) from None
        return await self.admin.update(kind, item_id, fields, actor=actor)

    async def export_rows(self, kind: ReferenceKind) -> list[dict[str, str]]:
        """Every record of ``kind`` (inactive ones too) as rows ``import_rows`` reads back."""
        spec = kind_spec(kind)
        async with self.uow() as uow:
            zones = {z.id: z.name for z in await uow.zones.all(include_inactive=True)}
            dealers = {d.id: d.name for d in await uow.dealerships.all(include_inactive=True)}
            items: list[ReferenceEntity] = await spec.repo(uow).all(include_inactive=True)
        return [_export_row(spec.kind, item, zones, dealers) for item in items]


def _export_row(
    kind: ReferenceKind, item: ReferenceEntity, zones: dict[UUID, str], dealers: dict[UUID, str]
) -> dict[str, str]:
    def text(value: Any) -> str:
        if value is None:
            return ""
        if isinstance(value, bool):
            return "true" if value else "false"
        if isinstance(value, frozenset):
            return ";".join(sorted(value))
        if isinstance(value, tuple):
            return join_terms(value)
        return str(getattr(value, "value", value))

    values = {f.name: getattr(item, f.name) for f in attrs.fields(type(item))}
    zone_id, dealer_id = values.get("zone_id"), values.get("dealership_id")
    values["zone"] = zones.get(zone_id, "") if zone_id else ""
    values["dealership"] = dealers.get(dealer_id, "") if dealer_id else ""
    if isinstance(item, Dealership):
        # "|"-separated like the other list columns, in lifecycle order.
        values["notify_on"] = "|".join(plain(item.notify_on))
    return {column: text(values.get(column)) for column in COLUMNS[kind]}


@attrs.define
class _Lookups:
    """Names in the files → ids in the database, read once per import."""

    zones: dict[str, UUID]
    dealerships: dict[str, UUID]
    service_codes: set[str]

    @classmethod
    async def load(cls, uow: UnitOfWork) -> _Lookups:
        zones = {z.name.casefold(): z.id for z in await uow.zones.all(include_inactive=True)}
        dealers = {
            d.name.casefold(): d.id for d in await uow.dealerships.all(include_inactive=True)
        }
        codes = {s.code for s in await uow.services.all(include_inactive=True)}
        return cls(zones, dealers, codes)

    def _zone(self, name: str | None) -> UUID | None:
        if name is None:
            return None
        try:
            return self.zones[name.casefold()]
        except KeyError:
            raise ValueError(f"unknown zone {name!r}") from None

    def typed(self, kind: ReferenceKind, row: Mapping[str, str]) -> dict[str, Any]:
        return _TYPED[kind](self, row)


def _zone_row(_: _Lookups, row: Mapping[str, str]) -> dict[str, Any]:
    try:
        lat, lon = float(row.get("latitude", "")), float(row.get("longitude", ""))
    except ValueError:
        raise ValueError("latitude and longitude must be numbers") from None
    return {
        "name": _text(row, "name"),
        "description": _text(row, "description", required=False) or "",
        "latitude": lat,
        "longitude": lon,
    }


def _service_row(_: _Lookups, row: Mapping[str, str]) -> dict[str, Any]:
    try:
        price = Decimal((row.get("base_price") or "").strip())
    except InvalidOperation:
        raise ValueError("base_price must be a number") from None
    return {
        "code": (_text(row, "code") or "").upper(),
        "name": _text(row, "name"),
        "name_fr": _text(row, "name_fr", required=False) or _text(row, "name"),
        "base_price": price,
        "requires_approval": parse_bool(row.get("requires_approval", "")),
        # A file without a terms column keeps the service's words; an empty cell clears them.
        **{f: split_terms(row[f] or "") for f in TERM_FIELDS if f in row},
        # Without the column a service keeps its duration; an empty cell is the default hour.
        **(
            {"duration_minutes": _minutes(row["duration_minutes"])}
            if "duration_minutes" in row
            else {}
        ),
        # The same for photos: kept without the column, an empty cell is "not required".
        **(
            {"requires_photos": parse_bool(row["requires_photos"] or "")}
            if "requires_photos" in row
            else {}
        ),
        # And for the labour its price includes: an empty cell is the default hour.
        **(
            {"included_minutes": _included(row["included_minutes"])}
            if "included_minutes" in row
            else {}
        ),
    }


def _included(text: str | None) -> int:
    value = (text or "").strip()
    if not value:
        return DEFAULT_INCLUDED_MINUTES
    try:
        return int(value)
    except ValueError:
        raise ValueError("included_minutes must be a whole number of minutes") from None


def _money(text: str | None, column: str, *, default: Decimal | None = None) -> Decimal:
    """A price cell: dollars and cents with a dot (``95.00``); empty is ``default``."""
    value = (text or "").strip()
    if not value and default is not None:
        return default
    try:
        return Decimal(value)
    except InvalidOperation:
        raise ValueError(f"{column} must be a number, e.g. 95.00") from None


def _minutes(text: str | None) -> int:
    value = (text or "").strip()
    if not value:
        return DEFAULT_DURATION_MINUTES
    try:
        return int(value)
    except ValueError:
        raise ValueError("duration_minutes must be a whole number of minutes") from None


def _dealership_row(lk: _Lookups, row: Mapping[str, str]) -> dict[str, Any]:
    return {
        "name": _text(row, "name"),
        "phone": normalize_phone(_text(row, "phone") or ""),
        "email": _text(row, "email"),
        "zone_id": lk._zone(_text(row, "zone", required=False)),
        "is_audit_flagged": parse_bool(row.get("is_audit_flagged", "")),
        # Without the column a dealership keeps its choice; an empty cell means no status texts.
        **({"notify_on": parse_updates(row["notify_on"] or "")} if "notify_on" in row else {}),
        # The same for its address: kept without the column, cleared by an empty cell.
        **({"address": (row["address"] or "").strip()} if "address" in row else {}),
        # And its hourly rate: kept without the column, an empty cell is the default rate.
        **(
            {"hourly_rate": _money(row["hourly_rate"], "hourly_rate", default=DEFAULT_HOURLY_RATE)}
            if "hourly_rate" in row
            else {}
        ),
    }


def _skills(text: str | None, known: Iterable[str]) -> frozenset[str]:
    skills = frozenset(s.strip().upper() for s in (text or "").split(";") if s.strip())
    unknown = sorted(skills - set(known))
    if unknown:
        raise ValueError(f"unknown service codes {', '.join(unknown)}")
    return skills


def _technician_row(lk: _Lookups, row: Mapping[str, str]) -> dict[str, Any]:
    status = (_text(row, "status", required=False) or "AVAILABLE").upper()
    if status not in TechnicianStatus.__members__:
        raise ValueError(f"status must be one of {', '.join(TechnicianStatus.__members__)}")
    return {
        "name": _text(row, "name"),
        "phone": normalize_phone(_text(row, "phone") or ""),
        "zone_id": lk._zone(_text(row, "zone", required=False)),
        "skills": _skills(row.get("skills"), lk.service_codes),
        "status": TechnicianStatus[status],
        **({"language": _language(row["language"])} if "language" in row else {}),
    }


def _language(text: str | None) -> Language:
    """A file's language cell: ``fr`` or ``en`` (any case); empty is French, the default."""
    value = (text or "").strip().lower() or Language.FR.value
    try:
        return Language(value)
    except ValueError:
        raise ValueError("language must be fr or en") from None


def _rule_row(lk: _Lookups, row: Mapping[str, str]) -> dict[str, Any]:
    dealer = _text(row, "dealership", required=False)
    if dealer is not None and dealer.casefold() not in lk.dealerships:
        raise ValueError(f"unknown dealership {dealer!r}")
    code = _text(row, "service_code", required=False)
    if code is not None and code.upper() not in lk.service_codes:
        raise ValueError(f"unknown service code {code!r}")
    target = _text(row, "target_urgency", required=False)
    if target is not None and target.upper() not in Urgency.__members__:
        raise ValueError(f"target_urgency must be one of {', '.join(Urgency.__members__)}")
    try:
        score = int(row.get("ranking_score") or 0)
    except ValueError:
        raise ValueError("ranking_score must be a whole number") from None
    return {
        "description": _text(row, "description"),
        "dealership_id": lk.dealerships[dealer.casefold()] if dealer else None,
        "service_code": code.upper() if code else None,
        "make": _text(row, "make", required=False),
        "target_urgency": Urgency[target.upper()] if target else None,
        "ranking_score": score,
        "is_active": parse_bool(row.get("is_active") or "true"),
    }


def _part_row(_: _Lookups, row: Mapping[str, str]) -> dict[str, Any]:
    return {
        "name": _text(row, "name"),
        # Without the column (or with an empty cell) a part has no SKU.
        "sku": _text(row, "sku", required=False) or "",
        "price": _money(row.get("price"), "price"),
    }


def _price_row(lk: _Lookups, row: Mapping[str, str]) -> dict[str, Any]:
    dealer = _text(row, "dealership") or ""
    if dealer.casefold() not in lk.dealerships:
        raise ValueError(f"unknown dealership {dealer!r}")
    code = (_text(row, "service_code") or "").upper()
    if code not in lk.service_codes:
        raise ValueError(f"unknown service code {code!r}")
    return {
        "dealership_id": lk.dealerships[dealer.casefold()],
        "service_code": code,
        "price": _money(row.get("price"), "price"),
    }


_TYPED: dict[ReferenceKind, Callable[[_Lookups, Mapping[str, str]], dict[str, Any]]] = {
    ReferenceKind.ZONES: _zone_row,
    ReferenceKind.SERVICES: _service_row,
    ReferenceKind.DEALERSHIPS: _dealership_row,
    ReferenceKind.TECHNICIANS: _technician_row,
    ReferenceKind.RULES: _rule_row,
    ReferenceKind.PARTS: _part_row,
    ReferenceKind.PRICES: _price_row,
}
