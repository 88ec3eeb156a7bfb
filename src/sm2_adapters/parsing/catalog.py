"""Lookup tables built once from the vocabulary modules (lazily, on first parser)."""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import cache

import attrs

from sm2_adapters.parsing import vocab_services, vocab_vehicles, vocab_words
from sm2_adapters.parsing.text import FuzzyIndex, alnum_key, words

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


@attrs.frozen
class ServiceCatalog:
    phrases: dict[tuple[str, ...], ServiceTerm]
    vocabulary: frozenset[str]
    fuzzy: FuzzyIndex
    max_len: int


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
    return tuple(w for w in words(phrase) if w not in vocab_words.FILLER_WORDS)


@cache
def service_catalog() -> ServiceCatalog:
    phrases: dict[tuple[str, ...], ServiceTerm] = {}
    for code, groups in vocab_services.SERVICE_TERMS.items():
        for strength in ("weak", "strong"):  # strong last: it wins a phrase listed twice
            for phrase in groups.get(strength, ()):
                key = _filtered(phrase)
                if key:
                    phrases[key] = ServiceTerm(code, strength == "strong")
    vocabulary = frozenset(w for key in phrases for w in key)
    # Seven letters and up: shorter words sit one edit from too many everyday words
    # ("coming" → "coding", "remove" → "remote").
    fuzzy = FuzzyIndex((w for w in vocabulary if w.isalpha()), min_length=7)
    return ServiceCatalog(phrases, vocabulary, fuzzy, max(len(k) for k in phrases))


@cache
def phrase_table(phrases: tuple[str, ...]) -> dict[tuple[str, ...], str]:
    """Word tuples of a phrase list (urgency, intent), each mapping to its own text."""
    return {words(p): p for p in phrases}
