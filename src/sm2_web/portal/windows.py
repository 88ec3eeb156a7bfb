"""Appointment windows as the portals write them, in the company's time zone:
"Aujourd'hui 8:00–10:00", "Demain 13:00–14:00", "lun. 8 déc. 9:00–…" (no end: the service's
expected duration)."""

from __future__ import annotations

from datetime import date, datetime, time
from zoneinfo import ZoneInfo

from sm2_core.tech_day import slot
from sm2_web.portal.formats import format_day
from sm2_web.portal.i18n import Translator


def clock(when: time) -> str:
    return f"{when.hour}:{when.minute:02d}"


def window_text(
    start: datetime | None,
    end: datetime | None,
    *,
    today: date,
    zone: ZoneInfo,
    t: Translator,
) -> str:
    """The window from ``today``'s point of view; empty without a start."""
    found = slot(start, end, today=today, zone=zone)
    if found is None:
        return ""
    times = f"{clock(found.start)}–{clock(found.end) if found.end else '…'}"
    if found.days_ahead == 0:
        return t("Today {times}", times=times)
    if found.days_ahead == 1:
        return t("Tomorrow {times}", times=times)
    return f"{format_day(found.day, t.lang)} {times}"
