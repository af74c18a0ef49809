"""Quiet hours in the member's zone, including windows across midnight and DST changes."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from bot.scheduling.quiet_hours import in_quiet_hours, next_allowed

LONDON = "Europe/London"
NY = "America/New_York"
NIGHT = (22 * 60, 7 * 60)  # 22:00-07:00, wraps midnight
LUNCH = (12 * 60, 13 * 60)


def at(tz: str, year: int, month: int, day: int, hour: int, minute: int, fold: int = 0) -> datetime:
    """An aware UTC instant given as local wall time in `tz`."""
    return datetime(year, month, day, hour, minute, tzinfo=ZoneInfo(tz), fold=fold).astimezone(UTC)


@pytest.mark.parametrize(
    ("hour", "minute", "quiet"),
    [
        (21, 59, False),
        (22, 0, True),
        (23, 30, True),
        (0, 0, True),
        (6, 59, True),
        (7, 0, False),
        (12, 0, False),
    ],
)
def test_window_that_wraps_midnight(hour: int, minute: int, quiet: bool) -> None:
    assert in_quiet_hours(at(LONDON, 2026, 6, 1, hour, minute), LONDON, *NIGHT) is quiet


def test_window_within_a_day_and_empty_window() -> None:
    assert in_quiet_hours(at(NY, 2026, 6, 1, 12, 30), NY, *LUNCH)
    assert not in_quiet_hours(at(NY, 2026, 6, 1, 13, 0), NY, *LUNCH)
    assert not in_quiet_hours(at(NY, 2026, 6, 1, 3, 0), NY, 600, 600)


def test_zone_matters() -> None:
    instant = datetime(2026, 6, 1, 23, 0, tzinfo=UTC)  # 00:00 in London, 19:00 in New York
    assert in_quiet_hours(instant, LONDON, *NIGHT)
    assert not in_quiet_hours(instant, NY, *NIGHT)


def test_next_allowed() -> None:
    outside = at(LONDON, 2026, 6, 1, 12, 0)
    assert next_allowed(outside, LONDON, *NIGHT) == outside
    assert next_allowed(at(LONDON, 2026, 6, 1, 23, 0), LONDON, *NIGHT) == at(LONDON, 2026, 6, 2, 7, 0)
    assert next_allowed(at(LONDON, 2026, 6, 2, 3, 0), LONDON, *NIGHT) == at(LONDON, 2026, 6, 2, 7, 0)
    assert next_allowed(at(NY, 2026, 6, 1, 12, 10), ZoneInfo(NY), *LUNCH) == at(NY, 2026, 6, 1, 13, 0)


def test_next_allowed_across_spring_forward_gap() -> None:
    # Quiet until 02:30, which does not exist on 2026-03-08 in New York: allowed from 03:00 EDT.
    end = next_allowed(at(NY, 2026, 3, 8, 1, 0), NY, 22 * 60, 150)
    assert end == datetime(2026, 3, 8, 7, 0, tzinfo=UTC)


def test_next_allowed_in_the_repeated_hour() -> None:
    # Quiet 22:00-01:30 on the fall-back night; at 01:15 EST (second pass) the end is 01:30 EST.
    now = at(NY, 2026, 11, 1, 1, 15, fold=1)
    assert in_quiet_hours(now, NY, 22 * 60, 90)
    end = next_allowed(now, NY, 22 * 60, 90)
    assert end == datetime(2026, 11, 1, 6, 30, tzinfo=UTC)
    assert end > now


def test_rejects_bad_input() -> None:
    with pytest.raises(ValueError):
        in_quiet_hours(datetime(2026, 6, 1), LONDON, *NIGHT)
    with pytest.raises(ValueError):
        in_quiet_hours(datetime(2026, 6, 1, tzinfo=UTC), LONDON, 0, 1440)
    with pytest.raises(ValueError):
        in_quiet_hours(datetime(2026, 6, 1, tzinfo=UTC), "Nowhere/Land", *NIGHT)


@pytest.mark.parametrize(("hour", "minute", "quiet"), [(11, 59, False), (12, 0, True), (12, 59, True), (13, 0, False)])
def test_edges_of_a_window_within_a_day(hour: int, minute: int, quiet: bool) -> None:
    assert in_quiet_hours(at(NY, 2026, 6, 1, hour, minute), NY, *LUNCH) is quiet


def test_next_allowed_from_the_first_minute_of_a_window_within_a_day() -> None:
    assert next_allowed(at(NY, 2026, 6, 1, 12, 0), NY, *LUNCH) == at(NY, 2026, 6, 1, 13, 0)


@pytest.mark.parametrize("minute", [0, 30])
def test_next_allowed_from_the_evening_start_of_a_wrapping_window_is_tomorrow_morning(minute: int) -> None:
    assert next_allowed(at(LONDON, 2026, 6, 1, 22, minute), LONDON, *NIGHT) == at(LONDON, 2026, 6, 2, 7, 0)


def test_next_allowed_after_midnight_in_a_wrapping_window_is_the_same_morning() -> None:
    assert next_allowed(at(LONDON, 2026, 6, 2, 0, 0), LONDON, *NIGHT) == at(LONDON, 2026, 6, 2, 7, 0)


def test_rejects_a_start_outside_the_day_with_a_plain_message() -> None:
    noon = datetime(2026, 6, 1, 12, tzinfo=UTC)
    for start, end in ((1440, 0), (-1, 0), (0, 1440), (0, -1)):
        with pytest.raises(ValueError) as refused:
            in_quiet_hours(noon, LONDON, start, end)
        assert str(refused.value) == "quiet hours are minutes of the day, 0 to 1439"
    with pytest.raises(ValueError) as refused:
        in_quiet_hours(datetime(2026, 6, 1, 12), LONDON, *NIGHT)
    assert str(refused.value) == "naive datetimes are not allowed"
    assert in_quiet_hours(noon, LONDON, 1439, 0) is False  # the last minute of the day is a valid start


def test_the_fall_back_that_crosses_midnight_leaves_the_window_on_the_previous_date() -> None:
    # St John's fell back at 00:01 NDT on 1 November 2009, to 23:01 NST on 31 October. Quiet from
    # 00:00 to 23:45: at 00:00:30 on 1 November the clock next reads 23:45 on 31 October (NST).
    now = datetime(2009, 11, 1, 2, 30, 30, tzinfo=UTC)
    assert now.astimezone(ZoneInfo("America/St_Johns")).date().day == 1
    assert in_quiet_hours(now, "America/St_Johns", 0, 1425)
    assert next_allowed(now, "America/St_Johns", 0, 1425) == datetime(2009, 11, 1, 3, 15, tzinfo=UTC)


@pytest.fixture
def host_zone():
    """Set the zone of the machine the bot runs on (TZ), restoring it after the test."""
    import os
    import time

    saved = os.environ.get("TZ")

    def set_zone(name: str) -> None:
        os.environ["TZ"] = name
        time.tzset()

    yield set_zone
    if saved is None:
        os.environ.pop("TZ", None)
    else:
        os.environ["TZ"] = saved
    time.tzset()


# The member's zone decides, never the zone of the machine the bot runs on; answers are in UTC.
HOST_ZONE_CASES = [
    # Outside quiet hours: the answer is now itself.
    ("America/New_York", datetime(2026, 6, 1, 18, 0, tzinfo=UTC), NY, *LUNCH, datetime(2026, 6, 1, 18, 0, tzinfo=UTC)),
    # 23:30 on 1 June at UTC-12 is already 3 June in Kiritimati: the window still ends at 23:45 on 1 June.
    (
        "Pacific/Kiritimati",
        datetime(2026, 6, 2, 11, 30, tzinfo=UTC),
        "Etc/GMT+12",
        1380,
        1425,
        datetime(2026, 6, 2, 11, 45, tzinfo=UTC),
    ),
    # New York falls back at 06:00 UTC to 01:00 EST, before the 01:30 start: allowed at once. Hosts
    # in New York (whose own repeated hour this is) and at a fixed UTC-4 both must see that change.
    ("America/New_York", datetime(2026, 11, 1, 5, 45, tzinfo=UTC), NY, 90, 0, datetime(2026, 11, 1, 6, 0, tzinfo=UTC)),
    ("Etc/GMT+4", datetime(2026, 11, 1, 5, 45, tzinfo=UTC), NY, 90, 0, datetime(2026, 11, 1, 6, 0, tzinfo=UTC)),
    ("UTC", datetime(2026, 11, 1, 5, 45, tzinfo=UTC), NY, 90, 0, datetime(2026, 11, 1, 6, 0, tzinfo=UTC)),
]


@pytest.mark.parametrize(("host", "now", "tz", "start", "end", "expected"), HOST_ZONE_CASES)
def test_the_host_machines_zone_never_moves_the_answer(host_zone, host, now, tz, start, end, expected) -> None:
    host_zone(host)
    answer = next_allowed(now, tz, start, end)
    assert answer == expected
    assert answer.utcoffset() is not None and answer.utcoffset().total_seconds() == 0
    assert answer.tzinfo is UTC
