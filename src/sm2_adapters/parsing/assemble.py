"""Mentions in text order → one vehicle each, with shared service, model and year filled in."""

from __future__ import annotations

from collections.abc import Sequence

import attrs

from sm2_adapters.parsing.identifiers import StockMention, VinMention
from sm2_adapters.parsing.services import ServiceMention, choose_service
from sm2_adapters.parsing.vehicles import VehiclePhrase, sold_in
from sm2_core.domain.vin import Vin

Item = VinMention | StockMention | VehiclePhrase | ServiceMention


@attrs.define
class Draft:
    """One vehicle being read, with every mention that landed on it."""

    vin: VinMention | None = None
    stock: StockMention | None = None
    phrase: VehiclePhrase | None = None
    services: list[ServiceMention] = attrs.Factory(list)
    last_descriptor: int = -1

    @property
    def described(self) -> bool:
        p = self.phrase
        return bool(self.vin or self.stock or (p and (p.model or p.brand)))

    def conflicts(self, item: Item) -> bool:
        if isinstance(item, VinMention):
            return self.vin is not None and self.vin.value != item.value
        if isinstance(item, StockMention):
            return self.stock is not None and self.stock.value != item.value
        if isinstance(item, VehiclePhrase) and self.phrase is not None:
            mine = self.phrase
            return any(
                new is not None and old is not None and new != old
                for new, old in (
                    (item.year, mine.year),
                    (item.brand, mine.brand),
                    (item.model, mine.model),
                )
            )
        return False

    def add(self, item: Item) -> None:
        if isinstance(item, ServiceMention):
            self.services.append(item)
            return
        self.last_descriptor = item.start
        if isinstance(item, VinMention):
            self.vin = item
        elif isinstance(item, StockMention):
            self.stock = item
        elif isinstance(item, VehiclePhrase):
            self.phrase = item if self.phrase is None else _merge(self.phrase, item)

    def split_off(self) -> Draft:
        """A new vehicle; services after this one's last words move to it when this one
        already had its own service ("oil change on the RAV4 and brakes on the Corolla")."""
        nxt = Draft()
        if any(s.start < self.last_descriptor for s in self.services):
            nxt.services = [s for s in self.services if s.start > self.last_descriptor]
            self.services = [s for s in self.services if s.start < self.last_descriptor]
        return nxt


def _merge(a: VehiclePhrase, b: VehiclePhrase) -> VehiclePhrase:
    model_from = a if a.model else b
    return VehiclePhrase(
        start=a.start,
        year=a.year or b.year,
        brand=a.brand or b.brand,
        model_makes=model_from.model_makes,
        model=model_from.model,
        fuzzy_model=model_from.fuzzy_model,
        fuzzy_brand=a.fuzzy_brand if a.brand else b.fuzzy_brand,
        model_names=model_from.model_names,
        make_hinted=model_from.make_hinted,
        unknown_name=not (a.model or b.model) and (a.unknown_name or b.unknown_name),
    )


def group(items: Sequence[Item]) -> list[Draft]:
    drafts = [Draft()]
    for item in sorted(items, key=lambda i: i.start):
        if drafts[-1].conflicts(item):
            drafts.append(drafts[-1].split_off())
        drafts[-1].add(item)
    return _fold_undescribed(_realign_lists(drafts))


def _realign_lists(drafts: list[Draft]) -> list[Draft]:
    """Vehicles named first and their stock numbers listed after ("vidange sur la Corolla et
    pneus sur la Camry, stock T1122 et T1133"): pair them in order."""
    named = [d for d in drafts if d.phrase and d.phrase.model]
    starts = [d.phrase.start for d in named if d.phrase]
    loose = [d for d in drafts if not (d.phrase and d.phrase.model) and (d.stock or d.vin)]
    if not loose or len(named) < 2:
        return drafts
    for field in ("stock", "vin"):
        values = [getattr(d, field) for d in drafts if getattr(d, field) is not None]
        first_value = min((v.start for v in values), default=-1)
        if len(values) == len(named) and all(s < first_value for s in starts):
            for draft, value in zip(named, values, strict=True):
                setattr(draft, field, value)
            for draft in loose:
                setattr(draft, field, None)
    return [d for d in drafts if d.described or d.services or d.phrase]


def _fold_undescribed(drafts: list[Draft]) -> list[Draft]:
    """Words that named no vehicle (a second service, a lone year) join their neighbour."""
    kept = [d for d in drafts if d.described]
    if not kept:
        merged = Draft()
        for d in drafts:
            merged.services += d.services
            if d.phrase and merged.phrase is None:
                merged.phrase = d.phrase
        return [merged] if merged.services or merged.phrase else []
    for i, draft in enumerate(drafts):
        if draft.described:
            continue
        target = next((d for d in reversed(drafts[:i]) if d.described), kept[0])
        target.services = sorted(target.services + draft.services, key=lambda s: s.start)
        if draft.phrase and target.phrase and target.phrase.year is None and draft.phrase.year:
            target.phrase = attrs.evolve(target.phrase, year=draft.phrase.year)
    return kept


@attrs.define
class Vehicle:
    """A resolved vehicle with the evidence of how each field was read."""

    year: int | None = None
    make: str | None = None
    model: str | None = None
    vin: VinMention | None = None
    stock: StockMention | None = None
    service: ServiceMention | None = None
    service_codes: int = 0
    year_from_vin: bool = False
    model_fuzzy: bool = False
    make_ambiguous: bool = False
    inherited: set[str] = attrs.Factory(set)
    conflicts: list[str] = attrs.Factory(list)
    brand_written: str | None = None
    unknown_name: bool = False


def resolve(
    draft: Draft, shared_groups: Sequence[frozenset[str]], diagnostic: str | None = None
) -> Vehicle:
    p = draft.phrase
    vin = Vin(draft.vin.value) if draft.vin and draft.vin.valid else None
    vin_make = vin.make if vin else None
    v = Vehicle(
        vin=draft.vin,
        stock=draft.stock,
        service=choose_service(draft.services, diagnostic),
        service_codes=len({s.code for s in draft.services if s.strong}),
    )
    if p is not None:
        v.year, v.model, v.model_fuzzy, v.brand_written = p.year, p.model, p.fuzzy_model, p.brand
        v.unknown_name = p.unknown_name
        year = p.year or (vin.model_year if vin else None)
        v.make, v.make_ambiguous = _make(p, vin_make, year, v.conflicts)
        v.model = _model_as_make_prints_it(p, v.make)
    if vin is not None:
        _apply_vin(v, vin, shared_groups)
    return v


def _make(
    p: VehiclePhrase, vin_make: str | None, year: int | None, conflicts: list[str]
) -> tuple[str | None, bool]:
    """The make of a model: the brand written, else the VIN's maker, else the one make that
    sold it that year, else the dealership's own brand (``make_hinted``), else a guess."""
    if not p.model_makes:
        return p.brand, False
    for wanted in (p.brand, vin_make):
        if wanted in p.model_makes:
            return wanted, False
    if p.brand:
        conflicts.append(f"{p.brand} does not make a {p.model}")
    makes = p.model_makes
    if year is not None and len(makes) == len(p.model_names):
        sold = [m for m, name in zip(makes, p.model_names, strict=True) if sold_in(m, name, year)]
        makes = tuple(sold) or makes
    if len(makes) == 1:
        return makes[0], False
    # The dealership's brand breaks a tie only: a make it chose is no longer a guess.
    return makes[0], not (p.make_hinted and makes[0] == p.model_makes[0])


def _model_as_make_prints_it(p: VehiclePhrase, make: str | None) -> str | None:
    """A model two makes sell under different names ("Ram 1500" at Dodge, "1500" at Ram)."""
    if make in p.model_makes and len(p.model_names) == len(p.model_makes):
        return p.model_names[p.model_makes.index(make)]
    return p.model


def _apply_vin(v: Vehicle, vin: Vin, shared_groups: Sequence[frozenset[str]]) -> None:
    vin_make, vin_year = vin.make, vin.model_year
    if v.make is None:
        v.make = vin_make
    elif (
        vin_make and vin_make != v.make and not any({vin_make, v.make} <= g for g in shared_groups)
    ):
        v.conflicts.append(f"brand in text disagrees with VIN ({v.make} vs {vin_make})")
    if v.year is None and vin_year is not None:
        v.year, v.year_from_vin = vin_year, True
    elif vin_year is not None and v.year != vin_year:
        v.conflicts.append(f"year in text disagrees with VIN ({v.year} vs {vin_year})")


def share(vehicles: list[Vehicle]) -> None:
    """Fields written once for several vehicles ("3 PDI: K2401, K2402, K2405 (2023 Sportage)")."""
    for i, v in enumerate(vehicles):
        others = vehicles[:i][::-1] + vehicles[i + 1 :]
        if v.service is None:
            source = next((o for o in others if o.service and "service" not in o.inherited), None)
            if source is not None:
                v.service = source.service
                v.inherited.add("service")
        models = {(o.make, o.model) for o in others if o.model}
        if v.model is None and len(models) == 1:
            make, model = next(iter(models))
            if v.make in (None, make):
                v.make, v.model = make, model
                v.inherited.add("model")
        years = {o.year for o in others if o.year and not o.year_from_vin and o.model == v.model}
        if v.year is None and len(years) == 1:
            v.year = next(iter(years))
            v.inherited.add("year")
