"""Monthly and weekly rules checked against the calendar itself, over two years and three zones.

A month that starts on a Monday hides an off-by-weekday formula, so these walk 24 consecutive months
(every starting weekday occurs) and compare with a plain day-by-day count.
"""

from __future__ import annotations

import calendar
import itertools
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from bot.scheduling.recurrence import LAST, Recurrence, next_occurrence
from cogs.checkins.plan import Choices, recurrence_for

ZONES = ("Europe/London", "America/New_York", "Australia/Sydney")


def _nth_weekday_by_counting(year: int, month: int, weekday: int, nth: int) -> date:
    days = [date(year, month, d) for d in range(1, calendar.monthrange(year, month)[1] + 1)]
    matching = [d for d in days if d.weekday() == weekday]
    return matching[-1] if nth == LAST else matching[nth - 1]


def _firings(rec: Recurrence, start: datetime, count: int) -> list[datetime]:
    out, after = [], start
    for _ in range(count):
        nxt = next_occurrence(rec, after)
        assert nxt is not None
        out.append(nxt)
        after = nxt
    return out


@pytest.mark.parametrize("tz", ZONES)
@pytest.mark.parametrize(("nth", "weekday"), [(2, 1), (1, 0), (4, 4), (3, 6), (LAST, 4), (LAST, 0)])
def test_nth_weekday_over_24_months(tz, nth, weekday):
    rec = Recurrence.monthly_nth_weekday(nth, weekday, (18, 30), tz)
    start = datetime(2026, 1, 1, tzinfo=UTC) - timedelta(days=1)
    local = [f.astimezone(ZoneInfo(tz)) for f in _firings(rec, start, 24)]
    months = [(2026 + (i // 12), i % 12 + 1) for i in range(24)]
    assert [x.date() for x in local] == [_nth_weekday_by_counting(y, m, weekday, nth) for y, m in months]
    assert all((x.hour, x.minute) == (18, 30) for x in local)


@pytest.mark.parametrize("tz", ZONES)
def test_weekly_means_every_seven_days_by_default(tz):
    anchor = date(2026, 2, 4)
    rec = Recurrence.weekly(anchor, (9, 0), tz)
    local = [f.astimezone(ZoneInfo(tz)) for f in _firings(rec, datetime(2026, 2, 1, tzinfo=UTC), 10)]
    assert [x.date() for x in local] == [anchor + timedelta(weeks=i) for i in range(10)]


def test_a_weekly_check_in_comes_every_week_not_every_other():
    choices = Choices(
        cadence="weekly",
        days=(2,),
        at_minute=540,
        timezone="Europe/Paris",
        prompt_set="daily",
        keep_days=30,
        quiet=None,
    )
    rec = recurrence_for(choices, date(2026, 5, 4))
    fired = _firings(rec, datetime(2026, 5, 4, tzinfo=UTC), 4)
    gaps = {(b - a).days for a, b in itertools.pairwise(fired)}
    assert gaps == {7}
    assert fired[0].astimezone(ZoneInfo("Europe/Paris")).date() == date(2026, 5, 6)
