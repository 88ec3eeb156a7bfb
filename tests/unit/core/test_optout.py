"""Opt-out keywords: only a text that is nothing but STOP (or START) changes what a number gets."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from hypothesis import given
from hypothesis import strategies as st

from sm2_core.optout import keyword

STOP_WORDS = ["STOP", "STOPALL", "ARRET", "ARRÊT", "UNSUBSCRIBE", "DESABONNER", "DÉSABONNER"]
START_WORDS = ["START", "UNSTOP"]
#: What Twilio's defaults would silence but a dealer types meaning something else.
BUSINESS_WORDS = ["CANCEL", "END", "QUIT", "YES", "annuler", "cancel the F-150"]


class TestKeywords:
    @pytest.mark.parametrize("body", STOP_WORDS)
    def test_each_stop_word_opts_out(self, body: str) -> None:
        """STOP, ARRÊT, UNSUBSCRIBE, DÉSABONNER... each ask for no more texts."""
        assert "stop" == keyword(body)

    @pytest.mark.parametrize("body", START_WORDS)
    def test_each_start_word_opts_back_in(self, body: str) -> None:
        """START and UNSTOP ask for texts again."""
        assert "start" == keyword(body)

    @pytest.mark.parametrize(
        "body", ["stop", "Stop!", "  STOP  ", "Arrêt.", "ARRÊT !", "désabonner", "stop\n", "Stop!!"]
    )
    def test_case_accents_spaces_and_trailing_punctuation_do_not_matter(self, body: str) -> None:
        """A dealer types it as they like: "Arrêt." and "STOP" are the same request."""
        assert "stop" == keyword(body)

    @pytest.mark.parametrize("body", BUSINESS_WORDS)
    def test_words_dealers_use_for_work_are_no_keywords(self, body: str) -> None:
        """CANCEL calls off a job; END, QUIT and YES are no opt-out either."""
        assert keyword(body) is None

    @pytest.mark.parametrize(
        "body",
        ["stop the car at bay 3", "please stop", "STOP STOP", "¡stop", "start the RAV4", "", "?"],
    )
    def test_a_keyword_inside_a_longer_text_is_no_keyword(self, body: str) -> None:
        """Only the whole text counts: a request that mentions "stop" still asks for work."""
        assert keyword(body) is None


class TestProperties:
    @given(
        word=st.sampled_from(STOP_WORDS + START_WORDS),
        case=st.sampled_from([str.upper, str.lower, str.title]),
        before=st.sampled_from(["", " ", "\t", "\n "]),
        after=st.text(alphabet=" .!?…", max_size=4),
    )
    def test_decoration_never_changes_the_answer(
        self, word: str, case: Callable[[str], str], before: str, after: str
    ) -> None:
        """Any case, leading space and trailing punctuation: the same keyword."""
        expected = "stop" if word in STOP_WORDS else "start"
        assert expected == keyword(before + case(word) + after)

    @given(st.text(max_size=40))
    def test_an_answer_is_always_one_of_the_keywords(self, body: str) -> None:
        """Whatever arrives, the answer is stop, start or nothing, and never raises."""
        assert keyword(body) in ("stop", "start", None)

    @given(
        word=st.sampled_from(STOP_WORDS + START_WORDS),
        extra=st.text(alphabet="abcdefghijklmnopqrstuvwxyz0123456789", min_size=1, max_size=8),
    )
    def test_another_word_alongside_makes_it_a_normal_text(self, word: str, extra: str) -> None:
        """ "STOP 2023" or "stop vin" is something else than an opt-out."""
        assert keyword(f"{word} {extra}") is None
        assert keyword(f"{extra} {word}") is None
