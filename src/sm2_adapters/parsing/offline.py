"""The offline parser: vocabulary and rules, no network, a few hundred microseconds a message."""

from __future__ import annotations

import re
from collections.abc import Collection, Sequence

from sm2_adapters.parsing import vocab_vehicles, vocab_words
from sm2_adapters.parsing.assemble import Vehicle, group, resolve, share
from sm2_adapters.parsing.catalog import service_catalog, vehicle_catalog
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
    family_model,
    find_names,
    find_years,
    phrases,
    years_after_models,
)
from sm2_core.domain.enums import Language, Urgency
from sm2_core.domain.vin import Vin
from sm2_core.parsing import ParsedRequest, ParseResult

PARSER_NAME = "offline"
# "A/C" would otherwise split into the filler words "a" and "c"; same length keeps spans.
_AC = re.compile(r"\ba\s?[/.]\s?c\b\.?")
_QUANTITY = re.compile(
    r"\b(\d{1,2})\s?x\b|\bx\s?(\d{1,2})\b|\b(\d{1,2}|two|three|four|five|deux|trois|quatre|cinq)"
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
QUANTITY_MISMATCH = 0.1


class OfflineParser:
    """Reads dealership texts (English, French, mixed) into work requests without any service."""

    name = PARSER_NAME

    def __init__(self, known_service_codes: Collection[str] | None = None) -> None:
        self._known = None if known_service_codes is None else frozenset(known_service_codes)
        self._vehicles = vehicle_catalog()
        self._services = service_catalog()
        self._words = frozenset(
            self._services.vocabulary
            | vocab_words.FILLER_WORDS
            | vocab_words.COMMON_WORDS
            | vocab_words.FRENCH_MARKERS
            | vocab_words.ENGLISH_MARKERS
            | set(self._vehicles.brands)
        )

    async def parse(self, body: str, *, dealership_id: object | None = None) -> ParseResult:
        return self.parse_text(body)

    def parse_text(self, body: str) -> ParseResult:
        folded = _AC.sub(lambda m: "ac".ljust(len(m.group())), fold(body))
        vins, folded = find_vins(folded, self._is_word)
        stocks, folded = find_stocks(folded, body, self._is_model)
        tokens = tokenize(body, folded)
        urgency, _ = urgency_of(tokens)
        language = language_of(tokens, body)
        services = find_services(self._services, tokens, self._known)
        vehicle_phrases, named = self._phrases(tokens, folded, vins, services)
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
            resolve(d, vocab_vehicles.SHARED_WMI_GROUPS)
            for d in group([*vins, *stocks, *vehicle_phrases, *services])
        ]
        share(vehicles)
        extra, quantity_warning = _quantity_check(folded, len(vehicles))
        confidence, warnings = score(vehicles, extra)
        return ParseResult(
            requests=tuple(_request(v) for v in vehicles),
            confidence=confidence,
            language=language,
            parser=PARSER_NAME,
            urgency=urgency,
            warnings=tuple(warnings + quantity_warning),
        )

    def _phrases(
        self,
        tokens: Sequence[Token],
        folded: str,
        vins: Sequence[VinMention],
        services: Sequence[ServiceMention],
    ) -> tuple[list[VehiclePhrase], set[int]]:
        """Vehicle phrases, and the token indexes that name a brand or model."""
        in_phrases = {i for s in services if s.last > s.first for i in range(s.first, s.last + 1)}
        years = find_years(tokens, folded)
        taken = in_phrases | {y.first for y in years}
        names = find_names(self._vehicles, tokens, folded, taken, self._words)
        vin_makes = frozenset(m for v in vins if v.valid and (m := Vin(v.value).make))
        ctx = Context(tokens, folded, years, vin_makes, has_service=bool(services))
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


def _quantity_check(folded: str, found: int) -> tuple[float, list[str]]:
    """A count written in the text ("2x", "3 units") that the vehicles read do not match."""
    for match in _QUANTITY.finditer(folded):
        text = next(g for g in match.groups() if g)
        count = int(text) if text.isdigit() else _NUMBER_WORDS[text]
        if 2 <= count <= 20 and count != found:
            return QUANTITY_MISMATCH, [f"text mentions {count} vehicles, {found} read"]
    return 0.0, []
