"""Service words → catalog codes, and the urgency the words ask for."""

from __future__ import annotations

import re
from collections.abc import Sequence

import attrs

from sm2_adapters.parsing import vocab_words
from sm2_adapters.parsing.catalog import MIN_STEM, ServiceCatalog, phrase_index, stem
from sm2_adapters.parsing.text import Token
from sm2_core.domain.enums import Urgency

_OBD_CODE = re.compile(r"[pbcu][0-3]\d{3}")


@attrs.frozen
class ServiceMention:
    start: int
    first: int
    last: int
    """Token indexes covered, to drop the mention if those words turn out to name a model."""
    code: str
    strong: bool
    fuzzy: bool


def _spelled(cat: ServiceCatalog, norm: str) -> tuple[str, bool]:
    """The vocabulary word a token stands for, and whether that took a typo correction."""
    if norm in cat.vocabulary or norm.isdigit():
        return norm, False
    if norm[:1] in "dl" and norm[1:] in cat.vocabulary:
        return norm[1:], False  # elision typed without its apostrophe: "dhuile", "lhuile"
    if len(norm) > MIN_STEM and norm.isalpha() and norm not in vocab_words.COMMON_WORDS:
        inflected = cat.stems.get(stem(norm))
        if inflected is not None:
            return inflected, True  # another form of a catalog word: "aligner" → "alignement"
    if len(norm) >= 5 and norm not in vocab_words.COMMON_WORDS:
        corrected = cat.fuzzy.correct(norm)
        if corrected is not None:
            return corrected, True
    return norm, False


def find_services(cat: ServiceCatalog, tokens: Sequence[Token]) -> list[ServiceMention]:
    kept = [t for t in tokens if t.norm not in vocab_words.FILLER_WORDS]
    spelled = [_spelled(cat, t.norm) for t in kept]
    found = []
    for i, n, term in cat.phrases.find([s[0] for s in spelled]):
        span = kept[i : i + n]
        fuzzy = any(s[1] for s in spelled[i : i + n])
        found.append(
            ServiceMention(
                span[0].start, span[0].index, span[-1].index, term.code, term.strong, fuzzy
            )
        )
    return sorted(found + _trouble_codes(tokens, cat.diagnostic), key=lambda m: m.start)


def _trouble_codes(tokens: Sequence[Token], diagnostic: str | None) -> list[ServiceMention]:
    """An OBD code ("P0420") hints at a diagnostic even when no service word is written."""
    if diagnostic is None:
        return []
    return [
        ServiceMention(t.start, t.index, t.index, diagnostic, strong=False, fuzzy=False)
        for t in tokens
        if _OBD_CODE.fullmatch(t.norm)
    ]


def choose_service(
    mentions: Sequence[ServiceMention], diagnostic: str | None = None
) -> ServiceMention | None:
    """Strong words beat hints; a diagnostic yields to any other service ("diag ABS" on a brake
    job is a brake job); then the first one."""
    if not mentions:
        return None
    return min(mentions, key=lambda m: (not m.strong, m.code == diagnostic, m.start))


def urgency_of(tokens: Sequence[Token]) -> tuple[Urgency, tuple[str, ...]]:
    """The urgency the words ask for, and the words that said it."""
    norms = [t.norm for t in tokens]
    low = phrase_index(vocab_words.URGENCY_LOW, 6).find(norms)
    for i, n, _ in low:
        norms[i : i + n] = [""] * n  # "no rush" must not also read as "rush"
    critical = phrase_index(vocab_words.URGENCY_CRITICAL, 6).find(norms)
    high = phrase_index(vocab_words.URGENCY_HIGH, 6).find(norms)
    if critical:
        return Urgency.CRITICAL, tuple(p for *_, p in critical)
    if high:
        return Urgency.HIGH, tuple(p for *_, p in high)
    if low:
        return Urgency.LOW, tuple(p for *_, p in low)
    return Urgency.MEDIUM, ()
