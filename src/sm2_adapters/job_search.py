"""The board's free-text search, as every job repository reads it.

A job is found by the lexemes of ``document`` (PostgreSQL keeps the same ones in
``jobs.search_document``, computed by migration 0013's functions, which this module mirrors
rule for rule). ``parse`` turns what a dispatcher typed into a ``SearchQuery``: each group of
letters and digits they typed must begin one of the job's lexemes, so every group must match
(AND), a group matches at the beginning of a word (prefix), accents and case do not count, a
group joined by - _ . / ' matches joined or as its parts (``f-150``: ``f150``, or ``f`` and
``150``), and a job code typed whole (``SM2-2026-014``) matches only that job's code. The query is never SQL:
PostgreSQL receives it as a ``tsquery`` parameter made only of quoted lexemes and operators.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable, Set

import attrs

from sm2_core.domain.job import Job
from sm2_core.errors import InvalidInput

MAX_WORD = 64
"""Longer words are not kept (as in the SQL function); a search for one finds nothing."""

_PLAIN = str.maketrans(
    {
        "œ": "oe",
        "Œ": "oe",
        "æ": "ae",
        "Æ": "ae",
        "ß": "ss",
        **dict(
            zip(
                "ABCDEFGHIJKLMNOPQRSTUVWXYZÀÁÂÃÄÅàáâãäåÇçÈÉÊËèéêëÌÍÎÏìíîïÑñÒÓÔÕÖØòóôõöøÙÚÛÜùúûüÝýÿŸ",
                "abcdefghijklmnopqrstuvwxyzaaaaaaaaaaaacceeeeeeeeiiiiiiiinnoooooooooooouuuuuuuuyyyy",
                strict=True,
            )
        ),
        **dict.fromkeys("\u0300\u0301\u0302\u0303\u0308\u0327"),
    }
)
_JOINERS = "-_./'’"
_DROP_JOINERS = str.maketrans(dict.fromkeys(_JOINERS))
_WORD = re.compile(r"[a-z0-9]+")
_GROUP = re.compile(r"[a-z0-9" + re.escape(_JOINERS) + r"]+")
_JOB_CODE = re.compile(r"sm2-[0-9]{4}-[0-9]{3,}")


def plain(text: str) -> str:
    """``sm2_search_plain``: accents and A-Z capitals gone; other characters left as they are."""
    return text.translate(_PLAIN)


def _words(text: str) -> list[str]:
    """``sm2_search_words``: the words of a plain text, then its words with their inner joiners
    removed; words longer than ``MAX_WORD`` are left out."""
    words = _WORD.findall(text) + _WORD.findall(text.translate(_DROP_JOINERS))
    return [w for w in words if len(w) <= MAX_WORD]


def document(job: Job) -> frozenset[str]:
    """``sm2_job_search_document``: the lexemes a job is found by."""
    v = job.vehicle
    fields = (job.job_code, v.vin, v.stock_no, v.make, v.model, job.request_text)
    vin = "".join(_WORD.findall(plain(v.vin))) if v.vin is not None else None
    tails = [vin[-n:] for n in (8, 7, 6, 5, 4)] if vin is not None else []
    code = job.job_code
    lexemes = [
        *([plain(code), code.split("-")[2].lstrip("0")] if len(code) <= MAX_WORD else []),
        *tails,
        *_words(plain(" ".join(f or "" for f in fields))),
    ]
    return frozenset(w for w in lexemes if w)


@attrs.frozen
class Term:
    """A lexeme the job must have (``prefix``: or a lexeme that begins with it)."""

    word: str
    prefix: bool = True

    def matches(self, lexemes: Set[str]) -> bool:
        if self.prefix:
            return any(lexeme.startswith(self.word) for lexeme in lexemes)
        return self.word in lexemes

    def tsquery(self) -> str:
        quoted = "'" + self.word.replace("\\", "\\\\").replace("'", "''") + "'"
        return quoted + (":*" if self.prefix else "")


Alternative = tuple[Term, ...]
"""Terms that must all match."""


@attrs.frozen
class SearchQuery:
    """Groups that must all match; a group matches when one of its alternatives does."""

    groups: tuple[tuple[Alternative, ...], ...]

    def matches(self, lexemes: Set[str]) -> bool:
        return all(
            any(all(t.matches(lexemes) for t in alt) for alt in group) for group in self.groups
        )

    def tsquery(self) -> str:
        """The query in ``tsquery`` syntax (for ``%s::tsquery``, which takes lexemes as given)."""
        return " & ".join(_or(_and(alt) for alt in group) for group in self.groups)

    def narrowest(self, count: int = 3) -> SearchQuery:
        """The ``count`` groups likely to match fewest jobs: those with the longest words (a
        whole job code first). A pasted sentence asks a search index for every short word's
        jobs ("d", "la", "sur"); these few find the same jobs and more, so a search can ask
        the index for them and test the whole query on what it finds."""
        return SearchQuery(tuple(sorted(self.groups, key=_narrowness, reverse=True)[:count]))


def _narrowness(group: tuple[Alternative, ...]) -> tuple[bool, int]:
    exact = any(not t.prefix for alt in group for t in alt)
    return exact, min(max(len(t.word) for t in alt) for alt in group)


def _and(alt: Alternative) -> str:
    text = " & ".join(t.tsquery() for t in alt)
    return f"( {text} )" if len(alt) > 1 else text


def _or(parts: Iterable[str]) -> str:
    alternatives = list(parts)
    return f"( {' | '.join(alternatives)} )" if len(alternatives) > 1 else alternatives[0]


@functools.lru_cache(maxsize=64)
def parse(text: str) -> SearchQuery | None:
    """What a search for ``text`` looks for; None when no job can match it (no letter or digit
    in it, or a word too long to be kept). A NUL character is refused, as a stored text's is."""
    if "\x00" in text:
        raise InvalidInput("job search: the search text contains a NUL character")
    groups: list[tuple[Alternative, ...]] = []
    for raw in _GROUP.findall(plain(text)):
        group = raw.strip(_JOINERS)
        words = _WORD.findall(group)
        if not words:
            continue
        if _JOB_CODE.fullmatch(group):
            alternatives: list[Alternative] = [(Term(group, prefix=False),)]
        elif len(words) == 1:
            alternatives = [(Term(words[0]),)]
        else:
            alternatives = [(Term("".join(words)),), tuple(Term(w) for w in words)]
        possible = tuple(a for a in alternatives if all(len(t.word) <= MAX_WORD for t in a))
        if not possible:
            return None
        groups.append(possible)
    return SearchQuery(tuple(groups)) if groups else None
