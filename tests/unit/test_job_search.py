"""What the board's search asks a search index for when a text has many words."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from sm2_adapters.job_search import parse


def test_the_index_is_asked_for_the_longest_words_and_a_job_code_first() -> None:
    query = parse("Changement d'huile sur la Civic SM2-2026-014 svp, batterie")
    assert query is not None
    assert "'sm2-2026-014' & 'changement':* & 'batterie':*" == query.narrowest().tsquery()


def test_a_short_query_is_asked_whole() -> None:
    query = parse("civic huile")
    assert query is not None
    assert query == query.narrowest()


@given(
    st.lists(st.text("abcdéf-' 0123", min_size=1, max_size=12), min_size=1, max_size=8),
    st.sets(st.text("abcdef0123", min_size=1, max_size=10), max_size=30),
)
def test_what_matches_the_whole_query_matches_its_narrowest_words(
    words: list[str], lexemes: set[str]
) -> None:
    """The index's answer for the narrowest words holds every job the whole query finds."""
    query = parse(" ".join(words))
    if query is not None and query.matches(lexemes):
        assert query.narrowest().matches(lexemes)
