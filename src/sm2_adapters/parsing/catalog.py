"""Lookup tables: vehicles built once from the vocabulary modules (lazily, on first parser);
services compiled from the live catalog's words, once per catalog snapshot."""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import cache

import attrs

from sm2_adapters.parsing import vocab_vehicles, vocab_words
from sm2_adapters.parsing.text import FuzzyIndex, PhraseIndex, alnum_key, fold, words
from sm2_core.domain.entities import Service

#: "A/C" would otherwise split into the filler words "a" and "c"; same length keeps spans.
AC_MARK = re.compile(r"\ba\s?[/.]\s?c\b\.?")

# A letters/digits boundary that people also type with a space ("RAV 4", "CX 5", "Mazda 3");
# one-letter prefixes are excluded so "a 4" does not become an Audi A4.
_SOFT_BOUNDARY = re.compile(r"(?<=[a-z]{2})(?=\d)|(?<=\d)(?=[a-z]{2})")


@attrs.frozen
class ModelEntry:
    make: str
    model: str
    max_parts: int
    """How many words the model may be typed in ("Grand Cherokee L" → 3)."""


@attrs.frozen
class ServiceTerm:
    code: str
    strong: bool


def parts(text: str) -> int:
    return sum(1 + len(_SOFT_BOUNDARY.findall(w)) for w in words(text))


@attrs.frozen
class VehicleCatalog:
    models: dict[str, tuple[ModelEntry, ...]]
    brands: dict[str, tuple[str, int]]
    """Brand key → (make, words)."""
    fuzzy: FuzzyIndex
    """Strong model and brand keys, for typos ("Silverdo", "Hyundia")."""
    max_parts: int


def _add_model(index: dict[str, list[ModelEntry]], key: str, entry: ModelEntry) -> None:
    entries = index.setdefault(key, [])
    if all((e.make, e.model) != (entry.make, entry.model) for e in entries):
        entries.append(entry)


def _model_index() -> dict[str, tuple[ModelEntry, ...]]:
    index: dict[str, list[ModelEntry]] = {}
    for make, models in vocab_vehicles.MODELS.items():
        for model in models:
            _add_model(index, alnum_key(model), ModelEntry(make, model, parts(model)))
    for alias, (make, model) in vocab_vehicles.MODEL_ALIASES.items():
        _add_model(index, alnum_key(alias), ModelEntry(make, model, parts(alias)))
    for make, numbers in vocab_vehicles.NUMBERED_MODELS.items():
        for brand in vocab_vehicles.BRAND_ALIASES[make]:
            for number in numbers:
                typed = f"{brand} {number}"
                _add_model(index, alnum_key(typed), ModelEntry(make, number, parts(typed)))
    return {key: tuple(entries) for key, entries in index.items()}


def _brand_index() -> dict[str, tuple[str, int]]:
    return {
        alnum_key(alias): (make, len(words(alias)))
        for make, aliases in vocab_vehicles.BRAND_ALIASES.items()
        for alias in aliases
    }


def _fuzzy_targets(models: Iterable[str], brands: Iterable[str]) -> set[str]:
    risky = (
        vocab_vehicles.COMMON_WORD_MODELS
        | vocab_vehicles.WEAK_MODELS
        | vocab_vehicles.WEAK_BRAND_WORDS
    )
    return {k for k in (*models, *brands) if k.isalpha() and k not in risky}


@cache
def vehicle_catalog() -> VehicleCatalog:
    models = _model_index()
    brands = _brand_index()
    fuzzy = FuzzyIndex(_fuzzy_targets(models, brands), min_length=5)
    longest = max(e.max_parts for entries in models.values() for e in entries)
    return VehicleCatalog(models, brands, fuzzy, longest)


def _filtered(phrase: str) -> tuple[str, ...]:
    folded = AC_MARK.sub("ac", fold(phrase))
    return tuple(w for w in words(folded) if w not in vocab_words.FILLER_WORDS)


@attrs.frozen
class ServiceCatalog:
    phrases: PhraseIndex[ServiceTerm]
    vocabulary: frozenset[str]
    fuzzy: FuzzyIndex
    diagnostic: str | None
    """The service a trouble code ("P0420") hints at: the one named a diagnostic, if any."""
    stems: dict[str, str]
    """Stem → the one vocabulary word with that stem: "aligner" finds "alignement"."""


#: Endings of English and French inflections and derivations, longest first. Stripping one
#: lets "aligner", "aligning" and "alignment" meet; a stem must keep five letters, so short
#: words ("cles", "keys") are never cut down to something everyday words share.
_ENDINGS = (
    "ements", "ement", "ments", "ment", "ations", "ation", "ages", "age", "ings", "ing",
    "euses", "euse", "eurs", "eur", "ers", "er", "ees", "ee", "es", "ed", "s", "e",
)  # fmt: skip
MIN_STEM = 5


def stem(word: str) -> str:
    for ending in _ENDINGS:
        if word.endswith(ending) and len(word) - len(ending) >= MIN_STEM:
            return word[: -len(ending)]
    return word


def _stems(vocabulary: Iterable[str]) -> dict[str, str]:
    """Stems that lead to one word (or to words of one stem only: "alignment"/"alignement")."""
    found: dict[str, set[str]] = {}
    for word in vocabulary:
        if word.isalpha() and len(word) > MIN_STEM and word not in vocab_words.COMMON_WORDS:
            found.setdefault(stem(word), set()).add(word)
    return {key: min(words) for key, words in found.items()}


def _strong_terms(service: Service) -> tuple[str, ...]:
    # Its names name it too: a service added with no words is still found by its name.
    return (service.name, service.name_fr, *service.terms_en, *service.terms_fr)


def compile_services(services: Iterable[Service]) -> ServiceCatalog:
    """The phrase table of the active services' words.

    Hints first and strong words after, so a phrase that is one service's hint and another's
    strong word names the second; between two services' strong words the first code wins, the
    same on every run."""
    active = sorted((s for s in services if s.is_active), key=lambda s: s.code, reverse=True)
    phrases: dict[tuple[str, ...], ServiceTerm] = {}
    for strong in (False, True):
        for service in active:
            for phrase in (
                _strong_terms(service) if strong else (*service.hints_en, *service.hints_fr)
            ):
                key = _filtered(phrase)
                if key:
                    phrases[key] = ServiceTerm(service.code, strong)
    vocabulary = frozenset(w for key in phrases for w in key)
    # Seven letters and up: shorter words sit one edit from too many everyday words
    # ("coming" → "coding", "remove" → "remote").
    fuzzy = FuzzyIndex((w for w in vocabulary if w.isalpha()), min_length=7)
    return ServiceCatalog(
        PhraseIndex(phrases, max_len=max((len(k) for k in phrases), default=1)),
        vocabulary,
        fuzzy,
        _diagnostic(active),
        _stems(vocabulary),
    )


def _diagnostic(services: Iterable[Service]) -> str | None:
    named = [s.code for s in services if ("diagnostic",) in map(_filtered, _strong_terms(s))]
    return min(named, default=None)


@cache
def phrase_index(phrases: tuple[str, ...], max_len: int) -> PhraseIndex[str]:
    """A phrase list (urgency, intent) by its words, each phrase found as its own text."""
    return PhraseIndex({words(p): p for p in phrases}, max_len=max_len)
