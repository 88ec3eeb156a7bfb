"""Text plumbing shared by the extractors: folding, tokens, and a small typo-tolerant index."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from functools import lru_cache
from typing import Any, Generic, TypeVar

import attrs

#: Replaces a span already read (a VIN, a stock number) so no other extractor reads it again.
MASK = "\x00"

T = TypeVar("T")

_TOKEN = re.compile(r"[a-z0-9]+")
# Gaps that keep two words in one phrase ("2023 Audi Q5", "RAV4 '22", "F-150"); a comma,
# a full stop or a masked identifier between them ends the phrase.
_TIGHT_GAP = re.compile(r"[ \t'’\-()/]{1,3}")


def _fold_table() -> dict[int, str]:
    table: dict[int, str] = {
        ord("’"): "'",
        ord("‘"): "'",
        ord("`"): "'",
        ord("–"): "-",
        ord("—"): "-",
        ord("İ"): "i",
    }
    for code in range(0xC0, 0x250):
        char = chr(code)
        base = unicodedata.normalize("NFKD", char)[0].lower()
        if base.isascii():
            table[code] = base
    return table


_FOLD = _fold_table()


def fold(text: str) -> str:
    """Lower case without accents, *same length* as the input so spans stay valid."""
    return text.lower() if text.isascii() else _fold_slow(text)


def _fold_slow(text: str) -> str:
    folded = text.translate(_FOLD)
    # str.lower() can lengthen a few characters; keep one character per character.
    return "".join(c.lower() if len(c.lower()) == 1 else c for c in folded)


def alnum_key(text: str) -> str:
    """The key vocabulary is compared on: folded, letters and digits only."""
    return "".join(_TOKEN.findall(fold(text)))


def words(text: str) -> tuple[str, ...]:
    """Folded words of a vocabulary phrase (apostrophes split: "d'huile" → d, huile)."""
    return tuple(_TOKEN.findall(fold(text)))


@attrs.frozen
class Token:
    """One word of the message, with where it sits in the original text."""

    index: int
    norm: str
    start: int
    end: int
    raw: str


def tokenize(original: str, folded: str) -> tuple[Token, ...]:
    return tuple(
        Token(i, m.group(), m.start(), m.end(), original[m.start() : m.end()])
        for i, m in enumerate(_TOKEN.finditer(folded))
    )


def tight(folded: str, left: Token, right: Token) -> bool:
    """True when only spaces, dashes, quotes or a name's full stop separate two adjacent
    tokens."""
    gap = folded[left.end : right.start]
    if right.index != left.index + 1:
        return False
    if not gap or gap == "." or _TIGHT_GAP.fullmatch(gap):
        return True  # a full stop inside a name does not end a sentence: "ID.4", "F.150"
    # ... nor one after a short abbreviation: "ID. 4", "ID. Buzz".
    return gap == ". " and len(left.norm) <= 2 and left.norm.isalpha()


def is_sentence_start(folded: str, token: Token) -> bool:
    before = folded[: token.start].rstrip()
    return not before or before[-1] in ".!?:\n" + MASK


def osa_distance(a: str, b: str) -> int:
    """Edit distance counting a swap of two neighbours as one edit (typing slips)."""
    prev2: list[int] = []
    prev = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        cur = [i] + [0] * len(b)
        for j, cb in enumerate(b, 1):
            cur[j] = min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (ca != cb))
            if i > 1 and j > 1 and ca == b[j - 2] and a[i - 2] == cb:
                cur[j] = min(cur[j], prev2[j - 2] + 1)
        prev2, prev = prev, cur
    return prev[-1]


def _deletes(word: str) -> set[str]:
    return {word[:i] + word[i + 1 :] for i in range(len(word))}


class FuzzyIndex:
    """Finds the one vocabulary word within one edit of a typo (symmetric-delete lookup).

    Candidates share a one-deletion form with the query, so lookups cost a handful of dict
    probes instead of a distance against every word.
    """

    def __init__(self, vocabulary: Iterable[str], *, min_length: int) -> None:
        self._min_length = min_length
        by_delete: dict[str, set[str]] = {}
        for word in vocabulary:
            if len(word) >= min_length:
                for form in _deletes(word) | {word}:
                    by_delete.setdefault(form, set()).add(word)
        # Tuples of strings are untracked by the garbage collector, sets are not: a table of
        # tens of thousands of sets made every full collection pause a parse for milliseconds.
        self._by_delete = {form: tuple(found) for form, found in by_delete.items()}

    def correct(self, token: str) -> str | None:
        """The single word one edit away, or None when there is none or it is ambiguous."""
        close = _close(self, token)
        return close[0] if len(close) == 1 else None

    def close(self, token: str) -> tuple[str, ...]:
        """Every word one edit away, sorted: a caller may find they all mean the same thing
        ("tucon" is one edit from "tucson" and from the alias "tuscon")."""
        return _close(self, token)


@lru_cache(maxsize=8192)
def _close(index: FuzzyIndex, token: str) -> tuple[str, ...]:
    if len(token) < index._min_length - 1 or not token.isalpha():
        return ()
    candidates: set[str] = set()
    for form in _deletes(token) | {token}:
        candidates.update(index._by_delete.get(form, ()))
    return tuple(sorted(w for w in candidates if osa_distance(token, w) == 1))


class PhraseIndex(Generic[T]):
    """Phrases by their words, found longest-first, left to right.

    A word trie: a position whose word starts no phrase costs one dict probe, where slicing a
    tuple for every length up to the longest phrase cost a dozen (a fifth of a parse).
    """

    def __init__(self, phrases: Mapping[tuple[str, ...], T], *, max_len: int) -> None:
        """``max_len``: phrases of more words are never found."""
        self._root: dict[object, Any] = {}
        for words_, value in phrases.items():
            if not words_ or len(words_) > max_len:
                continue
            node = self._root
            for word in words_:
                node = node.setdefault(word, {})
            node[_END] = value

    def find(self, norms: Sequence[str]) -> list[tuple[int, int, T]]:
        """Matches as (first index, length, value); a match's words are not read again."""
        found: list[tuple[int, int, T]] = []
        root, count, i = self._root, len(norms), 0
        while i < count:
            node = root.get(norms[i])
            match: tuple[int, T] | None = None
            j = i
            while node is not None:
                j += 1
                if _END in node:
                    match = (j - i, node[_END])
                node = node.get(norms[j]) if j < count else None
            if match is None:
                i += 1
            else:
                found.append((i, *match))
                i += match[0]
        return found


#: The key under which a trie node keeps the value of the phrase that ends there (no word is
#: this object).
_END = object()
