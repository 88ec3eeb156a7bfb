"""Words worth adding to a service's terms, read from texts dispatchers corrected to it. Pure.

When the same word keeps turning up in texts a dispatcher had to correct to one service, and
hardly ever in texts corrected to another, the parser is missing a word that names the service.
Suggestions only: an admin adds one with a click, nothing is added on its own.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from collections.abc import Container, Iterable
from uuid import UUID

import attrs

from sm2_core.domain.entities import Service
from sm2_core.domain.enums import Language

#: Texts corrected to the service that must contain the word.
MIN_TEXTS = 3
#: Texts corrected to any other service that may contain it too.
MAX_ELSEWHERE = 1
MIN_LETTERS = 4

_WORD = re.compile(r"\w+")


def fold(text: str) -> str:
    """Lower case without accents, as words are compared: ``Réparation`` → ``reparation``."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def words(text: str) -> frozenset[str]:
    """The folded words of a text; apostrophes, digits-and-letters and punctuation split them
    (``d'huile`` → ``d``, ``huile``)."""
    return frozenset(_WORD.findall(fold(text)))


def _candidate(word: str, ignored: Container[str]) -> bool:
    """A word that could name a service: letters only (never a number, a year, a model code
    like ``f150``), long enough, and no everyday, brand or model word."""
    return len(word) >= MIN_LETTERS and word.isalpha() and word not in ignored


@attrs.frozen
class CorrectedText:
    """A text whose job a dispatcher corrected to a service."""

    message_id: UUID
    body: str
    language: Language
    service_code: str
    """The service it was corrected to."""


@attrs.frozen
class TermSuggestion:
    service_code: str
    word: str
    """Folded (lower case, no accents), as the parsers compare words."""
    language: Language
    """The language of most texts it came from (French on a tie): the list it would go to."""
    texts: int
    """Distinct texts corrected to the service that contain the word."""
    elsewhere: int
    """Distinct texts corrected to another service that contain it."""


def _service_words(services: Iterable[Service]) -> frozenset[str]:
    """Every one-word term of the catalog, folded: a word that names a service already is no
    suggestion (for another service, it would make the two ambiguous)."""
    found: set[str] = set()
    for service in services:
        for term in (*service.terms_en, *service.terms_fr):
            folded = fold(term).strip()
            if _WORD.fullmatch(folded):
                found.add(folded)
    return frozenset(found)


def suggest_terms(
    texts: Iterable[CorrectedText],
    services: Iterable[Service],
    ignored: Container[str],
) -> tuple[TermSuggestion, ...]:
    """Words found in at least ``MIN_TEXTS`` distinct texts corrected to one active service of
    ``services`` and in at most ``MAX_ELSEWHERE`` texts corrected to any other, that are no term
    of the catalog yet. ``ignored`` holds folded words never to suggest. Most texts first."""
    catalog = {s.code: s for s in services if s.is_active}
    known = _service_words(catalog.values())
    seen: set[tuple[UUID, str]] = set()
    where: dict[str, dict[str, set[UUID]]] = {}
    languages: dict[tuple[str, str], Counter[Language]] = {}
    for text in texts:
        if (text.message_id, text.service_code) in seen:
            continue
        seen.add((text.message_id, text.service_code))
        for word in words(text.body):
            if not _candidate(word, ignored) or word in known:
                continue
            where.setdefault(word, {}).setdefault(text.service_code, set()).add(text.message_id)
            languages.setdefault((word, text.service_code), Counter())[text.language] += 1
    found = []
    for word, by_service in where.items():
        for code, messages in by_service.items():
            if code not in catalog or len(messages) < MIN_TEXTS:
                continue
            others = set().union(*(m for c, m in by_service.items() if c != code))
            if len(others) > MAX_ELSEWHERE:
                continue
            found.append(
                TermSuggestion(
                    service_code=code,
                    word=word,
                    language=_majority(languages[(word, code)]),
                    texts=len(messages),
                    elsewhere=len(others),
                )
            )
    found.sort(key=lambda s: (-s.texts, s.elsewhere, s.service_code, s.word))
    return tuple(found)


def _majority(counts: Counter[Language]) -> Language:
    return Language.EN if counts[Language.EN] > counts[Language.FR] else Language.FR


def term_field(language: Language) -> str:
    """The service's list a term of that language goes to."""
    return "terms_fr" if language is Language.FR else "terms_en"
