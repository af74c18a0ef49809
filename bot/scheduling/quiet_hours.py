"""Quiet hours: a member's daily window, in their own zone, when the bot sends them no DMs.

A window is two minutes-of-the-day (0..1439) in local wall time. It may wrap midnight (22:00-07:00
is start=1320, end=420). start == end means no quiet hours. The start is inside the window and the
end is not. Across daylight-saving changes the window follows the local clock, with the same gap and
overlap rules as schedules (bot.scheduling.recurrence.resolve_local).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from bot.scheduling.recurrence import resolve_local, zone

MINUTES_PER_DAY = 24 * 60


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


def next_allowed(now_utc: datetime, tz: str | ZoneInfo, start_minute: int, end_minute: int) -> datetime:
    """The first instant at or after `now_utc` outside quiet hours (aware UTC).

    Outside quiet hours that is `now_utc` itself; inside, it is the local end of the window.
    """
    if not in_quiet_hours(now_utc, tz, start_minute, end_minute):
        return now_utc.astimezone(UTC)
    info = _zone(tz)
    local = now_utc.astimezone(info)
    minute = local.hour * 60 + local.minute
    end_day = local.date()
    if start_minute > end_minute and minute >= start_minute:
        # A window that wraps midnight and began this evening ends tomorrow.
        end_day += timedelta(days=1)
    hour, minute_of_hour = divmod(end_minute, 60)
    end = resolve_local(end_day, hour, minute_of_hour, info)
    if end <= now_utc:
        # We are in the second pass of a repeated (fall-back) hour, so the end is its second pass.
        second = datetime(end_day.year, end_day.month, end_day.day, hour, minute_of_hour, tzinfo=info, fold=1)
        end = max(second.astimezone(UTC), now_utc.astimezone(UTC))
    return end
