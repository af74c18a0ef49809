"""Recurrence rules for schedules: pure date arithmetic, no I/O.

Occurrences are computed in the schedule's local wall time and only then converted to UTC, so "19:00
every Tuesday" stays 19:00 for the people in that zone on both sides of a daylight-saving change.

Two wall times need a rule:
- A nonexistent local time (inside a spring-forward gap) moves to the first valid instant after the
  gap, e.g. 02:30 on 2026-03-08 in America/New_York fires at 03:00 EDT.
- An ambiguous local time (inside a fall-back overlap) fires once, at its first occurrence (fold=0).

Monthly-by-day schedules on a day some months lack (29-31) fire on the last day of those months.
"""

from __future__ import annotations

import calendar
import functools
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum
from itertools import pairwise
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

WEEKDAY_NAMES = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
ORDINALS = {1: "first", 2: "second", 3: "third", 4: "fourth", -1: "last"}
LAST = -1
JSON_VERSION = 1
# Safety net for the date walk; every rule but a spent "once" yields a date within ~14 months.
_MAX_CANDIDATES = 1000


class Frequency(StrEnum):
    """The shapes a recurrence can take."""

    ONCE = "once"
    DAILY = "daily"
    WEEKDAYS = "weekdays"
    WEEKLY = "weekly"
    MONTHLY_DAY = "monthly_day"
    MONTHLY_NTH = "monthly_nth"


def zone(name: str) -> ZoneInfo:
    """Return the IANA zone `name`, raising ValueError (not KeyError) for unknown names."""
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as error:
        raise ValueError(f"unknown time zone {name[:64]!r}; use an IANA name like Europe/London") from error


@dataclass(frozen=True)
class Recurrence:
    """When a schedule fires, in local wall time of an IANA zone.

    Fields beyond frequency/hour/minute/tz are used only by the frequencies that need them:
    `start` is the date for ONCE and the anchor for WEEKLY (which fires on the anchor's weekday every
    `interval` weeks from it); `weekdays` (0=Monday) for WEEKDAYS; `day` (1..31) for MONTHLY_DAY;
    `nth` (1..4 or LAST) and `weekday` for MONTHLY_NTH. Prefer the named constructors.
    """

    frequency: Frequency
    hour: int
    minute: int
    tz: str
    start: date | None = None
    weekdays: tuple[int, ...] = ()
    interval: int = 1
    day: int | None = None
    nth: int | None = None
    weekday: int | None = None

    def __post_init__(self) -> None:
        """Reject impossible rules up front so a stored recurrence is always computable."""
        if not (0 <= self.hour <= 23 and 0 <= self.minute <= 59):
            raise ValueError("time must be between 00:00 and 23:59")
        zone(self.tz)
        f = self.frequency
        if f in (Frequency.ONCE, Frequency.WEEKLY) and self.start is None:
            raise ValueError(f"a {f.value} recurrence needs a start date")
        if f is Frequency.WEEKDAYS:
            days = tuple(sorted(set(self.weekdays)))
            if not days or any(not 0 <= d <= 6 for d in days):
                raise ValueError("choose at least one weekday (0=Monday .. 6=Sunday)")
            object.__setattr__(self, "weekdays", days)
        if f is Frequency.WEEKLY and not 1 <= self.interval <= 52:
            raise ValueError("the week interval must be between 1 and 52")
        if f is Frequency.MONTHLY_DAY and (self.day is None or not 1 <= self.day <= 31):
            raise ValueError("the day of the month must be between 1 and 31")
        if f is Frequency.MONTHLY_NTH and (
            self.nth not in ORDINALS or self.weekday is None or not 0 <= self.weekday <= 6
        ):
            raise ValueError("choose first..fourth or last, and a weekday")

    # Named constructors keep callers from filling in fields the frequency ignores.
    @classmethod
    def once(cls, on: date, at: tuple[int, int], tz: str) -> Recurrence:
        """Fire a single time on a local date at a local time."""
        return cls(Frequency.ONCE, at[0], at[1], tz, start=on)

    @classmethod
    def daily(cls, at: tuple[int, int], tz: str) -> Recurrence:
        """Fire every day."""
        return cls(Frequency.DAILY, at[0], at[1], tz)

    @classmethod
    def on_weekdays(cls, days: tuple[int, ...], at: tuple[int, int], tz: str) -> Recurrence:
        """Fire on the chosen weekdays (0=Monday) every week."""
        return cls(Frequency.WEEKDAYS, at[0], at[1], tz, weekdays=days)

    @classmethod
    def weekly(cls, anchor: date, at: tuple[int, int], tz: str, every: int = 1) -> Recurrence:
        """Fire on the anchor date's weekday every `every` weeks, counting from the anchor."""
        return cls(Frequency.WEEKLY, at[0], at[1], tz, start=anchor, interval=every)

    @classmethod
    def monthly_on_day(cls, day: int, at: tuple[int, int], tz: str) -> Recurrence:
        """Fire on a day of the month; the last day in months that lack it."""
        return cls(Frequency.MONTHLY_DAY, at[0], at[1], tz, day=day)

    @classmethod
    def monthly_nth_weekday(cls, nth: int, weekday: int, at: tuple[int, int], tz: str) -> Recurrence:
        """Fire on the nth (1..4, or LAST) given weekday of every month."""
        return cls(Frequency.MONTHLY_NTH, at[0], at[1], tz, nth=nth, weekday=weekday)

    @property
    def zoneinfo(self) -> ZoneInfo:
        """The zone as a ZoneInfo."""
        return zone(self.tz)

    def to_json(self) -> str:
        """Serialise for storage, keeping only the fields this frequency uses."""
        data: dict[str, Any] = {
            "v": JSON_VERSION,
            "frequency": self.frequency.value,
            "time": f"{self.hour:02d}:{self.minute:02d}",
            "tz": self.tz,
        }
        if self.start is not None:
            data["start"] = self.start.isoformat()
        if self.frequency is Frequency.WEEKDAYS:
            data["weekdays"] = list(self.weekdays)
        if self.frequency is Frequency.WEEKLY:
            data["interval"] = self.interval
        if self.frequency is Frequency.MONTHLY_DAY:
            data["day"] = self.day
        if self.frequency is Frequency.MONTHLY_NTH:
            data["nth"], data["weekday"] = self.nth, self.weekday
        return json.dumps(data, separators=(",", ":"), sort_keys=True)

    @classmethod
    def from_json(cls, text: str) -> Recurrence:
        """Parse what to_json wrote; ValueError on anything malformed."""
        try:
            data = json.loads(text)
            if data.get("v") != JSON_VERSION:
                raise ValueError(f"unsupported recurrence version {data.get('v')!r}")
            hour, minute = (int(part) for part in str(data["time"]).split(":"))
            start = date.fromisoformat(data["start"]) if data.get("start") else None
            return cls(
                Frequency(data["frequency"]),
                hour,
                minute,
                str(data["tz"]),
                start=start,
                weekdays=tuple(int(d) for d in data.get("weekdays", ())),
                interval=int(data.get("interval", 1)),
                day=data.get("day"),
                nth=data.get("nth"),
                weekday=data.get("weekday"),
            )
        except (KeyError, TypeError, AttributeError, json.JSONDecodeError) as error:
            raise ValueError(f"malformed recurrence: {error}") from error


def resolve_local(day: date, hour: int, minute: int, tz: ZoneInfo) -> datetime:
    """Turn a local wall time into an aware UTC instant, applying the gap and overlap rules.

    Ambiguous times take fold=0 (the first occurrence). Nonexistent times move to the instant the
    gap ends, which is the first valid local minute after the requested one.
    """
    local = datetime(day.year, day.month, day.day, hour, minute, tzinfo=tz)
    first = local.astimezone(UTC)
    if first.astimezone(tz).replace(tzinfo=None) == local.replace(tzinfo=None):
        return first
    # In a gap, fold=0 applies the pre-transition offset (landing after the gap) and fold=1 the
    # post-transition one (landing before it); the transition lies between them. Bisect on seconds.
    low = int(local.replace(fold=1).astimezone(UTC).timestamp())
    high = int(first.timestamp())
    if low > high:  # pragma: no cover - defensive; zoneinfo orders them this way for gaps
        low, high = high, low
    after_offset = datetime.fromtimestamp(high, UTC).astimezone(tz).utcoffset()
    while high - low > 1:
        middle = (low + high) // 2
        if datetime.fromtimestamp(middle, UTC).astimezone(tz).utcoffset() == after_offset:
            high = middle
        else:
            low = middle
    end = datetime.fromtimestamp(high, UTC)
    # Transitions fall on whole minutes in practice; round up so we never fire inside the gap.
    if end.second:
        end = end.replace(second=0) + timedelta(minutes=1)
    return end


def _month_day(year: int, month: int, rec: Recurrence) -> date:
    last_day = calendar.monthrange(year, month)[1]
    if rec.frequency is Frequency.MONTHLY_DAY:
        assert rec.day is not None
        return date(year, month, min(rec.day, last_day))
    assert rec.weekday is not None and rec.nth is not None
    if rec.nth == LAST:
        last = date(year, month, last_day)
        return last - timedelta(days=(last.weekday() - rec.weekday) % 7)
    first = date(year, month, 1)
    return first + timedelta(days=(rec.weekday - first.weekday()) % 7 + 7 * (rec.nth - 1))


def _candidate_dates(rec: Recurrence, begin: date) -> Iterator[date]:
    """Every local date on or after `begin` the rule fires on, in increasing order."""
    f = rec.frequency
    if f is Frequency.ONCE:
        assert rec.start is not None
        if rec.start >= begin:
            yield rec.start
        return
    if f is Frequency.WEEKLY:
        assert rec.start is not None
        step = 7 * rec.interval
        skip = max(0, -(-(begin - rec.start).days // step))
        current = rec.start + timedelta(days=skip * step)
        while True:
            yield current
            current += timedelta(days=step)
    if f in (Frequency.DAILY, Frequency.WEEKDAYS):
        current = begin
        while True:
            if f is Frequency.DAILY or current.weekday() in rec.weekdays:
                yield current
            current += timedelta(days=1)
    year, month = begin.year, begin.month
    while True:
        candidate = _month_day(year, month, rec)
        if candidate >= begin:
            yield candidate
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)


def next_occurrence(rec: Recurrence, after: datetime) -> datetime | None:
    """The first firing strictly after `after`, as aware UTC; None when a once-schedule is spent."""
    if after.tzinfo is None:
        raise ValueError("naive datetimes are not allowed")
    tz = rec.zoneinfo
    # Start a day early: a gap can push a previous date's firing past the local date of `after`.
    begin = after.astimezone(tz).date() - timedelta(days=1)
    for count, day in enumerate(_candidate_dates(rec, begin)):
        if count >= _MAX_CANDIDATES:  # pragma: no cover - unreachable for valid rules
            break
        instant = resolve_local(day, rec.hour, rec.minute, tz)
        if instant > after:
            return instant
    return None


# Local dates this far apart are in time order whatever the offsets (they differ by at most ~26 hours).
_DATE_MARGIN = 3


def _longest_step(rec: Recurrence) -> timedelta:
    """The longest stretch between two dates the rule fires on."""
    f = rec.frequency
    if f is Frequency.WEEKLY:
        return timedelta(days=7 * rec.interval)
    return timedelta(days={Frequency.DAILY: 1, Frequency.WEEKDAYS: 7}.get(f, 62))


def _dates_in(rec: Recurrence, first: date, last: date) -> int:
    """How many dates in [first, last] the rule fires on, counted without walking them."""
    if last < first:
        return 0
    f = rec.frequency
    if f is Frequency.ONCE:
        assert rec.start is not None
        return int(first <= rec.start <= last)
    if f is Frequency.DAILY:
        return (last - first).days + 1
    if f is Frequency.WEEKDAYS:
        weeks, rest = divmod((last - first).days + 1, 7)
        return weeks * len(rec.weekdays) + sum((first.weekday() + i) % 7 in rec.weekdays for i in range(rest))
    if f is Frequency.WEEKLY:
        assert rec.start is not None
        step = 7 * rec.interval
        lowest = max(0, -(-(first - rec.start).days // step))
        highest = (last - rec.start).days // step
        return max(0, highest - lowest + 1)
    months = (last.year - first.year) * 12 + last.month - first.month + 1
    return months - (_month_day(first.year, first.month, rec) < first) - (_month_day(last.year, last.month, rec) > last)


def _walked(rec: Recurrence, first: date, last: date) -> Iterator[datetime]:
    """The firings of the dates in [first, last], resolved one by one (for short stretches only)."""
    tz = rec.zoneinfo
    for day in _candidate_dates(rec, first):
        if day > last:
            return
        yield resolve_local(day, rec.hour, rec.minute, tz)


def count_between(rec: Recurrence, after: datetime, before: datetime) -> int:
    """How many firings fall strictly between two instants, without walking every one.

    Only the few dates near either end need resolving; every date in between fires inside the span.
    """
    tz = rec.zoneinfo
    low, high = after.astimezone(tz).date(), before.astimezone(tz).date()
    margin = timedelta(days=_DATE_MARGIN)
    if high - low <= 4 * margin:
        return sum(after < t < before for t in _walked(rec, low - margin, high + margin))
    near_ends = sum(after < t < before for t in _walked(rec, low - margin, low + margin))
    near_ends += sum(after < t < before for t in _walked(rec, high - margin, high + margin))
    return near_ends + _dates_in(rec, low + margin + timedelta(days=1), high - margin - timedelta(days=1))


def last_occurrence(rec: Recurrence, at_or_before: datetime) -> datetime | None:
    """The latest firing at or before `at_or_before`, found without walking from any earlier one."""
    tz = rec.zoneinfo
    today = at_or_before.astimezone(tz).date()
    first = today - _longest_step(rec) - timedelta(days=_DATE_MARGIN)
    if rec.frequency is Frequency.ONCE and rec.start is not None:
        first = min(first, rec.start)
    latest: datetime | None = None
    for instant in _walked(rec, first, today + timedelta(days=1)):
        if instant <= at_or_before:
            latest = instant
    return latest


def occurrences_within(rec: Recurrence, start: datetime, window: timedelta, limit: int = 1000) -> list[datetime]:
    """Firings in (start, start + window], at most `limit` of them."""
    found: list[datetime] = []
    end = start + window
    current: datetime | None = start
    while len(found) < limit:
        current = next_occurrence(rec, current) if current is not None else None
        if current is None or current > end:
            break
        found.append(current)
    return found


def shortest_gap(rec: Recurrence, start: datetime, window: timedelta = timedelta(days=400)) -> timedelta | None:
    """The smallest time between consecutive firings in the window (None if fewer than two)."""
    times = occurrences_within(rec, start, window)
    gaps = [later - earlier for earlier, later in pairwise(times)]
    return min(gaps) if gaps else None


@functools.lru_cache(maxsize=1024)
def _offset_swing(tz: str, first_day: date, days: int) -> timedelta:
    """The largest minus the smallest UTC offset of a zone over `days` days (sampled daily at midnight UTC).

    Transitions last months, so daily samples find every offset in force; cached per zone and day. The
    first sample is at midnight, not noon: an offset in force at the start that ends that same morning
    (Samoa left UTC-10 at 10:00 UTC on 30 December 2011, skipping a whole local day) must count too.
    """
    zone_info = zone(tz)
    start = datetime.combine(first_day, time(0), tzinfo=UTC)
    offsets = [(start + timedelta(days=i)).astimezone(zone_info).utcoffset() or timedelta(0) for i in range(days + 2)]
    return max(offsets) - min(offsets)


def check_min_interval(rec: Recurrence, start: datetime, minimum: timedelta = timedelta(hours=1)) -> None:
    """Raise ValueError if the rule would fire more often than once per `minimum`.

    Every rule here fires at most once per local date, so consecutive firings are at least a day apart
    in wall time and can come closer in UTC only through offset changes: at least 24h minus twice the
    zone's offset swing (once for the change, once for a time moved forward out of a gap). When that
    bound already meets `minimum`, as it does in every zone whose offsets vary by less than ~11 hours,
    no walk is needed; otherwise (zones that jumped across the date line) we walk every firing.
    """
    window = timedelta(days=400)
    swing = _offset_swing(rec.tz, start.astimezone(UTC).date(), window.days)
    if timedelta(hours=24) - 2 * swing >= minimum:
        return
    gap = shortest_gap(rec, start, window)
    if gap is not None and gap < minimum:
        raise ValueError(f"schedules can fire at most once every {minimum}")


_TIME = re.compile(r"^(\d{1,2})(?:[:.h](\d{1,2}))?(am|pm)?$")
_COMPACT = re.compile(r"^(\d{1,2})(\d{2})(am|pm)?$")
_EXAMPLE = "try a form like 19:00, 7pm or 7:30 pm"


def parse_time(text: str) -> tuple[int, int]:
    """Read a time of day typed by a person into (hour, minute).

    Accepts 24-hour forms ("19:00", "0730", "19.30", "19h30"), 12-hour forms ("7pm", "7:30 pm",
    "7.30p.m."), "noon" and "midnight". A bare number without am/pm ("7") is refused because it
    could mean morning or evening. Raises ValueError with an example of a good form.
    """
    cleaned = re.sub(r"\s+", "", text.strip().lower()).replace("a.m.", "am").replace("p.m.", "pm")
    cleaned = cleaned.removesuffix(".")
    if cleaned in ("noon", "midday"):
        return 12, 0
    if cleaned == "midnight":
        return 0, 0
    match = _TIME.match(cleaned)
    compact = False
    if match is None or (match.group(2) is None and match.group(3) is None):
        compact_match = _COMPACT.match(cleaned)
        if compact_match is None:
            raise ValueError(f"I couldn't read {text.strip()[:20]!r} as a time; {_EXAMPLE}.")
        match, compact = compact_match, True
    hour = int(match.group(1))
    minute_text = match.group(2)
    if minute_text is not None and len(minute_text) != 2 and not compact:
        raise ValueError(f"write minutes with two digits; {_EXAMPLE}.")
    minute = int(minute_text) if minute_text is not None else 0
    meridiem = match.group(3)
    if minute > 59:
        raise ValueError(f"minutes go up to 59; {_EXAMPLE}.")
    if meridiem is not None:
        if not 1 <= hour <= 12:
            raise ValueError(f"with am/pm the hour is 1 to 12; {_EXAMPLE}.")
        hour = hour % 12 + (12 if meridiem == "pm" else 0)
    elif hour > 23:
        raise ValueError(f"hours go up to 23; {_EXAMPLE}.")
    return hour, minute


def _join(words: list[str]) -> str:
    return words[0] if len(words) == 1 else ", ".join(words[:-1]) + " and " + words[-1]


def _ordinal_day(day: int) -> str:
    suffix = "th" if 11 <= day % 100 <= 13 else {1: "st", 2: "nd", 3: "rd"}.get(day % 10, "th")
    return f"{day}{suffix}"


def _long_date(day: date) -> str:
    return f"{WEEKDAY_NAMES[day.weekday()]} {day.day} {calendar.month_name[day.month]} {day.year}"


def describe(rec: Recurrence) -> str:
    """Plain English, e.g. "every Tuesday and Thursday at 19:00 (Europe/London)"."""
    at = f"at {time(rec.hour, rec.minute):%H:%M} ({rec.tz})"
    f = rec.frequency
    if f is Frequency.ONCE:
        assert rec.start is not None
        return f"once on {_long_date(rec.start)} {at}"
    if f is Frequency.DAILY:
        return f"every day {at}"
    if f is Frequency.WEEKDAYS:
        if len(rec.weekdays) == 7:
            return f"every day {at}"
        if rec.weekdays == (0, 1, 2, 3, 4):
            return f"every weekday (Monday to Friday) {at}"
        return f"every {_join([WEEKDAY_NAMES[d] for d in rec.weekdays])} {at}"
    if f is Frequency.WEEKLY:
        assert rec.start is not None
        every = "every" if rec.interval == 1 else f"every {rec.interval} weeks on"
        return f"{every} {WEEKDAY_NAMES[rec.start.weekday()]} {at}, from {_long_date(rec.start)}"
    if f is Frequency.MONTHLY_DAY:
        assert rec.day is not None
        tail = " (or the last day of shorter months)" if rec.day > 28 else ""
        return f"on the {_ordinal_day(rec.day)} of every month {at}{tail}"
    assert rec.nth is not None and rec.weekday is not None
    return f"on the {ORDINALS[rec.nth]} {WEEKDAY_NAMES[rec.weekday]} of every month {at}"
