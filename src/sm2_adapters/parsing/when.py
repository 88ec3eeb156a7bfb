"""When a text says the work is wanted: "demain matin", "tomorrow 2pm", "entre 9h et 11h".

:func:`read_when` reads the words into a :class:`~sm2_core.domain.window.WhenSaid` (a day and
a part of it, relative to the day the text was sent); ``sm2_core.domain.window.resolve`` makes
it a window once the moment the text was sent is known. Nothing here reads a clock.

Working-day defaults (the technicians' day runs 08:00-17:00):

=============================================  ===========================================
the text says                                  window
=============================================  ===========================================
a day alone: "demain", "lundi", "today"        that day 08:00-17:00
"matin", "matinée", "morning", "am" [1]_       08:00-12:00
"avant midi", "avant-midi", "before noon"      08:00-12:00
"midi", "noon"                                 12:00, one hour
"lunch", "dîner", "heure du dîner"             12:00-13:00
"après-midi", "aprem", "afternoon", "pm" [1]_  12:00-17:00
"fin de journée", "end of day", "eod"          15:00-17:00
"soir", "soirée", "evening", "tonight"         17:00-20:00
"dans la journée", "by end of day"             08:00-17:00
"14h", "14h30", "2pm", "2:30pm", "à 14h"       that moment, one hour (``end`` None)
"entre 9h et 11h", "between 9 and 11am",       09:00-11:00
"de 9h à 11h", "9-11am", "demain 9-11"
"avant 10h", "before lunch", "by 3pm",         08:00 until then
"14h au plus tard"
"après 14h", "after lunch", "dès 10h"          then until 17:00 (20:00 after 17:00)
=============================================  ===========================================

.. [1] "am"/"pm" alone only after a day or "ce", "cet", "en", "this", "the": "ce pm",
   "demain am", "en am" ("PM" alone is a preventive maintenance, "I am" is not a morning).

Days: none said is today; "aujourd'hui"/"auj"/"today" 0, "demain"/"tomorrow"/"tmrw" 1,
"après-demain"/"day after tomorrow" 2; a weekday ("lundi", "mon", "tues", "jeu") is the next
such day (``resolve`` decides whether that is today). Other phrases: "début de journée",
"first thing" 08:00-09:00 (first hour); "début d'après-midi"/"early afternoon" 12:00-14:00;
"fin d'après-midi"/"late afternoon" 15:00-17:00; "fin de matinée"/"late morning" 10:00-12:00;
"early morning"/"début de matinée" 08:00-10:00.

Hours without am/pm: 1-6 are afternoon ("à 2h", "at 3" are 14:00, 15:00: nobody books a car
at 2 in the morning), 7-12 as written, 13-23 the 24-hour clock. A part of the day said too
moves an hour into it: "ce soir 7h" is 19:00. In a range the end's am/pm also applies to the
start when it fits ("between 9 and 11am", "1-3pm"), and an end before the start is afternoon
("10-2" is 10:00-14:00). The first day and the first time said win.

Not times, by design:

- numbers glued to letters or of three digits and more: models (Q5, RAV4, F-150, CX-50),
  stock numbers (T9001, 20H4471, #12), VINs, years (2022, '22), mileage (120 000 km), prices;
- a bare number ("2 clés", "F150 24"): a number without h, ":" or am/pm is an hour only after
  "at", "@", "vers", "around", "avant", "après", "until"... or in a range with "entre",
  "between", "from" or next to a day ("demain 9-11"; "9-11" alone is not read), and never
  when a unit or a plural follows ("after 2 days", "between 2 and 4 tires"); French times
  need their h ("à 2h", not "à 2");
- "2h" after "environ", "prend", "pendant", "en", "dans", "within" (a duration), and a time
  after "stock", "stk", "no", "vin" (an identifier);
- greetings and sign-offs: "bon matin", "good morning", "bonne fin de journée", "bonne soirée";
- abbreviations that are words first ("mon", "mar", "mer", "jeu", "sam", "sun", "sat", "dim",
  "merc", "dem") name a day only right before a time: "lun matin", "mon 2pm", "dem am"
  ("jeu de pneus" is not Thursday);
- a day or part after "pas"/"not" ("pas demain"), a day gone by ("last tuesday",
  "mardi dernier", "lundi passé").

Not read (no window): "asap", "now", "semaine prochaine", "next week", dates ("le 5",
"Dec 5"), "dans 2h", "before tomorrow" (read as tomorrow).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from datetime import time
from typing import Generic, TypeVar

import attrs

from sm2_adapters.parsing.text import fold, words
from sm2_core.domain.window import WhenSaid

V = TypeVar("V")

WORK_START = time(8)
WORK_END = time(17)
EVENING_END = time(20)
#: Hours said without am/pm that are afternoon ones: "à 2h" is 14:00.
PM_HOURS = range(1, 7)


@attrs.frozen
class _Clock:
    """A time written with digits, its hour not settled yet ("2" may be 14:00)."""

    hour: int
    minute: int = 0
    half: str | None = None
    """``a`` or ``p`` when am/pm was written."""
    h_form: bool = False
    """Written with an h ("2h", "14h30"), as a duration is written too."""
    colon: bool = False
    """Written with a colon ("2:30")."""

    @property
    def bare(self) -> bool:
        """A number alone: an hour only where something says it is one."""
        return self.half is None and not self.h_form and not self.colon


@attrs.frozen
class _Part:
    """A part of the day, or a moment when ``end`` is None."""

    start: time
    end: time | None = None


@attrs.frozen
class _Day:
    days_ahead: int = 0
    weekday: int | None = None


@attrs.frozen
class _Said:
    """A time expression whose hours are settled once the whole text is read."""

    kind: str
    """``at``, ``before``, ``after`` or ``range``."""
    first: _Clock | _Part
    last: _Clock | None = None


_Item = str | _Clock
#: Items that are not words: punctuation that ends a phrase, and anything with digits in it
#: that is not a time (a model, a stock number, a year).
_STOP = "."
_OTHER = "#"


class _Phrases(Generic[V]):
    """Word sequences and what they mean, matched longest first."""

    def __init__(self, entries: Mapping[str, V]) -> None:
        by_first: dict[str, list[tuple[tuple[str, ...], V]]] = {}
        for phrase, value in entries.items():
            key = words(phrase) or (phrase,)
            by_first.setdefault(key[0], []).append((key, value))
        # Most items start no phrase: one dict probe tells.
        self._by_first = {
            first: sorted(found, key=lambda entry: -len(entry[0]))
            for first, found in by_first.items()
        }

    @property
    def first_words(self) -> frozenset[str]:
        return frozenset(self._by_first)

    @property
    def words(self) -> frozenset[str]:
        """Every word of every phrase."""
        return frozenset(w for found in self._by_first.values() for key, _ in found for w in key)

    def at(self, items: Sequence[_Item], i: int) -> tuple[int, V] | None:
        """(number of items, meaning) of the longest phrase starting at ``i``."""
        first = items[i] if 0 <= i < len(items) else None
        if not isinstance(first, str):
            return None
        for key, value in self._by_first.get(first, ()):
            if tuple(items[i : i + len(key)]) == key:
                return len(key), value
        return None


_MORNING = _Part(WORK_START, time(12))
_AFTERNOON = _Part(time(12), WORK_END)
_EVENING = _Part(WORK_END, EVENING_END)
_END_OF_DAY = _Part(time(15), WORK_END)
_WORKDAY = _Part(WORK_START, WORK_END)
_LUNCH = _Part(time(12), time(13))
_NOON = _Part(time(12))
_FIRST_HOUR = _Part(WORK_START, time(9))

_DAYS: _Phrases[_Day] = _Phrases(
    {
        **dict.fromkeys(("aujourd'hui", "aujourdhui", "aujourd hui", "auj", "ajd"), _Day(0)),
        **dict.fromkeys(("today", "tday"), _Day(0)),
        **dict.fromkeys(("demain", "dmain", "demin", "tomorrow", "tomorow"), _Day(1)),
        **dict.fromkeys(("tommorow", "tommorrow", "tmrw", "tmr", "tmw"), _Day(1)),
        **dict.fromkeys(("après-demain", "apresdemain", "day after tomorrow"), _Day(2)),
        **dict.fromkeys(("lundi", "monday"), _Day(weekday=0)),
        **dict.fromkeys(("mardi", "tuesday", "tues"), _Day(weekday=1)),
        **dict.fromkeys(("mercredi", "wednesday", "wed", "weds"), _Day(weekday=2)),
        **dict.fromkeys(("jeudi", "thursday", "thurs", "thur"), _Day(weekday=3)),
        **dict.fromkeys(("vendredi", "friday", "fri"), _Day(weekday=4)),
        **dict.fromkeys(("samedi", "saturday"), _Day(weekday=5)),
        **dict.fromkeys(("dimanche", "sunday"), _Day(weekday=6)),
    }
)
#: Abbreviations that are words first: a day only right before a time ("lun matin").
_WEAK_DAYS: _Phrases[_Day] = _Phrases(
    {
        "dem": _Day(1),
        **dict.fromkeys(("lun", "mon"), _Day(weekday=0)),
        **dict.fromkeys(("mar", "tue"), _Day(weekday=1)),
        **dict.fromkeys(("mer", "merc"), _Day(weekday=2)),
        **dict.fromkeys(("jeu", "thu"), _Day(weekday=3)),
        **dict.fromkeys(("ven", "vend"), _Day(weekday=4)),
        **dict.fromkeys(("sam", "sat"), _Day(weekday=5)),
        **dict.fromkeys(("dim", "sun"), _Day(weekday=6)),
    }
)
_PARTS: _Phrases[_Part] = _Phrases(
    {
        **dict.fromkeys(("matin", "matinée", "morning", "avant-midi", "avant midi"), _MORNING),
        **dict.fromkeys(("avantmidi", "before noon", "in the morning"), _MORNING),
        **dict.fromkeys(("midi", "noon"), _NOON),
        **dict.fromkeys(("lunch", "lunchtime", "dîner", "heure du dîner"), _LUNCH),
        **dict.fromkeys(("après-midi", "apresmidi", "aprem", "apm", "afternoon"), _AFTERNOON),
        **dict.fromkeys(("fin de journée", "fin journée", "fin de la journée"), _END_OF_DAY),
        **dict.fromkeys(("end of day", "end of the day", "eod"), _END_OF_DAY),
        **dict.fromkeys(("soir", "soirée", "evening", "tonight", "tonite", "night"), _EVENING),
        **dict.fromkeys(
            (
                "dans la journée",
                "en journée",
                "during the day",
                "avant la fin de la journée",
                "avant la fin de journée",
                "avant fin de journée",
                "d'ici la fin de la journée",
                "d'ici la fin de journée",
                "by end of day",
                "by the end of the day",
                "before end of day",
                "before the end of the day",
                "by eod",
                "before eod",
            ),
            _WORKDAY,
        ),
        **dict.fromkeys(("début de journée", "première heure", "first thing"), _FIRST_HOUR),
        **dict.fromkeys(("début de matinée", "early morning"), _Part(WORK_START, time(10))),
        **dict.fromkeys(("fin de matinée", "late morning"), _Part(time(10), time(12))),
        **dict.fromkeys(("début d'après-midi", "early afternoon"), _Part(time(12), time(14))),
        **dict.fromkeys(("fin d'après-midi", "fin de pm", "late afternoon"), _END_OF_DAY),
    }
)
#: "am" and "pm" alone: a part of the day only after a day or one of ``_THIS``.
_WEAK_PARTS: _Phrases[_Part] = _Phrases({"am": _MORNING, "pm": _AFTERNOON})
_THIS = frozenset({"ce", "cet", "cette", "en", "le", "l", "this", "the", "in"})

#: Words before a clock or a part of the day, and whether a bare number may follow them.
_CUES: _Phrases[tuple[str, bool]] = _Phrases(
    {
        **dict.fromkeys(
            ("at", "@", "vers", "around", "autour de", "aux alentours de"), ("at", True)
        ),
        **dict.fromkeys(
            (
                "avant",
                "before",
                "by",
                "d'ici",
                "au plus tard",
                "no later than",
                "pas plus tard que",
                "jusqu'à",
                "until",
                "till",
                "til",
            ),
            ("before", True),
        ),
        **dict.fromkeys(
            ("après", "after", "à partir de", "pas avant", "not before", "from", "starting"),
            ("after", True),
        ),
        # "dès 10h", but "des" is also "some": "des 2 côtés" is no time.
        "dès": ("after", False),
    }
)
#: After a time: "14h au plus tard".
_LATEST: _Phrases[bool] = _Phrases(
    dict.fromkeys(("au plus tard", "at the latest", "latest", "max", "maximum"), True)
)
#: Words that open a range, and whether two bare numbers may follow ("entre 9 et 11").
_OPENERS: _Phrases[bool] = _Phrases(
    {"entre": True, "between": True, "btw": True, "btwn": True, "from": True, "de": False}
)
_JOINS: _Phrases[bool] = _Phrases(
    dict.fromkeys(("et", "and", "à", "to", "-", "till", "until", "jusqu'à"), True)
)

_FILLERS = frozenset({"le", "la", "les", "l", "the"})
_GREETINGS = frozenset({"bon", "bonne", "belle", "beau", "bel", "good", "great", "nice"})
_NOT = frozenset({"pas", "not", "sauf", "except"})
#: Around a day, words that put it in the past: "last tuesday", "mardi dernier".
_PAST_BEFORE = frozenset({"last", "past"})
_PAST_AFTER = frozenset({"dernier", "derniere", "passe", "passee"})
#: Before a time, words that make it an identifier ("stock 14h30").
_IDENTIFIER_WORDS = frozenset({"stock", "stk", "no", "num", "numero", "unit", "unite", "vin"})
#: Before "2h", words that make it a duration ("prend environ 2h").
_DURATION_WORDS = frozenset(
    {"environ", "env", "pendant", "prend", "prends", "prendre", "dure", "duree", "en", "dans"}
    | {"approx", "aprox", "about", "within", "takes", "take", "in"}
)
#: Words after a bare hour that say it is one ("vers 2 heures", "at 2 thanks").
_COURTESY = frozenset(
    {"svp", "stp", "please", "pls", "plz", "merci", "thanks", "thx", "heure", "heures"}
)
#: Words after a bare number that make it a count ("après 2 jours", "at 2 km").
_COUNTED = frozenset(
    {"pneu", "pneus", "tire", "tires", "roue", "roues", "wheel", "wheels", "jour", "jours"}
    | {"day", "days", "semaine", "semaines", "week", "weeks", "mois", "month", "months", "an"}
    | {"ans", "year", "years", "km", "kms", "mi", "miles", "cle", "cles", "key", "keys", "fob"}
    | {"fobs", "porte", "portes", "door", "doors", "vehicule", "vehicules", "vehicle", "car"}
    | {"cars", "auto", "autos", "char", "chars", "camion", "camions", "truck", "trucks", "pdi"}
    | {"pdis", "unite", "unites", "unit", "units", "essai", "essais", "try", "tries", "fois"}
    | {"time", "times", "hour", "hours", "hr", "hrs", "min", "mins", "minute", "minutes"}
    | {"x", "l", "litre", "litres", "qt", "dollars", "piasses", "place", "places", "tech"}
    | {"techs", "personne", "personnes", "people", "job", "jobs", "boulon", "boulons"}
)

# "a.m."/"p.m." written as one word before the text is cut into items.
_DOTTED_HALF = re.compile(r"(?<![a-z])([ap])\.\s?m\b\.?")
# A day's abbreviation with its dot, right before a time ("ven. 9h", "Fri. 2pm"): the dot is
# the abbreviation's, not the end of a sentence.
_DOTTED_DAY = re.compile(
    r"(?<![a-z])(lun|mar|mer|merc|jeu|ven|vend|sam|dim|dem|mon|tue|tues|wed|thu|thurs|fri|sat|sun)"
    r"\.(?=\s?\d)"
)
_ITEM = re.compile(
    r"(?<![\w#$])(?P<hour>\d{1,2})"
    r"(?:(?P<h>\s?h)(?:\s?(?P<hmin>[0-5]\d))?|:(?P<cmin>[0-5]\d))?"
    r"(?:\s?(?P<half>[ap])m)?(?!\w)"
    r"|(?P<word>[a-z]+)(?!\w)"
    r"|(?P<other>\w+)"
    # A dash only between numbers ("9-11", "9h-11h") or from one to noon ("8-midi"):
    # "après-midi" stays two words.
    r"|(?P<mark>(?:(?<=[\dhm])|(?<=[\dhm]\s))-(?=\s?(?:\d|midi\b|noon\b))|@)"
    r"|(?P<stop>[.,;!?:/()\n])"
)
_DIGIT_NEXT = re.compile(r"\s?\d")
#: The words a day, a part of the day or a time expression can start with.
_STARTS = frozenset().union(
    *(table.first_words for table in (_DAYS, _WEAK_DAYS, _PARTS, _WEAK_PARTS, _CUES, _OPENERS))
)
#: A quick look for anything that may say when: a time written with h, ":" or am/pm, an "@",
#: or a word of the tables; the commonest words are left out, as every phrase that starts
#: with one has a rarer word after it ("d'ici", "à partir de") or only reads such a time
#: ("de 9h à 11h", "dès 10h").
_WRITTEN_TIME = re.compile(r"\d\s?(?:h|:|[ap]m)|@")
_WORDS = re.compile(r"[a-z]+")
_VOCABULARY = frozenset().union(
    *(table.words for table in (_DAYS, _WEAK_DAYS, _PARTS, _WEAK_PARTS, _CUES, _OPENERS))
) - {"a", "d", "de", "des", "du", "la", "le", "l", "en", "in", "the", "of"}


def read_when(text: str) -> WhenSaid | None:
    """When ``text`` says the work is wanted, or None when it says no day and no time."""
    folded = _DOTTED_DAY.sub(r"\1 ", _DOTTED_HALF.sub(r"\1m", fold(text)))
    if not _WRITTEN_TIME.search(folded) and _VOCABULARY.isdisjoint(_WORDS.findall(folded)):
        return None
    day, part, said = _scan(_items(folded))
    span = _settle(said, part) if said is not None else None
    span = span or part
    if span is None and day is None:
        return None
    span = span or _WORKDAY
    day = day or _Day()
    return WhenSaid(span.start, span.end, day.days_ahead, day.weekday)


def _items(folded: str) -> list[_Item]:
    """The words, clocks and marks of a folded text (lower case, no accents)."""
    items: list[_Item] = []
    for match in _ITEM.finditer(folded):
        kind = match.lastgroup
        if match.group("hour") is not None:
            items.append(_clock_item(match, folded))
        elif kind == "word":
            items.append(match.group())
        elif kind == "mark":
            items.append(match.group().strip())
        else:
            items.append(_STOP if kind == "stop" else _OTHER)
    return items


def _clock_item(match: re.Match[str], folded: str) -> _Item:
    hour = int(match.group("hour"))
    minute = match.group("hmin") or match.group("cmin")
    clock = _Clock(
        hour,
        int(minute) if minute else 0,
        match.group("half"),
        h_form=match.group("h") is not None,
        colon=match.group("cmin") is not None,
    )
    if clock.bare and _DIGIT_NEXT.match(folded, match.end()):
        return _OTHER  # a group of thousands: "12 000 km"
    valid = 1 <= hour <= 12 if clock.half else hour <= 23 and (hour > 0 or not clock.bare)
    return clock if valid else _OTHER


def _scan(items: Sequence[_Item]) -> tuple[_Day | None, _Part | None, _Said | None]:
    """The first day, part of the day and time expression the text names."""
    day: _Day | None = None
    part: _Part | None = None
    said: _Said | None = None
    day_end = -1
    i = 0
    while i < len(items):
        if isinstance(items[i], str) and items[i] not in _STARTS:
            i += 1  # most words start nothing
            continue
        after_day = i == day_end
        if (day_hit := _day_at(items, i)) is not None:
            n, found_day = day_hit
            day = day or found_day
            day_end = i + n
        elif (part_hit := _part_at(items, i, after_day=after_day)) is not None:
            n, found_part = part_hit
            part = part or found_part
        elif (
            said_hit := _range_at(items, i, after_day=after_day)
            or _cued_at(items, i)
            or _clock_at(items, i)
        ) is not None:
            n, found_said = said_hit
            said = said or found_said
        else:
            n = 1
        i += n
    return day, part, said


def _word(items: Sequence[_Item], i: int) -> str:
    """The word at ``i``; "" for a clock or outside the text."""
    item = items[i] if 0 <= i < len(items) else ""
    return item if isinstance(item, str) else ""


def _clock(items: Sequence[_Item], i: int) -> _Clock | None:
    item = items[i] if 0 <= i < len(items) else None
    return item if isinstance(item, _Clock) else None


def _day_at(items: Sequence[_Item], i: int) -> tuple[int, _Day | None] | None:
    hit = _DAYS.at(items, i)
    if hit is None:
        hit = _WEAK_DAYS.at(items, i)
        if hit is None or not _time_follows(items, i + hit[0]):
            return None
    n, day = hit
    before, after = _word(items, i - 1), _word(items, i + n)
    if before in _NOT or before in _PAST_BEFORE or after in _PAST_AFTER:
        return n, None
    return n, day


def _part_at(items: Sequence[_Item], i: int, *, after_day: bool) -> tuple[int, _Part | None] | None:
    hit = _PARTS.at(items, i)
    if hit is None:
        hit = _WEAK_PARTS.at(items, i)
        if hit is None or not (after_day or _word(items, i - 1) in _THIS):
            return None
    n, part = hit
    before = _word(items, i - 1)
    # "Morning, ..." opens a text as "bon matin" does.
    greeting = before in _GREETINGS or (i == 0 and n < len(items) and items[n] == _STOP)
    return (n, None) if greeting or before in _NOT else (n, part)


def _time_follows(items: Sequence[_Item], i: int) -> bool:
    """True when a time starts at ``i`` (after a weak day: "lun matin", "mon 2pm")."""
    clock = _clock(items, i)
    if clock is not None:
        return not clock.bare or _range_at(items, i, after_day=True) is not None
    return _PARTS.at(items, i) is not None or _WEAK_PARTS.at(items, i) is not None


def _nothing_counted(items: Sequence[_Item], i: int) -> bool:
    """False when the word at ``i`` makes the bare number before it a count: "after 2 days",
    "between 2 and 4 tires" (a unit, or a plural that names no time)."""
    word = _word(items, i)
    if word in _COURTESY or _names_a_time(items, i):
        return True
    return word not in _COUNTED and not (len(word) > 3 and word.endswith("s"))


def _names_a_time(items: Sequence[_Item], i: int) -> bool:
    return any(table.at(items, i) is not None for table in (_DAYS, _WEAK_DAYS, _PARTS, _WEAK_PARTS))


def _range_at(items: Sequence[_Item], i: int, *, after_day: bool) -> tuple[int, _Said] | None:
    """ "entre 9h et 11h", "between 9 and 11am", "9-11", "de 9h à 11h"."""
    opener = _OPENERS.at(items, i)
    j = i + (opener[0] if opener else 0)
    first = _clock(items, j)
    join = _JOINS.at(items, j + 1) if first is not None else None
    if first is None or join is None:
        return None
    k = j + 1 + join[0]
    last = _clock(items, k) or _NOON_CLOCK.get(_word(items, k))
    if last is None:
        return None
    if last.bare and not _nothing_counted(items, k + 1):
        return None  # "between 2 and 4 tires"
    said = bool(opener and opener[1]) or after_day or _names_a_time(items, k + 1)
    if first.bare and last.bare and not said:
        return None  # "2-3", a count or a model, unless a day or "entre" says it is a time
    return k + 1 - i, _Said("range", first, last)


#: A range may end at noon said in words: "de 8h à midi", "from 8 to noon".
_NOON_CLOCK = {word: _Clock(12, half="p") for word in ("midi", "noon")}


def _cued_at(items: Sequence[_Item], i: int) -> tuple[int, _Said] | None:
    """ "avant 10h", "after lunch", "vers 2", "à partir de 13h", "at noon"."""
    cue = _CUES.at(items, i)
    if cue is None:
        return None
    n, (kind, bare_ok) = cue
    j = i + n
    while _word(items, j) in _FILLERS:
        j += 1
    clock = _clock(items, j)
    if clock is not None:
        if clock.bare and not (bare_ok and _nothing_counted(items, j + 1)):
            return None
        return j + 1 - i, _Said(kind, clock)
    part = _PARTS.at(items, j)
    if part is None:
        return None
    return j + part[0] - i, _Said(kind, part[1])


def _reads_as_duration(hour: int, before: str | None, after: str | None, then: str | None) -> bool:
    """ "2h de main d'oeuvre", "job de 2h": an amount of work, not a time of day ("10h de
    préférence" and "rdv de 14h" stay times: work is counted in a few hours)."""
    if after == "de":
        return then in _WORK_WORDS
    return before == "de" and hour <= _LONGEST_JOB_HOURS and after not in _RANGE_ENDS


_RANGE_ENDS = frozenset({"a", "au", "jusqu", "jusqua", "et", "-"})
_LONGEST_JOB_HOURS = 8
_WORK_WORDS = frozenset(
    {"main", "travail", "job", "ouvrage", "temps", "route", "boulot", "attente", "labour", "work"}
)


def _clock_at(items: Sequence[_Item], i: int) -> tuple[int, _Said] | None:
    """A time said on its own: "14h", "2pm", "13h30"; "14h au plus tard"."""
    clock = _clock(items, i)
    if clock is None or clock.bare:
        return None
    before = _word(items, i - 1)
    if before in _IDENTIFIER_WORDS or (
        clock.h_form and not clock.half and before in _DURATION_WORDS
    ):
        return None
    after = (_word(items, i + 1), _word(items, i + 2))
    if clock.h_form and not clock.half and _reads_as_duration(clock.hour, before, *after):
        return None
    latest = _LATEST.at(items, i + 1)
    if latest is not None:
        return 1 + latest[0], _Said("before", clock)
    return 1, _Said("at", clock)


def _settle(said: _Said, part: _Part | None) -> _Part | None:
    """The wall-clock span ``said`` names, its hours read with the part of the day said."""
    if said.kind == "range":
        assert isinstance(said.first, _Clock)
        assert said.last is not None
        return _range(said.first, said.last, part)
    if isinstance(said.first, _Part):
        named = said.first
    else:
        at = _time(said.first, part)
        if at is None:
            return None
        named = _Part(at)
    if said.kind == "at":
        return named
    if said.kind == "before":
        return _until(named.start)
    return _from(named.end or named.start)


def _until(end: time) -> _Part | None:
    """From the start of the working day (or the hour before) until ``end``."""
    if end > WORK_START:
        return _Part(WORK_START, end)
    return _Part(end.replace(hour=end.hour - 1), end) if end.hour >= 1 else None


def _from(start: time) -> _Part:
    """From ``start`` until the end of the working day, or of the evening when later."""
    for end in (WORK_END, EVENING_END):
        if start < end:
            return _Part(start, end)
    return _Part(start)


def _range(first: _Clock, last: _Clock, part: _Part | None) -> _Part | None:
    end_hour = _hour(last, part)
    start_hour = _hour(first, part, half=last.half)
    if first.half is None and (start_hour is None or end_hour is None or start_hour >= end_hour):
        start_hour = _hour(first, part)  # "11 to 1pm": the pm is the end's alone
    if start_hour is None or end_hour is None:
        return None
    start, end = _hm(start_hour, first.minute), _hm(end_hour, last.minute)
    if end <= start and last.half is None and end_hour < 12:
        end = _hm(end_hour + 12, last.minute)  # "10-2" is 10:00-14:00
    if end <= start or _minutes(end) - _minutes(start) > 12 * 60:
        return None
    return _Part(start, end)


def _time(clock: _Clock, part: _Part | None) -> time | None:
    hour = _hour(clock, part)
    return None if hour is None else _hm(hour, clock.minute)


def _hour(clock: _Clock, part: _Part | None, *, half: str | None = None) -> int | None:
    """The hour on a 24-hour clock; ``half`` is an am/pm said elsewhere (a range's end)."""
    half = clock.half or half
    if half is not None:
        if not 1 <= clock.hour <= 12:
            return None
        return clock.hour % 12 + (12 if half == "p" else 0)
    if clock.hour in PM_HOURS:
        return clock.hour + 12
    if part is not None and clock.hour < 12 and part.start.hour >= 12:
        later = clock.hour + 12  # "ce soir 7h" is 19:00
        if later <= (part.end or part.start).hour:
            return later
    return clock.hour


def _hm(hour: int, minute: int) -> time:
    return time(hour, minute)


def _minutes(at: time) -> int:
    return at.hour * 60 + at.minute
