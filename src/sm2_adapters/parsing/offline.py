"""The offline parser: vocabulary and rules, no network, a few hundred microseconds a message."""

from __future__ import annotations

import re
from collections.abc import Collection, Sequence
from uuid import UUID

import attrs

from sm2_adapters.parsing import vocab_vehicles, vocab_words
from sm2_adapters.parsing.assemble import Vehicle, group, resolve, share
from sm2_adapters.parsing.catalog import AC_MARK, ServiceCatalog, compile_services, vehicle_catalog
from sm2_adapters.parsing.identifiers import VinMention, find_stocks, find_vins
from sm2_adapters.parsing.intent import language_of, non_work_reason
from sm2_adapters.parsing.scoring import score
from sm2_adapters.parsing.services import ServiceMention, find_services, urgency_of
from sm2_adapters.parsing.text import Token, fold, tokenize
from sm2_adapters.parsing.vehicles import (
    Context,
    VehiclePhrase,
    believe_brands,
    believe_models,
    brands_in,
    family_model,
    find_names,
    find_years,
    phrases,
    years_after_models,
)
from sm2_adapters.parsing.when import read_when
from sm2_core.domain.enums import Language, Urgency
from sm2_core.domain.vin import Vin
from sm2_core.parsing import CatalogSnapshot, ParsedRequest, ParseResult
from sm2_core.ports import ParsingCatalog

PARSER_NAME = "offline"
# A count of vehicles: "2x", "x 3", "qty 2", "qté: 3", "3 units", "deux PDI".
_QUANTITY = re.compile(
    r"\b(\d{1,2})\s?x\b|\bx\s?(\d{1,2})\b|\b(?:qty|qte|quantite)\s?[:.]?\s?(\d{1,2})\b"
    r"|\b(\d{1,2}|two|three|four|five|deux|trois|quatre|cinq)"
    r"\s+(?:units|unites|vehicules|vehicles|cars|autos|chars|camions|trucks|voitures|pdis?)\b"
)
_NUMBER_WORDS = {
    "two": 2,
    "three": 3,
    "four": 4,
    "five": 5,
    "deux": 2,
    "trois": 3,
    "quatre": 4,
    "cinq": 5,
}
#: A count the vehicles read do not match: a vehicle was likely missed or made up.
QUANTITY_MISMATCH = 0.3


@attrs.frozen
class _Quantity:
    count: int
    start: int
    end: int


class OfflineParser:
    """Reads dealership texts (English, French, mixed) into work requests without any service."""

    name = PARSER_NAME

    def __init__(self, catalog: ParsingCatalog | CatalogSnapshot | None = None) -> None:
        """``catalog``: the live catalog (each parse reads its current snapshot), one fixed
        snapshot, or None for the demo catalog that ships with the package."""
        self._vehicles = vehicle_catalog()
        self._source = catalog if not isinstance(catalog, CatalogSnapshot | None) else None
        fixed = catalog if isinstance(catalog, CatalogSnapshot) else None
        self._compiled: tuple[CatalogSnapshot, _Tables] | None = None
        self._use(fixed or _demo_snapshot())

    async def parse(self, body: str, *, dealership_id: UUID | None = None) -> ParseResult:
        if self._source is not None:
            self._use(await self._source.snapshot())
        return self.parse_text(body, makes_hint=self.makes_of(dealership_id))

    def makes_of(self, dealership_id: UUID | None) -> frozenset[str]:
        """The brands a dealership sells, from its name in the catalog ("Kia de Québec")."""
        dealer = self.catalog.dealerships.get(dealership_id) if dealership_id else None
        return brands_in(dealer.name) if dealer is not None else frozenset()

    def _use(self, snapshot: CatalogSnapshot) -> None:
        """Read with ``snapshot``'s services from now on; compiled once per snapshot.

        Parsing itself never awaits, so on one event loop no parse sees another's switch."""
        if self._compiled is None or self._compiled[0] is not snapshot:
            self._compiled = (snapshot, _tables(snapshot, self._vehicles.brands))
        tables = self._compiled[1]
        self._services, self._words = tables.services, tables.words

    @property
    def catalog(self) -> CatalogSnapshot:
        """The snapshot the next ``parse_text`` reads with."""
        assert self._compiled is not None
        return self._compiled[0]

    def parse_text(self, body: str, *, makes_hint: frozenset[str] = frozenset()) -> ParseResult:
        """``makes_hint``: the makes the dealership sells (as the catalog spells them, e.g.
        "Kia"); used only to choose between brands that sell a model of the same name."""
        folded = AC_MARK.sub(lambda m: "ac".ljust(len(m.group())), fold(body))
        vins, folded = find_vins(folded, self._is_word)
        quantities = _quantities(folded)
        stocks, folded = find_stocks(
            folded,
            body,
            self._is_model,
            self._vehicles.models.__contains__,
            count=next((q.count for q in quantities if 2 <= q.count <= 20), 0),
        )
        tokens = tokenize(body, folded)
        urgency, _ = urgency_of(tokens)
        language = language_of(tokens, body)
        services = find_services(self._services, tokens)
        vehicle_phrases, named = self._phrases(
            tokens,
            folded,
            vins,
            services,
            quantities=_quantity_tokens(quantities, tokens),
            identifiers=len(vins) + len(stocks),
            makes_hint=makes_hint,
        )
        services = [s for s in services if not named & set(range(s.first, s.last + 1))]
        reason = non_work_reason(
            tokens,
            body,
            # A hint ("bruit", "leak") asks for work only about a vehicle that was named.
            asks_service=any(s.strong for s in services)
            or bool(services and (vehicle_phrases or vins or stocks)),
            strong_service=any(s.strong for s in services),
            identified=bool(vins or stocks),
            described=any(p.model or p.brand for p in vehicle_phrases),
        )
        if reason is not None:
            return _non_work(reason, language, urgency, bool(services or vins or stocks))
        vehicles = [
            resolve(d, vocab_vehicles.SHARED_WMI_GROUPS, self._services.diagnostic)
            for d in group([*vins, *stocks, *vehicle_phrases, *services])
        ]
        share(vehicles)
        extra, quantity_warning = _quantity_check(quantities, tokens, named, len(vehicles))
        confidence, warnings = score(vehicles, extra)
        return ParseResult(
            requests=tuple(_request(v) for v in vehicles),
            confidence=confidence,
            language=language,
            parser=PARSER_NAME,
            urgency=urgency,
            warnings=tuple(warnings + quantity_warning),
            # Only a text that asks for work proposes a time for it: "vendu ce matin" in a
            # cancellation, "bonne fin de journée" in a thank-you name none.
            when=read_when(body),
        )

    def _phrases(
        self,
        tokens: Sequence[Token],
        folded: str,
        vins: Sequence[VinMention],
        services: Sequence[ServiceMention],
        *,
        quantities: frozenset[int],
        identifiers: int,
        makes_hint: frozenset[str],
    ) -> tuple[list[VehiclePhrase], set[int]]:
        """Vehicle phrases, and the token indexes that name a brand or model.

        ``quantities``: tokens of a count ("x2"); ``identifiers``: VINs and stock numbers read;
        ``makes_hint``: the dealership's brands."""
        in_phrases = {i for s in services if s.last > s.first for i in range(s.first, s.last + 1)}
        years = find_years(tokens, folded)
        taken = in_phrases | {y.first for y in years}
        names = find_names(self._vehicles, tokens, folded, taken, self._words)
        vin_makes = frozenset(m for v in vins if v.valid and (m := Vin(v.value).make))
        ctx = Context(
            tokens,
            folded,
            years,
            vin_makes,
            has_service=bool(services),
            quantities=quantities,
            identifiers=identifiers,
            makes_hint=makes_hint,
            known=self._words,
        )
        brands = believe_brands(
            [a for a in names if a.kind == "brand"], [a for a in names if a.kind == "model"], ctx
        )
        models = believe_models([a for a in names if a.kind == "model"], brands, ctx)
        years = years + years_after_models(models, years, ctx)
        named = {i for a in (*brands, *models) for i in range(a.first, a.last + 1)}
        return phrases([*brands, *models, *years], ctx), named

    def _is_word(self, piece: str) -> bool:
        return piece in self._words or self._is_model(piece)

    def _is_model(self, key: str) -> bool:
        key = key.replace("-", "")
        return key in self._vehicles.models or family_model(key) is not None


@attrs.frozen
class _Tables:
    services: ServiceCatalog
    words: frozenset[str]
    """Words that are not identifiers: a VIN or stock number is never one of these."""


def _tables(snapshot: CatalogSnapshot, brands: Collection[str]) -> _Tables:
    services = compile_services(snapshot.services)
    return _Tables(
        services,
        frozenset(
            services.vocabulary
            | vocab_words.FILLER_WORDS
            | vocab_words.COMMON_WORDS
            | vocab_words.FRENCH_MARKERS
            | vocab_words.ENGLISH_MARKERS
            | set(brands)
        ),
    )


def _demo_snapshot() -> CatalogSnapshot:
    from sm2_adapters.seed import demo_catalog  # the package's data, read once

    return demo_catalog()


def _request(v: Vehicle) -> ParsedRequest:
    return ParsedRequest(
        year=v.year,
        make=v.make,
        model=v.model,
        vin=v.vin.value if v.vin else None,
        stock_no=v.stock.value if v.stock else None,
        service_code=v.service.code if v.service else None,
    )


def _non_work(reason: str, language: Language, urgency: Urgency, had_signals: bool) -> ParseResult:
    plain = reason in ("keyword", "nothing asked")
    warnings = () if plain else (f"read as {reason}: no work created",)
    return ParseResult(
        requests=(),
        confidence=0.95 if plain else (0.7 if had_signals else 0.8),
        language=language,
        parser=PARSER_NAME,
        urgency=urgency,
        warnings=warnings,
    )


def _quantities(folded: str) -> list[_Quantity]:
    found = []
    for match in _QUANTITY.finditer(folded):
        text = next(g for g in match.groups() if g)
        count = int(text) if text.isdigit() else _NUMBER_WORDS[text]
        found.append(_Quantity(count, match.start(), match.end()))
    return found


def _quantity_tokens(quantities: Sequence[_Quantity], tokens: Sequence[Token]) -> frozenset[int]:
    return frozenset(t.index for t in tokens for q in quantities if q.start <= t.start < q.end)


def _quantity_check(
    quantities: Sequence[_Quantity], tokens: Sequence[Token], named: set[int], found: int
) -> tuple[float, list[str]]:
    """A count written in the text ("2x", "3 units") that the vehicles read do not match.

    A count that was read as a model ("BMW X2") counts nothing."""
    for q in quantities:
        if any(q.start <= t.start < q.end and t.index in named for t in tokens):
            continue
        if 2 <= q.count <= 20 and q.count != found:
            return QUANTITY_MISMATCH, [f"text mentions {q.count} vehicles, {found} read"]
    return 0.0, []
