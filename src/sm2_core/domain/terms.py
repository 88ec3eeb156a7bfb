"""A service's words: the terms and hints admins give it so the parsers recognise it.

Stored as typed (accents and case kept, for people to read); the parsers fold them their own
way. Cleaning here only makes lists comparable and bounded: trimmed, inner spaces collapsed,
duplicates (ignoring case) dropped, first spelling kept.
"""

from __future__ import annotations

from collections.abc import Iterable

from sm2_core.errors import InvalidInput

TERM_FIELDS = ("terms_en", "terms_fr", "hints_en", "hints_fr")
#: Terms are words and short phrases; anything longer is a sentence, which never matches.
MAX_TERM_LENGTH = 60
#: Per list. Bounds the parser's tables (and the LLM prompt) whatever an import carries.
MAX_TERMS = 200
SEPARATOR = "|"


def split_terms(text: str) -> tuple[str, ...]:
    """Terms as one line of text (a CSV cell, a form field): ``"oil change|vidange"``."""
    return tuple(t for t in (part.strip() for part in text.split(SEPARATOR)) if t)


def join_terms(terms: Iterable[str]) -> str:
    return SEPARATOR.join(terms)


def clean_terms(field: str, values: Iterable[str]) -> tuple[str, ...]:
    """The list as stored, or InvalidInput naming ``field`` and the term at fault."""
    if isinstance(values, str):
        raise InvalidInput(f"{field} must be a list of terms", fields={field: "not a list"})
    kept: dict[str, str] = {}
    for value in values:
        if not isinstance(value, str):
            raise InvalidInput(f"{field} must be a list of terms", fields={field: "not a list"})
        term = " ".join(value.split())
        if not term:
            continue
        if SEPARATOR in term:
            raise InvalidInput(
                f"{term!r} contains {SEPARATOR!r}, which separates terms",
                fields={field: f"no {SEPARATOR!r} inside a term"},
            )
        if len(term) > MAX_TERM_LENGTH:
            raise InvalidInput(
                f"{term[:20]!r}… is longer than {MAX_TERM_LENGTH} characters",
                fields={field: f"at most {MAX_TERM_LENGTH} characters a term"},
            )
        if not any(c.isalnum() for c in term):
            raise InvalidInput(
                f"{term!r} has no letter or digit", fields={field: "terms need a letter or digit"}
            )
        kept.setdefault(term.casefold(), term)
    if len(kept) > MAX_TERMS:
        raise InvalidInput(
            f"{field} has {len(kept)} terms; at most {MAX_TERMS}",
            fields={field: f"at most {MAX_TERMS} terms"},
        )
    return tuple(kept.values())
