"""Appointment windows: when a job is to be done, and the times a text names.

Instants are kept aware and compared as instants, so a window across a daylight-saving change
is as long as the clock on the wall says minus (or plus) the hour the change takes or gives.
Wall-clock arithmetic (``tomorrow 8:00``) is done on local dates and times and only then made
an instant in the company's zone.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import attrs

from sm2_core.errors import InvalidInput

MAX_LENGTH = timedelta(hours=12)
"""No appointment window is longer: a longer one says nothing a dispatcher can plan with."""


@attrs.frozen
class Window:
    """A job's appointment window: ``start`` inclusive, ``end`` exclusive, both aware."""

    start: datetime
    end: datetime

    def overlaps(self, other: Window) -> bool:
        return self.start < other.end and other.start < self.end

    def covers_day(self, day: date, zone: ZoneInfo) -> bool:
        """True when some of the window falls on ``day`` in ``zone``."""
        return self.overlaps(local_day(day, zone))


def window(start: datetime, end: datetime) -> Window:
    """A valid window, or :class:`InvalidInput` naming the field at fault."""
    for name, value in (("window_start", start), ("window_end", end)):
        if value.tzinfo is None or value.utcoffset() is None:
            raise InvalidInput(
                f"{name} needs a UTC offset, e.g. 2026-03-09T08:00:00-04:00",
                fields={name: "no UTC offset"},
            )
    # As instants: two times of one zone compare and subtract as wall clocks, so 00:00 to
    # 12:00 on the autumn change would pass for 12 hours (it is 13).
    try:
        start, end = start.astimezone(UTC), end.astimezone(UTC)
    except OverflowError:
        raise InvalidInput(
            "The window is outside the calendar", fields={"window_start": "out of range"}
        ) from None
    if end <= start:
        raise InvalidInput(
            "The window must end after it starts", fields={"window_end": "not after the start"}
        )
    if end - start > MAX_LENGTH:
        raise InvalidInput(
            "A window is at most 12 hours long", fields={"window_end": "more than 12 hours"}
        )
    return Window(start, end)


def planned(start: datetime | None, end: datetime | None, duration: timedelta) -> Window | None:
    """The time a job takes on a day: its window, or from its start for the service's expected
    duration when it has no end; None when it has no start."""
    if start is None:
        return None
    # In UTC: an aware datetime plus a duration is wall-clock arithmetic in its own zone.
    start = start.astimezone(UTC)
    return Window(start, end.astimezone(UTC) if end is not None else start + duration)


def at_local(day: date, when: time, zone: ZoneInfo) -> datetime:
    """The instant a wall clock in ``zone`` shows ``when`` on ``day``.

    A time the clocks skip (2:30 on the spring change) is read as the instant an hour later
    on the wall, as clocks that were not changed yet would show it; a time shown twice (1:30
    on the autumn change) is the first of the two."""
    local = datetime.combine(day, when, tzinfo=zone)
    return local.astimezone(UTC).astimezone(zone)


def wall_window(
    day: date, start: time, end: time | None, zone: ZoneInfo
) -> tuple[datetime, datetime | None]:
    """A window typed as a day and wall-clock times in ``zone``, as instants (UTC); an end
    not after the start is on the next day (22:00–01:00)."""
    first = at_local(day, start, zone).astimezone(UTC)
    if end is None:
        return first, None
    last_day = day if end > start else day + timedelta(days=1)
    return first, at_local(last_day, end, zone).astimezone(UTC)


def local_day(day: date, zone: ZoneInfo) -> Window:
    """The whole of ``day`` in ``zone``: 23, 24 or 25 hours."""
    return Window(
        at_local(day, time(0), zone).astimezone(UTC),
        at_local(day + timedelta(days=1), time(0), zone).astimezone(UTC),
    )


@attrs.frozen
class WhenSaid:
    """A time a text names, relative to when it was sent: a day and a part of it.

    ``days_ahead`` counts from the day the text was sent (0 today, 1 tomorrow); ``weekday``
    (0 Monday .. 6 Sunday) names the next such day instead, today excluded once its window
    has passed. ``start``/``end`` are wall-clock times; ``end`` is None for a moment ("2pm"),
    which becomes a one-hour window."""

    start: time
    end: time | None = None
    days_ahead: int = 0
    weekday: int | None = None


def resolve(said: WhenSaid, sent_at: datetime, zone: ZoneInfo) -> Window | None:
    """The window a text proposes, in ``zone``; None when it names a time already past (or
    a part of the day that ends before it starts)."""
    today = sent_at.astimezone(zone).date()
    if said.weekday is None:
        found = _on(said, today + timedelta(days=said.days_ahead), zone)
    else:
        day = today + timedelta(days=(said.weekday - today.weekday()) % 7)
        found = _on(said, day, zone)
        if found is not None and found.end <= sent_at:
            # "lundi" said on a Monday afternoon means next Monday.
            found = _on(said, day + timedelta(days=7), zone)
    if found is None or found.end <= sent_at:
        return None
    return found


def _on(said: WhenSaid, day: date, zone: ZoneInfo) -> Window | None:
    start = at_local(day, said.start, zone)
    # A moment lasts one real hour: aware arithmetic in ``zone`` would add one *wall* hour,
    # two real ones from 1:30 on the autumn change.
    end = (
        at_local(day, said.end, zone)
        if said.end is not None
        else start.astimezone(UTC) + timedelta(hours=1)
    )
    if end <= start:
        return None
    return Window(start.astimezone(UTC), end.astimezone(UTC))


_DAYS = {
    "fr": ("lun.", "mar.", "mer.", "jeu.", "ven.", "sam.", "dim."),
    "en": ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"),
}
_MONTHS = {
    "fr": (
        "janv.", "févr.", "mars", "avr.", "mai", "juin",
        "juil.", "août", "sept.", "oct.", "nov.", "déc.",
    ),
    "en": ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"),
}  # fmt: skip


def describe(start: datetime, end: datetime | None, zone: ZoneInfo, language: str) -> str:
    """A window as people read it in a text, in ``zone``: "ven. 5 déc. 8h00–10h00",
    "Fri Dec 5, 8:00–10:00"; a start alone is its time."""
    lang = "fr" if language == "fr" else "en"
    first = start.astimezone(zone)
    day, month = _DAYS[lang][first.weekday()], _MONTHS[lang][first.month - 1]
    times = _clock(first, lang)
    if end is not None:
        times += "–" + _clock(end.astimezone(zone), lang)
    if lang == "fr":
        return f"{day} {first.day} {month} {times}"
    return f"{day} {month} {first.day}, {times}"


def _clock(when: datetime, lang: str) -> str:
    return f"{when.hour}h{when.minute:02d}" if lang == "fr" else f"{when.hour}:{when.minute:02d}"
