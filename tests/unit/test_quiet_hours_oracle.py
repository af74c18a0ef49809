"""`next_allowed` against an independent oracle: a minute-by-minute walk of the IANA rules.

The oracle knows nothing of gaps, folds or transitions: it reads the local clock (zoneinfo) at every
UTC minute from `now` on and stops at the first minute outside the window. Offsets since 1980 are
whole minutes and change on whole minutes, so no reading between those minutes can differ.
"""

from __future__ import annotations

import functools
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from bot.scheduling.quiet_hours import in_quiet_hours, next_allowed

ZONES = (
    "America/New_York",
    "America/St_Johns",
    "America/Santiago",
    "America/Havana",
    "America/Asuncion",
    "America/Nuuk",
    "Australia/Lord_Howe",
    "Australia/Sydney",
    "Pacific/Apia",
    "Pacific/Chatham",
    "Pacific/Kiritimati",
    "Pacific/Kwajalein",
    "Europe/London",
    "Europe/Dublin",
    "Africa/Casablanca",
    "Asia/Tehran",
    "Asia/Beirut",
    "Asia/Gaza",
    "Antarctica/Troll",
    "Asia/Kolkata",
)
FIRST = datetime(1990, 1, 1, tzinfo=UTC)
LAST = datetime(2036, 1, 1, tzinfo=UTC)


def oracle(now: datetime, tz: str, start: int, end: int) -> datetime:
    zone = ZoneInfo(tz)

    def quiet(instant: datetime) -> bool:
        local = instant.astimezone(zone)
        minute = local.hour * 60 + local.minute
        return start <= minute < end if start < end else minute >= start or minute < end

    if not quiet(now):
        return now
    instant = now.replace(second=0, microsecond=0) + timedelta(minutes=1)
    for _ in range(5 * 24 * 60):
        if not quiet(instant):
            return instant
        instant += timedelta(minutes=1)
    raise AssertionError("the oracle found no allowed minute in five days")


@functools.cache
def transitions(tz: str) -> tuple[datetime, ...]:
    """Every offset change of the zone from 1990 to 2035, to the minute (only to choose inputs)."""
    zone = ZoneInfo(tz)
    found: list[datetime] = []
    day = FIRST
    while day < LAST:
        later = day + timedelta(days=1)
        if day.astimezone(zone).utcoffset() != later.astimezone(zone).utcoffset():
            low, high = day, later
            while high - low > timedelta(minutes=1):
                middle = low + (high - low) / 2
                middle = middle.replace(second=0, microsecond=0)
                if middle.astimezone(zone).utcoffset() == low.astimezone(zone).utcoffset():
                    low = middle if middle > low else low + timedelta(minutes=1)
                else:
                    high = middle
            found.append(high)
        day = later
    return tuple(found)


MINUTES = st.one_of(
    st.integers(0, 1439),
    # Wall times where clocks change somewhere: midnight, 00:30-03:00 and the late evening.
    st.sampled_from([0, 30, 59, 60, 90, 119, 120, 121, 150, 180, 181, 1380, 1410, 1439]),
)


@st.composite
def cases(draw: st.DrawFn) -> tuple[datetime, str, int, int]:
    tz = draw(st.sampled_from(ZONES))
    near = transitions(tz)
    if near and draw(st.booleans()):
        anchor = draw(st.sampled_from(near))
        now = anchor + timedelta(minutes=draw(st.integers(-3 * 1440, 3 * 1440)))
    else:
        now = FIRST + timedelta(minutes=draw(st.integers(0, int((LAST - FIRST).total_seconds() // 60) - 1)))
    now += timedelta(seconds=draw(st.sampled_from([0, 0, 1, 30, 59])))
    start = draw(MINUTES)
    end = draw(MINUTES)
    assume(start != end)
    return now, tz, start, end


@settings(max_examples=400, deadline=None)
@given(cases())
def test_next_allowed_matches_the_oracle(case: tuple[datetime, str, int, int]) -> None:
    now, tz, start, end = case
    answer = next_allowed(now, tz, start, end)
    assert answer == oracle(now, tz, start, end)
    assert answer >= now
    assert not in_quiet_hours(answer, tz, start, end)


@pytest.mark.parametrize(
    ("now", "tz", "start", "end", "expected"),
    [
        # Spring forward swallows the whole allowed stretch 02:00-02:30: the next one is 9 March.
        (datetime(2026, 3, 8, 4, 0, tzinfo=UTC), "America/New_York", 150, 120, datetime(2026, 3, 9, 6, 0, tzinfo=UTC)),
        # Lord Howe moves its clock by half an hour: 02:00-02:30 vanishes on 4 October 2026.
        (
            datetime(2026, 10, 3, 14, 0, tzinfo=UTC),
            "Australia/Lord_Howe",
            150,
            120,
            datetime(2026, 10, 4, 15, 0, tzinfo=UTC),
        ),
        # Apia skipped 30 December 2011 entirely: the allowed 08:00-09:00 of that day never came.
        (
            datetime(2011, 12, 29, 20, 0, tzinfo=UTC),
            "Pacific/Apia",
            540,
            480,
            datetime(2011, 12, 30, 18, 0, tzinfo=UTC),
        ),
        # Fall-back carries St John's from 02:00 NDT back to 01:00 NST, before the 01:30 start.
        (datetime(2026, 11, 1, 4, 0, tzinfo=UTC), "America/St_Johns", 90, 0, datetime(2026, 11, 1, 4, 30, tzinfo=UTC)),
    ],
)
def test_the_cases_that_were_wrong(now, tz, start, end, expected):
    assert in_quiet_hours(now, tz, start, end)
    assert next_allowed(now, tz, start, end) == expected == oracle(now, tz, start, end)
