"""Is the message a work order at all, and in which language is it written?"""

from __future__ import annotations

from collections.abc import Sequence

from sm2_adapters.parsing import vocab_words
from sm2_adapters.parsing.catalog import phrase_index
from sm2_adapters.parsing.text import Token
from sm2_core.domain.enums import Language

_ACCENTED = frozenset("éèêëàâçùûôîïÉÈÊÀÇ")


def _has(norms: Sequence[str], phrases: tuple[str, ...]) -> bool:
    return bool(phrase_index(phrases, 6).find(norms))


def language_of(tokens: Sequence[Token], original: str) -> Language:
    norms = [t.norm for t in tokens]
    french = sum(n in vocab_words.FRENCH_MARKERS for n in norms)
    french += min(3, sum(c in _ACCENTED for c in original))
    english = sum(n in vocab_words.ENGLISH_MARKERS for n in norms)
    # Ties go to French: most dealerships of the region text in French.
    return Language.EN if english > french else Language.FR


def _thanks_for(norms: Sequence[str]) -> bool:
    for i, _, _ in phrase_index(vocab_words.GRATITUDE, 3).find(norms):
        following = norms[i + 1 : i + 3]
        if "for" in following or "pour" in following:
            return True
    return False


def non_work_reason(
    tokens: Sequence[Token],
    original: str,
    *,
    asks_service: bool,
    strong_service: bool,
    identified: bool,
    described: bool,
) -> str | None:
    """Why the message asks for no work, or None when it does."""
    norms = [t.norm for t in tokens]
    if " ".join(norms) in vocab_words.KEYWORD_MESSAGES:
        return "keyword"
    if not asks_service and not identified:
        return "nothing asked"
    requested = _has(norms, vocab_words.REQUEST_WORDS)
    if _has(norms, vocab_words.CANCEL_WORDS):
        return "cancellation"
    if _has(norms, vocab_words.BILLING_WORDS):
        return "billing question"
    if _thanks_for(norms) and not requested:
        return "thanks"
    question = "?" in original
    if question and _has(norms, vocab_words.STATUS_WORDS) and not (requested and strong_service):
        return "status question"
    if question and not described and not requested:
        return "question"
    return None
