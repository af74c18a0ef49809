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
