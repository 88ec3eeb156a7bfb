"""Dates, money and distances the way Québec writes them, in French and in English.

Hand-written rather than babel: the portals need four formats, and these are the OQLF's
("25 nov. 2026 14 h 05", "1 249,00 $") and the usual Canadian English ones ("Nov 25, 2026
2:05 PM", "$1,249.00"). French separates thousands and the dollar sign with a no-break space
so a line never wraps inside an amount.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal
from zoneinfo import ZoneInfo

#: Québec City keeps Eastern time; times are stored in UTC and shown in the company's zone
#: (``SM2_TIMEZONE``), this one unless it says otherwise.
QUEBEC = ZoneInfo("America/Toronto")
NBSP = "\u00a0"

_MONTHS = {
    "fr": (
        "janv.",
        "févr.",
        "mars",
        "avr.",
        "mai",
        "juin",
        "juill.",
        "août",
        "sept.",
        "oct.",
        "nov.",
        "déc.",
    ),
    "en": ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"),
}

_WEEKDAYS = {
    "fr": ("lun.", "mar.", "mer.", "jeu.", "ven.", "sam.", "dim."),
    "en": ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"),
}


def format_date(moment: datetime, lang: str, zone: ZoneInfo = QUEBEC) -> str:
    when = moment.astimezone(zone)
    month = _MONTHS[lang][when.month - 1]
    if lang == "fr":
        return f"{when.day} {month} {when.year}"
    return f"{month} {when.day}, {when.year}"


def format_day(day: date, lang: str) -> str:
    """A day of the coming week or so, short: ``lun. 8 déc.`` / ``Mon Dec 8``."""
    weekday, month = _WEEKDAYS[lang][day.weekday()], _MONTHS[lang][day.month - 1]
    if lang == "fr":
        return f"{weekday} {day.day} {month}"
    return f"{weekday} {month} {day.day}"


def format_time(moment: datetime, lang: str, zone: ZoneInfo = QUEBEC) -> str:
    when = moment.astimezone(zone)
    if lang == "fr":
        return f"{when.hour} h {when.minute:02d}"
    hour = when.hour % 12 or 12
    return f"{hour}:{when.minute:02d} {'AM' if when.hour < 12 else 'PM'}"


def format_datetime(moment: datetime | None, lang: str, zone: ZoneInfo = QUEBEC) -> str:
    """``25 nov. 2026 14 h 05`` / ``Nov 25, 2026 2:05 PM`` in ``zone``; empty for no moment."""
    if moment is None:
        return ""
    return f"{format_date(moment, lang, zone)} {format_time(moment, lang, zone)}"


def format_instant(value: str | None, lang: str, zone: ZoneInfo = QUEBEC) -> str:
    """An ISO 8601 instant as an audit entry keeps it, shown like ``format_datetime``."""
    if not value:
        return ""
    try:
        return format_datetime(datetime.fromisoformat(value), lang, zone)
    except ValueError:
        return value


def _grouped(digits: str, separator: str) -> str:
    groups: list[str] = []
    while len(digits) > 3:
        groups.insert(0, digits[-3:])
        digits = digits[:-3]
    groups.insert(0, digits)
    return separator.join(groups)


def format_number(value: Decimal | float | int, lang: str, places: int = 2) -> str:
    quantum = Decimal(1).scaleb(-places)
    amount = Decimal(str(value)).quantize(quantum, rounding=ROUND_HALF_UP)
    sign = "-" if amount < 0 else ""
    whole, _, fraction = f"{abs(amount):f}".partition(".")
    if lang == "fr":
        text = _grouped(whole, NBSP) + (f",{fraction}" if places else "")
    else:
        text = _grouped(whole, ",") + (f".{fraction}" if places else "")
    return sign + text


def format_money(value: Decimal | float | int | None, lang: str) -> str:
    """``249,00 $`` / ``$249.00``; empty for no amount."""
    if value is None:
        return ""
    text = format_number(value, lang)
    if lang == "fr":
        return f"{text}{NBSP}$"
    return f"-${text[1:]}" if text.startswith("-") else f"${text}"


def format_km(value: float | None, lang: str) -> str:
    if value is None:
        return "—"
    return f"{format_number(value, lang, places=1)}{NBSP}km"


def format_percent(share: float, lang: str) -> str:
    """``95 %`` / ``95%`` for a share between 0 and 1."""
    whole = round(share * 100)
    return f"{whole}{NBSP}%" if lang == "fr" else f"{whole}%"
