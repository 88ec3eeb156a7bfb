"""VINs and stock numbers: read first, then masked so no other extractor reads them as words."""

from __future__ import annotations

import re
from collections.abc import Callable

import attrs

from sm2_adapters.parsing.text import MASK
from sm2_core.domain.vin import Vin, normalize_vin_text
from sm2_core.errors import InvalidInput


@attrs.frozen
class VinMention:
    start: int
    end: int
    value: str
    """Upper case, no separators; corrected only when the correction validates."""
    valid: bool
    corrected: bool
    complete: bool
    """17 characters; a partial VIN ("last 8") is kept but flagged."""


@attrs.frozen
class StockMention:
    start: int
    end: int
    value: str
    guessed: bool
    """Read from its shape alone, without "stock", "stk", "#" in front."""


_RUN = re.compile(r"[a-z0-9]+")
_VIN_ALPHABET = frozenset("abcdefghjklmnprstuvwxyz0123456789oiq")
_LOOKALIKE = str.maketrans("oiq", "010")
_VIN_GAP = re.compile(r"[ \t\-.]{1,2}")
_VIN_KEYWORD = re.compile(
    r"(?:\bvin|\bniv|\bv\.i\.n\.?|\bserie|\bserial|\bno de serie)\s*[:#.]?\s*$"
)
_MAX_VIN_PIECES = 6

_STOCK_KEYWORD = re.compile(
    r"(?:#\s*(?:de\s+)?stocks?\b|\bstocks?\b\s*(?:no\.?|num(?:ero)?\.?|number|#)?"
    r"|\bstk\b\s*#?|\bstk#|\bno\.?\s*(?:de\s+)?stock\b|\bnumero\s+(?:de\s+)?stock\b"
    r"|\bunites?\b\s*#?|\bunit\b\s*#?|\binv\s*#|#)\s*[:#]?\s*"
)
_STOCK_VALUE = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")
_LIST_SEPARATOR = re.compile(r"\s*(?:,|/|&|\+|;|\bet\b|\band\b|\bpis\b|\bou\b|\bor\b)\s*(?:#\s*)?")
_SPACE_SEPARATOR = re.compile(r"[ \t]+")
_GUESSED_STOCK = re.compile(r"[a-z]{1,3}\d{0,3}-?\d{3,6}|\d{2}[a-z]{1,2}\d{3,5}")
_OBD_CODE = re.compile(r"[pbcu]\d{4}")


def mask(text: str, start: int, end: int) -> str:
    return text[:start] + MASK * (end - start) + text[end:]


def _vin_shaped(raw: str) -> bool:
    digits = raw.translate(_LOOKALIKE)
    return (
        len(raw) == 17
        and set(raw) <= _VIN_ALPHABET
        and digits[-4:].isdigit()
        and sum(c.isdigit() for c in digits) >= 5
        and sum(c.isalpha() for c in digits) >= 2
    )


def _vin_mention(start: int, end: int, raw: str, complete: bool = True) -> VinMention:
    typed = normalize_vin_text(raw)
    try:
        vin = Vin.parse(typed)
    except InvalidInput:
        return VinMention(start, end, typed, valid=False, corrected=False, complete=complete)
    return VinMention(start, end, vin.value, True, vin.value != typed, complete)


def _window(folded: str, runs: list[re.Match[str]], i: int) -> tuple[int, int] | None:
    """The pieces runs[i:j] that join to 17 characters with only spaces or dashes between."""
    total = 0
    for j in range(i, min(i + _MAX_VIN_PIECES, len(runs))):
        if j > i and not _VIN_GAP.fullmatch(folded[runs[j - 1].end() : runs[j].start()]):
            return None
        total += len(runs[j].group())
        if total >= 17:
            return (i, j + 1) if total == 17 and j > i else None
    return None


def find_vins(folded: str, is_word: Callable[[str], bool]) -> tuple[list[VinMention], str]:
    """VINs in the text, and the text with them masked."""
    found: list[VinMention] = []
    runs = list(_RUN.finditer(folded))
    used: set[int] = set()
    for i, run in enumerate(runs):
        if _vin_shaped(run.group()):
            found.append(_vin_mention(run.start(), run.end(), run.group()))
            used.add(i)
    for i in range(len(runs)):
        window = _window(folded, runs, i)
        if window is None or used & set(range(*window)):
            continue
        pieces = runs[window[0] : window[1]]
        found_vin = _pieces_vin(folded, pieces, is_word)
        if found_vin is not None:
            found.append(found_vin)
            used |= set(range(*window))
    found += _partial_vins(folded, runs, used)
    for vin in found:
        folded = mask(folded, vin.start, vin.end)
    return sorted(found, key=lambda v: v.start), folded


def _pieces_vin(
    folded: str, pieces: list[re.Match[str]], is_word: Callable[[str], bool]
) -> VinMention | None:
    raw = "".join(p.group() for p in pieces)
    if not _vin_shaped(raw) or any(is_word(p.group()) for p in pieces):
        return None
    mention = _vin_mention(pieces[0].start(), pieces[-1].end(), raw)
    after_keyword = bool(_VIN_KEYWORD.search(folded[: pieces[0].start()]))
    return mention if mention.valid or after_keyword else None


def _partial_vins(folded: str, runs: list[re.Match[str]], used: set[int]) -> list[VinMention]:
    """A VIN too short or too long, typed right after "VIN"/"NIV": kept, flagged incomplete."""
    found = []
    for i, run in enumerate(runs):
        raw = run.group()
        if i in used or not 6 <= len(raw) <= 20 or len(raw) == 17:
            continue
        has_both = any(c.isdigit() for c in raw) and any(c.isalpha() for c in raw)
        if (has_both or len(raw) >= 8) and _VIN_KEYWORD.search(folded[: run.start()]):
            found.append(_vin_mention(run.start(), run.end(), raw, complete=False))
    return found


def find_stocks(
    folded: str,
    original: str,
    is_model: Callable[[str], bool],
    is_model_name: Callable[[str], bool] | None = None,
    count: int = 0,
) -> tuple[list[StockMention], str]:
    """Stock numbers after a keyword (and the list that follows it), else guessed by shape,
    else the list of exactly ``count`` values a written count announced ("x4: T25-1, T25-2,
    T25-3, T25-4").

    ``is_model`` tells any model-shaped word ("C300", "S000" read as a Mercedes family);
    ``is_model_name`` only a model's own name ("RAV4", "Q7"). After "stock", "stk" or "#" a
    value is the dealer's number unless it is a model's very name: "stock C300" is a stock.
    """
    found: list[StockMention] = []
    for keyword in _STOCK_KEYWORD.finditer(folded):
        if any(s.start <= keyword.start() < s.end for s in found):
            continue
        # "unité"/"unit" also just means "the vehicle" ("l'unité C300 2019"): no leniency.
        vague = keyword.group().lstrip("#").lstrip().startswith("unit")
        lenient = is_model_name if is_model_name is not None and not vague else is_model
        found += _stock_list(folded, original, keyword.end(), lenient)
    if not found:
        found = _guessed_stocks(folded, original, is_model)
        if count >= 2 and len(found) != count:
            found = _counted_list(folded, original, is_model, count) or found
    for stock in found:
        folded = mask(folded, stock.start, stock.end)
    return found, folded


def _acceptable(value: str, is_model: Callable[[str], bool]) -> bool:
    key = value.replace("-", "")
    return (
        3 <= len(key) <= 12
        and any(c.isdigit() for c in key)
        and not is_model(key)
        and MASK not in value
    )


def _shape(value: str) -> str:
    return re.sub(r"[a-z]", "A", re.sub(r"\d", "9", value))


def _stock_list(
    folded: str, original: str, pos: int, is_model: Callable[[str], bool]
) -> list[StockMention]:
    first = _STOCK_VALUE.match(folded, pos)
    if first is None or not _acceptable(first.group(), is_model):
        return []
    found = [
        StockMention(
            first.start(), first.end(), original[first.start() : first.end()].upper(), guessed=False
        )
    ]
    while True:
        nxt = _next_in_list(folded, found[-1].end, first.group(), is_model)
        if nxt is None:
            return found
        found.append(StockMention(nxt[0], nxt[1], original[nxt[0] : nxt[1]].upper(), False))


def _next_in_list(
    folded: str, pos: int, first: str, is_model: Callable[[str], bool]
) -> tuple[int, int] | None:
    """The next stock number of "K2401, K2402 et K2405": same kind of value as the first."""
    for separator, same_shape_only in ((_LIST_SEPARATOR, False), (_SPACE_SEPARATOR, True)):
        sep = separator.match(folded, pos)
        if sep is None or (not same_shape_only and not sep.group().strip()):
            continue
        value = _STOCK_VALUE.match(folded, sep.end())
        if value is None or not _acceptable(value.group(), is_model):
            continue
        text = value.group()
        if _shape(text) == _shape(first) or (
            not same_shape_only
            and text[0].isalpha() == first[0].isalpha()
            and not (text.isdigit() and 1981 <= int(text) <= 2035)
        ):
            return value.start(), value.end()
    return None


def _counted_list(
    folded: str, original: str, is_model: Callable[[str], bool], count: int
) -> list[StockMention]:
    for run in _STOCK_VALUE.finditer(folded):
        text = run.group()
        if not _acceptable(text, is_model) or (text.isdigit() and 1981 <= int(text) <= 2035):
            continue
        listed = _stock_list(folded, original, run.start(), is_model)
        if len(listed) == count:
            return [attrs.evolve(s, guessed=True) for s in listed]
    return []


def _guessed_stocks(
    folded: str, original: str, is_model: Callable[[str], bool]
) -> list[StockMention]:
    found = []
    for run in _STOCK_VALUE.finditer(folded):
        text = run.group()
        raw = original[run.start() : run.end()]
        if (
            _GUESSED_STOCK.fullmatch(text)
            and raw == raw.upper()
            and not _OBD_CODE.fullmatch(text)
            and _acceptable(text, is_model)
        ):
            found.append(StockMention(run.start(), run.end(), raw.upper(), guessed=True))
    return found
