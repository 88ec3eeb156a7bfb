"""The phrase index finds what a plain longest-first scan of every length finds.

Services, urgency words and non-work phrases are all read through it: a phrase it missed, or a
shorter one it preferred, would change what a dealer's text becomes.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from hypothesis import given
from hypothesis import strategies as st

from sm2_adapters.parsing.text import PhraseIndex

# Few words, so texts and phrases overlap often: shared prefixes, nested and chained phrases.
_WORDS = st.sampled_from(["oil", "change", "key", "", "huile", "x"])
_PHRASES = st.dictionaries(
    st.lists(_WORDS, min_size=1, max_size=5).map(tuple), st.integers(), max_size=12
)


def scanned(
    norms: Sequence[str], phrases: Mapping[tuple[str, ...], int], max_len: int
) -> list[tuple[int, int, int]]:
    """At each position the longest phrase of at most ``max_len`` words; after a match, the
    position after it."""
    found = []
    i = 0
    while i < len(norms):
        for n in range(min(max_len, len(norms) - i), 0, -1):
            value = phrases.get(tuple(norms[i : i + n]))
            if value is not None:
                found.append((i, n, value))
                i += n
                break
        else:
            i += 1
    return found


@given(_PHRASES, st.data(), st.integers(min_value=1, max_value=6))
def test_the_index_finds_the_longest_phrase_at_each_position(
    phrases: dict[tuple[str, ...], int], data: st.DataObject, max_len: int
) -> None:
    # A text of the phrases' own words and others, so that phrases meet, nest and overlap.
    pieces = st.sampled_from(sorted(phrases)) if phrases else st.nothing()
    parts = data.draw(st.lists(pieces | _WORDS.map(lambda word: (word,)), max_size=8))
    norms = [word for part in parts for word in part]
    assert PhraseIndex(phrases, max_len=max_len).find(norms) == scanned(norms, phrases, max_len)


def test_a_longer_phrase_wins_over_its_own_start_and_the_next_word_reads_on() -> None:
    index = PhraseIndex({("oil",): 1, ("oil", "change"): 2, ("key",): 3}, max_len=3)

    assert index.find(["oil", "change", "key", "oil"]) == [(0, 2, 2), (2, 1, 3), (3, 1, 1)]


def test_a_phrase_longer_than_the_limit_is_never_found() -> None:
    index = PhraseIndex({("no", "rush", "at", "all"): 1, ("no", "rush"): 2}, max_len=3)

    assert index.find(["no", "rush", "at", "all"]) == [(0, 2, 2)]
