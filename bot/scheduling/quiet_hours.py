"""Quiet hours: a member's daily window, in their own zone, when the bot sends them no DMs.

A window is two minutes-of-the-day (0..1439) in local wall time. It may wrap midnight (22:00-07:00
is start=1320, end=420). start == end means no quiet hours. The start is inside the window and the
end is not. Across daylight-saving changes the window follows the local clock: a wall minute that a
spring-forward gap skips is never read, and one a fall-back repeats is read twice.
"""

from __future__ import annotations

import math
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from bot.scheduling.recurrence import zone

MINUTES_PER_DAY = 24 * 60
# Every local day has the window's end unless a date-line jump skips the day (Pacific/Apia lost
# 30 December 2011), so the end is always found within a few days.
_SEARCH_DAYS = 7
# No zone changes its offset twice within this, so sampling at this step sees every change.
_SAMPLE = timedelta(hours=1)


def _zone(tz: str | ZoneInfo) -> ZoneInfo:
    return tz if isinstance(tz, ZoneInfo) else zone(tz)


def _check(start_minute: int, end_minute: int) -> None:
    if not (0 <= start_minute < MINUTES_PER_DAY and 0 <= end_minute < MINUTES_PER_DAY):
        raise ValueError("quiet hours are minutes of the day, 0 to 1439")


def in_quiet_hours(now_utc: datetime, tz_name: str | ZoneInfo, start_minute: int, end_minute: int) -> bool:
    """True if `now_utc` falls inside the daily quiet window, read in the member's zone."""
    if now_utc.tzinfo is None:
        raise ValueError("naive datetimes are not allowed")
    _check(start_minute, end_minute)
    if start_minute == end_minute:
        return False
    local = now_utc.astimezone(_zone(tz_name))
    minute = local.hour * 60 + local.minute
    if start_minute < end_minute:
        return start_minute <= minute < end_minute
    return minute >= start_minute or minute < end_minute


def _local_minute_times(day: date, minute_of_day: int, tz: ZoneInfo) -> list[datetime]:
    """Every UTC instant at which the local clock reads `minute_of_day`:00 on `day` (none in a gap, two
    in a repeated hour)."""
    hour, minute = divmod(minute_of_day, 60)
    found: list[datetime] = []
    for fold in (0, 1):
        wall = datetime(day.year, day.month, day.day, hour, minute, tzinfo=tz, fold=fold)
        instant = wall.astimezone(UTC)
        # zoneinfo maps a wall time inside a gap to some instant anyway; keep only real readings.
        if instant.astimezone(tz).replace(tzinfo=None) == wall.replace(tzinfo=None) and instant not in found:
            found.append(instant)
    return found


def _first_end_after(now_utc: datetime, tz: ZoneInfo, end_minute: int) -> datetime:
    """The first instant after `now_utc` at which the local clock reads the window's end."""
    today = now_utc.astimezone(tz).date()
    for offset in range(-1, _SEARCH_DAYS):
        later = [t for t in _local_minute_times(today + timedelta(days=offset), end_minute, tz) if t > now_utc]
        if later:
            return min(later)
    raise AssertionError("no local day without that minute for a week")  # pragma: no cover - no zone does this


def _offset_changes(start: datetime, stop: datetime, tz: ZoneInfo) -> list[datetime]:
    """The instants in (start, stop] at which the zone's UTC offset changes, to the second.

    Offsets are sampled every _SAMPLE and each change is found by bisection. Two changes that undo
    each other within one sample step would be missed; the tz database has none.
    """
    changes: list[datetime] = []
    low = start
    while low < stop:
        high = min(low + _SAMPLE, stop)
        before = low.astimezone(tz).utcoffset()
        if high.astimezone(tz).utcoffset() != before:
            # Transitions fall on whole seconds: bisect on them.
            lo, hi = math.floor(low.timestamp()), math.ceil(high.timestamp())
            while hi - lo > 1:
                middle = (lo + hi) // 2
                if datetime.fromtimestamp(middle, UTC).astimezone(tz).utcoffset() == before:
                    lo = middle
                else:
                    hi = middle
            changes.append(datetime.fromtimestamp(hi, UTC))
        low = high
    return changes


def next_allowed(now_utc: datetime, tz: str | ZoneInfo, start_minute: int, end_minute: int) -> datetime:
    """The first instant at or after `now_utc` outside quiet hours (aware UTC), exactly.

    Outside quiet hours that is `now_utc` itself. Inside, the local clock leaves the window either by
    reaching its end, or by a clock change that jumps out of it: a spring-forward gap can swallow the
    end (and then the window may resume at once, so the end of the next day is the answer), and a
    fall-back can carry the clock back to before the start. So the answer is the first local end,
    unless an offset change before it lands outside the window.
    """
    if not in_quiet_hours(now_utc, tz, start_minute, end_minute):
        return now_utc.astimezone(UTC)
    info = _zone(tz)
    now = now_utc.astimezone(UTC)
    end = _first_end_after(now, info, end_minute)
    for change in _offset_changes(now, end, info):
        if change < end and not in_quiet_hours(change, info, start_minute, end_minute):
            return change
    return end
