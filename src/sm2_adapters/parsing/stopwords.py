"""Words never suggested as a service's term (``sm2_core.suggestions``): the parser's own lists
of everyday, filler and courtesy words, and every word of a vehicle brand or model.

Folded as the parser folds (lower case, no accents), which is how the core compares words.
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import cache

from sm2_adapters.parsing import vocab_vehicles as vehicles
from sm2_adapters.parsing import vocab_words as everyday
from sm2_adapters.parsing.text import words


def _words_of(phrases: Iterable[str]) -> set[str]:
    return {word for phrase in phrases for word in words(phrase)}


def _vehicle_words() -> set[str]:
    models = [model for names in vehicles.MODELS.values() for model in names]
    aliases = [
        text for alias, (_, model) in vehicles.MODEL_ALIASES.items() for text in (alias, model)
    ]
    return _words_of(
        [
            *vehicles.BRAND_ALIASES,
            *(alias for names in vehicles.BRAND_ALIASES.values() for alias in names),
            *models,
            *aliases,
            *vehicles.COMMON_WORD_MODELS,
            *vehicles.WEAK_MODELS,
            *vehicles.WEAK_BRAND_WORDS,
        ]
    )


def _everyday_words() -> set[str]:
    return _words_of(
        [
            *everyday.EVERYDAY_WORDS,
            *everyday.FILLER_WORDS,
            *everyday.VEHICLE_DETERMINERS,
            *everyday.COMMON_WORDS,
            *everyday.GRATITUDE,
            *everyday.STATUS_WORDS,
            *everyday.REQUEST_WORDS,
            *everyday.BILLING_WORDS,
            *everyday.CANCEL_WORDS,
            *everyday.KEYWORD_MESSAGES,
            *everyday.URGENCY_LOW,
            *everyday.URGENCY_HIGH,
            *everyday.URGENCY_CRITICAL,
        ]
    )


@cache
def not_service_words() -> frozenset[str]:
    """The ``WordList`` given to the corrections service (``bootstrap.build_services``)."""
    return frozenset(_everyday_words() | _vehicle_words())
