"""Window arithmetic (``sm2_core.domain.window``) across the daylight-saving changes of 2026 in
America/Toronto: on 2026-03-08 the clocks jump from 02:00 to 03:00, on 2026-11-01 they fall
back from 02:00 to 01:00."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from sm2_core.domain.window import (
    MAX_LENGTH,
    WhenSaid,
    Window,
    at_local,
    local_day,
    resolve,
    window,
)
from sm2_core.errors import InvalidInput

ZONE = ZoneInfo("America/Toronto")
SPRING = date(2026, 3, 8)
AUTUMN = date(2026, 11, 1)
SPRING_CHANGE = datetime(2026, 3, 8, 7, tzinfo=UTC)
"""02:00 EST, when the clocks jump to 03:00 EDT."""
AUTUMN_CHANGE = datetime(2026, 11, 1, 6, tzinfo=UTC)
"""02:00 EDT, when the clocks fall back to 01:00 EST."""
HOUR = timedelta(hours=1)

days = st.one_of(
    st.sampled_from([SPRING, AUTUMN]),
    st.builds(
        lambda day, shift: day + timedelta(days=shift),
        st.sampled_from([SPRING, AUTUMN]),
        st.integers(-3, 3),
    ),
    st.dates(date(2026, 1, 1), date(2026, 12, 31)),
)
change_days = st.sampled_from([SPRING, AUTUMN])
wall_times = st.builds(time, st.integers(0, 23), st.integers(0, 59))
#: Aware datetimes, some in the zone itself (times the spring change skips included: read as
#: the old offset's). Arithmetic on them is done in UTC: ``+``/``-`` on two datetimes of one
#: zone count wall-clock time.
instants = st.one_of(
    st.builds(
        lambda change, minutes: change + timedelta(minutes=minutes),
        st.sampled_from([SPRING_CHANGE, AUTUMN_CHANGE]),
        st.integers(-4 * 24 * 60, 4 * 24 * 60),
    ),
    st.datetimes(
        datetime(2026, 1, 1),
        datetime(2026, 12, 31),
        timezones=st.sampled_from([UTC, ZONE, ZoneInfo("America/Vancouver")]),
    ),
)
said_times = st.builds(
    WhenSaid,
    start=wall_times,
    end=st.none() | wall_times,
    days_ahead=st.integers(0, 7),
    weekday=st.none() | st.integers(0, 6),
)
windows = st.builds(
    lambda start, minutes: window(start, start.astimezone(UTC) + timedelta(minutes=minutes)),
    instants,
    st.integers(1, 12 * 60),
)


def skipped(day: date, wall: time) -> bool:
    """True for a time the clocks skip: 02:00-02:59 on the spring change."""
    return day == SPRING and time(2) <= wall < time(3)


def wall_shown(day: date, wall: time) -> time:
    """The time a wall clock shows at the instant ``at_local`` gives: an hour later when
    skipped."""
    if skipped(day, wall):
        return (datetime.combine(day, wall) + HOUR).time()
    return wall


class TestLocalDay:
    @given(days)
    def test_length_is_23_25_or_24_hours(self, day: date) -> None:
        """The spring change's day lasts 23 h, the autumn one's 25 h, every other day 24 h."""
        expected = {SPRING: timedelta(hours=23), AUTUMN: timedelta(hours=25)}
        whole = local_day(day, ZONE)
        assert expected.get(day, timedelta(hours=24)) == whole.end - whole.start

    @given(days)
    def test_days_tile_without_gaps(self, day: date) -> None:
        """A day ends where the next one starts, at local midnight."""
        assert local_day(day, ZONE).end == local_day(day + timedelta(days=1), ZONE).start
        start = local_day(day, ZONE).start.astimezone(ZONE)
        assert (day, time(0)) == (start.date(), start.time())

    @given(instants)
    def test_every_instant_falls_in_its_local_day(self, instant: datetime) -> None:
        """The local day of an instant's date holds that instant."""
        whole = local_day(instant.astimezone(ZONE).date(), ZONE)
        assert whole.start <= instant < whole.end


class TestResolve:
    @given(said_times, instants)
    def test_never_ends_before_it_was_sent(self, said: WhenSaid, sent_at: datetime) -> None:
        """A proposed window ends after the text was sent, and after it starts."""
        found = resolve(said, sent_at, ZONE)
        if found is not None:
            assert found.end > sent_at
            assert found.end > found.start

    @given(said_times, instants)
    def test_starts_at_the_time_said(self, said: WhenSaid, sent_at: datetime) -> None:
        """The start's wall clock is the time said; a time the spring change skips is the
        wall time an hour later."""
        found = resolve(said, sent_at, ZONE)
        if found is not None:
            start = found.start.astimezone(ZONE)
            assert wall_shown(start.date(), said.start) == start.time()

    @given(said_times, instants)
    def test_ends_at_the_end_said(self, said: WhenSaid, sent_at: datetime) -> None:
        """The end's wall clock is the end said; a moment ("2pm") lasts one real hour, even
        over a change."""
        found = resolve(said, sent_at, ZONE)
        if found is None:
            return
        if said.end is None:
            assert HOUR == found.end - found.start
        else:
            end = found.end.astimezone(ZONE)
            assert wall_shown(end.date(), said.end) == end.time()

    @given(change_days, wall_times)
    def test_a_moment_on_a_change_day_lasts_one_real_hour(self, day: date, start: time) -> None:
        """ "1h30" on the autumn change's day is 01:30 EDT to 01:30 EST, one hour later."""
        sent_at = at_local(day - timedelta(days=1), time(12), ZONE)
        found = resolve(WhenSaid(start, days_ahead=1), sent_at, ZONE)
        assert found is not None
        assert HOUR == found.end - found.start

    @given(said_times, instants)
    def test_on_the_day_said(self, said: WhenSaid, sent_at: datetime) -> None:
        """``days_ahead`` counts from the day sent; a weekday is the next one, at most a week
        on."""
        found = resolve(said, sent_at, ZONE)
        if found is None:
            return
        today = sent_at.astimezone(ZONE).date()
        day = found.start.astimezone(ZONE).date()
        if said.weekday is None:
            assert today + timedelta(days=said.days_ahead) == day
        else:
            assert said.weekday == day.weekday()
            assert 0 <= (day - today).days <= 7

    @given(wall_times, st.integers(0, 7), instants)
    def test_a_moment_still_ahead_is_proposed(
        self, start: time, days_ahead: int, sent_at: datetime
    ) -> None:
        """A moment whose hour has not ended when the text was sent is always proposed. Its
        hour is a real one (in UTC): "1h" on the autumn change's day ends at 01:00 EST, when
        the wall clock shows 1:00 again."""
        day = sent_at.astimezone(ZONE).date() + timedelta(days=days_ahead)
        if at_local(day, start, ZONE).astimezone(UTC) + HOUR > sent_at:
            assert resolve(WhenSaid(start, days_ahead=days_ahead), sent_at, ZONE) is not None

    @given(change_days, wall_times, wall_times)
    def test_window_across_a_change(self, day: date, start: time, end: time) -> None:
        """A window said on a change's day is resolved with the hour the change takes or
        gives."""
        sent_at = at_local(day - timedelta(days=1), time(12), ZONE)
        found = resolve(WhenSaid(start, end, days_ahead=1), sent_at, ZONE)
        first = at_local(day, start, ZONE).astimezone(UTC)
        last = at_local(day, end, ZONE).astimezone(UTC)
        if last <= first:
            assert found is None
        else:
            assert Window(first, last) == found


class TestAcrossTheChange:
    @given(change_days, wall_times, wall_times)
    def test_real_length_is_wall_length_give_or_take_an_hour(
        self, day: date, start: time, end: time
    ) -> None:
        """Across the spring change a window lasts an hour less than the wall clock says,
        across the autumn one an hour more; on either side of it, just what it says."""
        if skipped(day, start) or skipped(day, end) or end <= start:
            return
        wall = datetime.combine(day, end) - datetime.combine(day, start)
        # In UTC: two datetimes of one zone subtract as wall clocks.
        first = at_local(day, start, ZONE).astimezone(UTC)
        last = at_local(day, end, ZONE).astimezone(UTC)
        change = SPRING_CHANGE if day == SPRING else AUTUMN_CHANGE
        crosses = first < change <= last
        shift = (-HOUR if day == SPRING else HOUR) if crosses else timedelta(0)
        assert wall + shift == last - first
        if wall + shift <= MAX_LENGTH:
            made = window(first, last)
            assert wall + shift == made.end - made.start

    @given(change_days, wall_times)
    def test_crossing_is_the_offset_changing(self, day: date, wall: time) -> None:
        """Before the change a wall time is read in the old offset, after it in the new."""
        instant = at_local(day, wall, ZONE)
        change = SPRING_CHANGE if day == SPRING else AUTUMN_CHANGE
        summer = timedelta(hours=-4)
        winter = timedelta(hours=-5)
        before, after = (winter, summer) if day == SPRING else (summer, winter)
        expected = before if instant < change else after
        assert expected == instant.astimezone(ZONE).utcoffset()


class TestWindowFactory:
    @given(instants, st.integers(1, 12 * 60))
    def test_valid_window_is_kept_in_utc(self, start: datetime, minutes: int) -> None:
        """A window of up to 12 hours is made, the same instants held in UTC."""
        end = start.astimezone(UTC) + timedelta(minutes=minutes)
        made = window(start, end)
        assert (start.astimezone(UTC), end) == (made.start, made.end)
        assert UTC == made.start.tzinfo == made.end.tzinfo

    @given(instants, st.integers(-12 * 60, 0))
    def test_end_not_after_start_is_refused(self, start: datetime, minutes: int) -> None:
        """An end at or before the start is refused, naming ``window_end``."""
        with pytest.raises(InvalidInput) as refused:
            window(start, start.astimezone(UTC) + timedelta(minutes=minutes))
        assert ["window_end"] == list(refused.value.fields)

    @given(instants, st.integers(12 * 60 + 1, 3 * 24 * 60))
    def test_longer_than_12_hours_is_refused(self, start: datetime, minutes: int) -> None:
        """A window over 12 real hours is refused, naming ``window_end``."""
        with pytest.raises(InvalidInput) as refused:
            window(start, start.astimezone(UTC) + timedelta(minutes=minutes))
        assert ["window_end"] == list(refused.value.fields)

    @given(instants, st.integers(1, 60), st.booleans())
    def test_naive_datetime_is_refused(
        self, start: datetime, minutes: int, naive_end: bool
    ) -> None:
        """A time without a UTC offset is refused, naming the field that lacks it."""
        end = start.astimezone(UTC) + timedelta(minutes=minutes)
        if naive_end:
            end, field = end.replace(tzinfo=None), "window_end"
        else:
            start, field = start.replace(tzinfo=None), "window_start"
        with pytest.raises(InvalidInput) as refused:
            window(start, end)
        assert [field] == list(refused.value.fields)

    @given(change_days)
    def test_the_12_hours_are_real_ones(self, day: date) -> None:
        """00:00 to 13:00 on the wall is 12 real hours on the spring change's day, and made;
        00:00 to 12:00 on the autumn one's is 13 real hours, and refused."""
        if day == SPRING:
            made = window(at_local(day, time(0), ZONE), at_local(day, time(13), ZONE))
            assert timedelta(hours=12) == made.end - made.start
        else:
            with pytest.raises(InvalidInput):
                window(at_local(day, time(0), ZONE), at_local(day, time(12), ZONE))


class TestOverlaps:
    @given(windows, windows)
    def test_is_symmetric(self, one: Window, other: Window) -> None:
        """A overlaps B exactly when B overlaps A."""
        assert one.overlaps(other) == other.overlaps(one)

    @given(windows, windows)
    def test_is_sharing_an_instant(self, one: Window, other: Window) -> None:
        """Two windows overlap when the later start comes before the earlier end."""
        assert (max(one.start, other.start) < min(one.end, other.end)) == one.overlaps(other)

    @given(windows)
    def test_touching_windows_do_not_overlap(self, one: Window) -> None:
        """The end is exclusive: a window starting where another ends does not overlap it."""
        following = Window(one.end, one.end + HOUR)
        assert one.overlaps(one)
        assert not one.overlaps(following)
