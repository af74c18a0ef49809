"""Turning the options of /reflect schedule and /reflect edit into a Recurrence, with clear refusals.

Pure functions over the clock's `now`; every refusal is a UserFacingError naming the option to fix.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, fields, replace
from datetime import date, datetime, timedelta
from enum import StrEnum

from bot.errors import UserFacingError
from bot.scheduling.recurrence import (
    LAST,
    WEEKDAY_NAMES,
    Frequency,
    Recurrence,
    check_min_interval,
    next_occurrence,
    parse_time,
)
from bot.services.timezones import validate_zone

MIN_INTERVAL = timedelta(hours=1)


class Repeat(StrEnum):
    """The `repeat` choices, as facilitators see them."""

    ONCE = "once"
    DAILY = "daily"
    WEEKDAYS = "weekdays"
    WEEKLY = "weekly"
    EVERY_2_WEEKS = "every-2-weeks"
    MONTHLY_DAY = "monthly-day"
    MONTHLY_NTH = "monthly-nth"


WEEK_CHOICES = {"first": 1, "second": 2, "third": 3, "fourth": 4, "last": LAST}
# Which options mean something for each repeat; anything else given is refused, never ignored.
APPLIES = {
    Repeat.ONCE: {"date"},
    Repeat.DAILY: set(),
    Repeat.WEEKDAYS: {"weekdays"},
    Repeat.WEEKLY: {"date", "weekdays"},
    Repeat.EVERY_2_WEEKS: {"date", "weekdays"},
    Repeat.MONTHLY_DAY: {"day"},
    Repeat.MONTHLY_NTH: {"week", "weekdays"},
}
_DAY_WORDS = {name.lower(): index for index, name in enumerate(WEEKDAY_NAMES)}


@dataclass(frozen=True)
class ScheduleOptions:
    """The recurrence options as typed; None means "not given"."""

    repeat: str | None = None
    time: str | None = None
    date: str | None = None
    weekdays: str | None = None
    day: int | None = None
    week: str | None = None
    zone: str | None = None

    def overlay(self, changes: ScheduleOptions) -> ScheduleOptions:
        """These options with every option given in `changes` replacing ours (for /reflect edit)."""
        given = {f.name: getattr(changes, f.name) for f in fields(changes) if getattr(changes, f.name) is not None}
        if given.get("repeat") not in (None, self.repeat):
            # A new repeat starts from a clean slate: the old shape's date or days would not apply.
            return ScheduleOptions(time=self.time, zone=self.zone, **given)
        merged = replace(self, **given)
        if merged.repeat in (Repeat.WEEKLY, Repeat.EVERY_2_WEEKS):
            # A weekly schedule is pinned by a date or a day: a newly given one replaces the other.
            if "weekdays" in given and "date" not in given:
                merged = replace(merged, date=None)
            if "date" in given and "weekdays" not in given:
                merged = replace(merged, weekdays=None)
        return merged

    @property
    def empty(self) -> bool:
        """True when no option was given."""
        return all(getattr(self, f.name) is None for f in fields(self))


def parse_weekdays(text: str) -> tuple[int, ...]:
    """ "mon, thu" / "Tuesday" / "tu we" into weekday numbers (0=Monday)."""
    days: list[int] = []
    for word in re.split(r"[\s,;/&]+|\band\b", text.strip().lower()):
        if not word:
            continue
        matches = [index for name, index in _DAY_WORDS.items() if len(word) >= 2 and name.startswith(word)]
        if len(matches) != 1:
            raise UserFacingError(
                f"I couldn't read '{word[:20]}' as a day in `weekdays`. Use day names, for example `mon, thu`."
            )
        if matches[0] not in days:
            days.append(matches[0])
    if not days:
        raise UserFacingError("Give at least one day in `weekdays`, for example `tue` or `mon, wed, fri`.")
    return tuple(sorted(days))


def parse_date(text: str, today: date) -> date:
    """An ISO date (2026-03-14), or "today" / "tomorrow" in the schedule's zone."""
    cleaned = text.strip().lower()
    if cleaned == "today":
        return today
    if cleaned == "tomorrow":
        return today + timedelta(days=1)
    try:
        return date.fromisoformat(cleaned)
    except ValueError:
        raise UserFacingError(
            f"I couldn't read '{text.strip()[:20]}' as a `date`. Write it as year-month-day, for example 2026-03-14."
        ) from None


def _time(text: str | None) -> tuple[int, int]:
    if text is None:
        raise UserFacingError("Give a `time`, for example 19:00 or 7pm.")
    try:
        return parse_time(text)
    except ValueError as error:
        raise UserFacingError(f"The `time` '{text.strip()[:20]}' doesn't work: {error}") from None


def _one_day(opts: ScheduleOptions, repeat: Repeat) -> int | None:
    if opts.weekdays is None:
        return None
    days = parse_weekdays(opts.weekdays)
    if len(days) != 1:
        raise UserFacingError(f"`{repeat.value}` posts on one day; for several days a week use repeat `weekdays`.")
    return days[0]


def build_recurrence(opts: ScheduleOptions, server_zone: str, now: datetime, *, check_date: bool = True) -> Recurrence:
    """The Recurrence the options describe, or a UserFacingError naming the option to fix.

    `check_date=False` accepts a start date in the past (an edit keeping a weekly schedule's anchor).
    """
    try:
        repeat = Repeat(opts.repeat or "")
    except ValueError:
        raise UserFacingError(f"Choose `repeat`: {', '.join(r.value for r in Repeat)}.") from None
    extra = [name for name in ("date", "weekdays", "day", "week") if getattr(opts, name) is not None]
    wrong = [name for name in extra if name not in APPLIES[repeat]]
    if wrong:
        raise UserFacingError(
            f"`{'`, `'.join(wrong)}` doesn't apply when repeat is `{repeat.value}`. Remove it, or change `repeat`."
        )
    tz = validate_zone(opts.zone) if opts.zone else server_zone
    at = _time(opts.time)
    today = now.astimezone(Recurrence.daily(at, tz).zoneinfo).date()
    start = parse_date(opts.date, today) if opts.date is not None else None
    if start is not None and check_date and start < today:
        raise UserFacingError(f"The `date` {start.isoformat()} is in the past (today is {today.isoformat()} in {tz}).")
    rec = _shape(repeat, opts, at, tz, start, today)
    if next_occurrence(rec, now) is None:
        raise UserFacingError(
            f"{start} at {at[0]:02d}:{at[1]:02d} ({tz}) has already passed. Choose a later `time` or `date`."
        )
    try:
        check_min_interval(rec, now, MIN_INTERVAL)
    except ValueError:
        raise UserFacingError("Prompts can be posted at most once an hour. Choose a less frequent `repeat`.") from None
    return rec


def _shape(
    repeat: Repeat, opts: ScheduleOptions, at: tuple[int, int], tz: str, start: date | None, today: date
) -> Recurrence:
    if repeat is Repeat.ONCE:
        if start is None:
            raise UserFacingError("A one-off prompt needs a `date`, for example 2026-03-14 or `tomorrow`.")
        return Recurrence.once(start, at, tz)
    if repeat is Repeat.DAILY:
        return Recurrence.daily(at, tz)
    if repeat is Repeat.WEEKDAYS:
        if opts.weekdays is None:
            raise UserFacingError("Repeat `weekdays` needs `weekdays`, for example `mon, wed, fri`.")
        return Recurrence.on_weekdays(parse_weekdays(opts.weekdays), at, tz)
    if repeat in (Repeat.WEEKLY, Repeat.EVERY_2_WEEKS):
        day = _one_day(opts, repeat)
        if start is None and day is None:
            raise UserFacingError(f"Repeat `{repeat.value}` needs the first `date` or the day in `weekdays`.")
        if start is None:
            assert day is not None
            start = today + timedelta(days=(day - today.weekday()) % 7)
        elif day is not None and start.weekday() != day:
            raise UserFacingError(
                f"{start.isoformat()} is a {WEEKDAY_NAMES[start.weekday()]}, not a {WEEKDAY_NAMES[day]}. "
                "Give only one of `date` and `weekdays`, or make them agree."
            )
        return Recurrence.weekly(start, at, tz, every=2 if repeat is Repeat.EVERY_2_WEEKS else 1)
    if repeat is Repeat.MONTHLY_DAY:
        if opts.day is None or not 1 <= opts.day <= 31:
            raise UserFacingError("Repeat `monthly-day` needs `day`, the day of the month from 1 to 31.")
        return Recurrence.monthly_on_day(opts.day, at, tz)
    weekday = _one_day(opts, repeat)
    nth = WEEK_CHOICES.get((opts.week or "").lower())
    if weekday is None or nth is None:
        raise UserFacingError("Repeat `monthly-nth` needs `week` (first … last) and one day in `weekdays`.")
    return Recurrence.monthly_nth_weekday(nth, weekday, at, tz)


def options_of(rec: Recurrence) -> ScheduleOptions:
    """The options that rebuild `rec` (the starting point /reflect edit changes)."""
    base = ScheduleOptions(time=f"{rec.hour:02d}:{rec.minute:02d}", zone=rec.tz)
    f = rec.frequency
    if f is Frequency.ONCE:
        assert rec.start is not None
        return replace(base, repeat=Repeat.ONCE.value, date=rec.start.isoformat())
    if f is Frequency.DAILY:
        return replace(base, repeat=Repeat.DAILY.value)
    if f is Frequency.WEEKDAYS:
        return replace(base, repeat=Repeat.WEEKDAYS.value, weekdays=", ".join(WEEKDAY_NAMES[d] for d in rec.weekdays))
    if f is Frequency.WEEKLY:
        assert rec.start is not None
        repeat = Repeat.EVERY_2_WEEKS if rec.interval == 2 else Repeat.WEEKLY
        return replace(base, repeat=repeat.value, date=rec.start.isoformat())
    if f is Frequency.MONTHLY_DAY:
        return replace(base, repeat=Repeat.MONTHLY_DAY.value, day=rec.day)
    assert rec.weekday is not None
    week = next(name for name, n in WEEK_CHOICES.items() if n == rec.nth)
    return replace(base, repeat=Repeat.MONTHLY_NTH.value, week=week, weekdays=WEEKDAY_NAMES[rec.weekday])
