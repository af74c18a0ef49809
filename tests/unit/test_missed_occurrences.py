"""After long downtime the freshest missed occurrence is the one judged, however many came before.

The scheduler used to walk missed occurrences one by one and stop after 10,000, so a daily rule
down for ~27 years or more judged a decades-old occurrence and skipped the one late post the
policy promises. These tests run the scheduler on a real migrated database with a fake clock, and check
the direct computation against a plain walk over many rules, zones and spans.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.clock import FakeClock
from bot.db import Database
from bot.scheduling.recurrence import (
    Recurrence,
    count_between,
    last_occurrence,
    next_occurrence,
    occurrences_within,
)
from bot.scheduling.repository import _advance
from bot.scheduling.scheduler import Firing, Scheduler

GUILD = 1
CREATED = datetime(1996, 6, 1, 7, 0, tzinfo=UTC)
BACK_ON = datetime(2026, 6, 1, 8, 0, tzinfo=UTC)  # 09:00 BST


@pytest.mark.parametrize(("wake_after", "fired"), [(timedelta(minutes=30), 1), (timedelta(hours=3), 0)])
async def test_a_daily_rule_from_thirty_years_ago_judges_todays_occurrence(
    db: Database, wake_after: timedelta, fired: int
) -> None:
    await db.execute("INSERT INTO guilds (guild_id, joined_at) VALUES ($1, 0)", (GUILD,))
    clock = FakeClock(CREATED)
    scheduler = Scheduler(db, clock)
    firings: list[Firing] = []

    async def record(firing: Firing) -> None:
        firings.append(firing)

    scheduler.register("prompt", record, feature="reflection")
    row = await scheduler.add(GUILD, "prompt", Recurrence.daily((9, 0), "Europe/London"))
    assert row.next_run_at == datetime(1996, 6, 1, 8, 0, tzinfo=UTC)  # 09:00 BST
    # The bot was down from before that first 09:00 until today: 10,957 daily occurrences passed.
    clock.set(BACK_ON + wake_after)
    assert await scheduler.run_due() == fired
    assert await scheduler.run_due() == 0
    if fired:
        (firing,) = firings
        assert firing.due_at == BACK_ON  # today's 09:00 BST
        assert firing.late
        assert firing.missed == (BACK_ON.date() - CREATED.date()).days == 10_957
    stored = await scheduler.repository.get(row.id)
    assert stored is not None
    assert stored.next_run_at == BACK_ON + timedelta(days=1)


def walk(rec: Recurrence, due: datetime, now: datetime) -> tuple[datetime, int, datetime | None]:
    """The old walk without its cap: the oracle for short spans."""
    latest, missed = due, 0
    upcoming = next_occurrence(rec, latest)
    while upcoming is not None and upcoming <= now:
        latest, missed = upcoming, missed + 1
        upcoming = next_occurrence(rec, latest)
    return latest, missed, upcoming


ZONES = ["UTC", "Europe/London", "America/New_York", "Australia/Lord_Howe", "Pacific/Apia", "America/St_Johns"]


@st.composite
def rules(draw: st.DrawFn) -> Recurrence:
    at = (draw(st.sampled_from([0, 1, 2, 3, 9, 23])), draw(st.sampled_from([0, 30, 59])))
    tz = draw(st.sampled_from(ZONES))
    anchor = date(2008, 1, 1) + timedelta(days=draw(st.integers(0, 365 * 4)))
    kind = draw(st.sampled_from(["once", "daily", "weekdays", "weekly", "day", "nth"]))
    if kind == "once":
        return Recurrence.once(anchor, at, tz)
    if kind == "daily":
        return Recurrence.daily(at, tz)
    if kind == "weekdays":
        return Recurrence.on_weekdays(tuple(draw(st.sets(st.integers(0, 6), min_size=1))), at, tz)
    if kind == "weekly":
        return Recurrence.weekly(anchor, at, tz, every=draw(st.sampled_from([1, 2, 3, 52])))
    if kind == "day":
        return Recurrence.monthly_on_day(draw(st.sampled_from([1, 15, 29, 30, 31])), at, tz)
    return Recurrence.monthly_nth_weekday(draw(st.sampled_from([1, 2, 4, -1])), draw(st.integers(0, 6)), at, tz)


@settings(max_examples=300, deadline=None)
@given(
    rules(),
    st.integers(0, 365 * 6 * 24 * 60),
    st.integers(0, 2 * 365 * 24 * 60),
)
def test_direct_computation_matches_the_walk(rec: Recurrence, start_minutes: int, span_minutes: int) -> None:
    first = next_occurrence(rec, datetime(2008, 1, 1, tzinfo=UTC) + timedelta(minutes=start_minutes))
    if first is None:
        return
    now = first + timedelta(minutes=span_minutes)
    assert _advance(rec, first, now) == walk(rec, first, now)
    latest = last_occurrence(rec, now)
    assert latest is not None and latest <= now
    assert next_occurrence(rec, latest) is None or next_occurrence(rec, latest) > now  # type: ignore[operator]
    assert count_between(rec, first, now + timedelta(seconds=1)) == walk(rec, first, now)[1]


@pytest.mark.parametrize("tz", ["UTC", "America/New_York", "Pacific/Apia"])
def test_a_one_off_counts_once_wherever_it_falls_in_a_long_span(tz: str) -> None:
    # A long span is counted in three parts (walked near each end, computed in between); a one-off on
    # the first or last day of the computed part must count exactly once, like anywhere else.
    after = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
    before = after + timedelta(days=30)
    for offset in range(-2, 33):
        rec = Recurrence.once(after.date() + timedelta(days=offset), (9, 0), tz)
        fires_at = next_occurrence(rec, datetime(2000, 1, 1, tzinfo=UTC))
        assert fires_at is not None
        expected = int(after < fires_at < before)
        assert count_between(rec, after, before) == expected, (offset, tz)


@pytest.fixture
def host_zone(monkeypatch: pytest.MonkeyPatch) -> Iterator[Callable[[str], None]]:
    """Set the zone of the machine the bot runs on (TZ), restored after the test."""

    def set_zone(name: str) -> None:
        monkeypatch.setenv("TZ", name)
        time.tzset()

    yield set_zone
    monkeypatch.undo()
    time.tzset()


def test_the_latest_firing_is_found_whatever_the_machines_zone(host_zone: Callable[[str], None]) -> None:
    # At 00:10 in Kiritimati (UTC+14) a machine on UTC-12 is still two calendar days behind: the rule's
    # own zone must decide which day "today" is, or the firing five minutes ago is missed.
    host_zone("Etc/GMT+12")
    rec = Recurrence.daily((0, 5), "Pacific/Kiritimati")
    fired = next_occurrence(rec, datetime(2026, 5, 1, tzinfo=UTC))
    assert fired is not None
    assert last_occurrence(rec, fired + timedelta(minutes=5)) == fired


def test_a_yearly_weekly_rule_finds_its_last_firing_months_later() -> None:
    # "Every 52 weeks" fires 364 days apart: looking back only a couple of months would find nothing.
    rec = Recurrence.weekly(date(2026, 1, 5), (9, 0), "Europe/London", every=52)
    fired = next_occurrence(rec, datetime(2026, 1, 1, tzinfo=UTC))
    assert fired is not None
    for days in (1, 30, 100, 300, 363):
        assert last_occurrence(rec, fired + timedelta(days=days)) == fired, days


ORACLE_RULES = [
    Recurrence.daily((9, 0), "America/New_York"),
    Recurrence.on_weekdays((0, 2, 4), (23, 30), "Australia/Lord_Howe"),
    Recurrence.weekly(date(2026, 3, 20), (7, 15), "Europe/London", every=2),
    Recurrence.monthly_on_day(31, (12, 0), "UTC"),
    Recurrence.monthly_on_day(15, (0, 30), "America/St_Johns"),
    Recurrence.monthly_nth_weekday(2, 1, (18, 0), "Europe/London"),
    Recurrence.monthly_nth_weekday(-1, 4, (9, 0), "Pacific/Apia"),
    Recurrence.once(date(2026, 4, 2), (10, 0), "UTC"),
]


@pytest.mark.parametrize("rec", ORACLE_RULES, ids=lambda r: f"{r.frequency.value}-{r.tz}")
def test_counting_a_span_matches_listing_its_firings(rec: Recurrence) -> None:
    # Spans that start before, on and after the rule's own start, with ends on every day and at the
    # exact instant of a firing: counted without walking, the answer is what a plain listing gives.
    base = datetime(2026, 2, 20, 9, 37, tzinfo=UTC)
    for start_day in range(0, 60, 3):
        after = base + timedelta(days=start_day)
        for length in (13, 20, 45, 70):
            before = after + timedelta(days=length)
            listed = occurrences_within(rec, after, before - after)
            expected = sum(t < before for t in listed)
            assert count_between(rec, after, before) == expected, (start_day, length)
            if listed:  # an end exactly on a firing leaves that firing out
                assert count_between(rec, after, listed[-1]) == len(listed) - 1


def test_a_rule_that_has_not_fired_yet_has_no_last_firing() -> None:
    rec = Recurrence.weekly(date(2026, 6, 1), (9, 0), "UTC")
    assert last_occurrence(rec, datetime(2026, 5, 20, tzinfo=UTC)) is None
    assert last_occurrence(Recurrence.once(date(2026, 6, 1), (9, 0), "UTC"), datetime(2026, 5, 20, tzinfo=UTC)) is None


def test_listing_firings_stops_at_the_limit_and_keeps_one_on_the_windows_end() -> None:
    rec = Recurrence.daily((9, 0), "UTC")
    start = datetime(2026, 1, 1, 9, 0, tzinfo=UTC)  # itself a firing: the window opens after it
    assert occurrences_within(rec, start, timedelta(days=10), limit=3) == [
        start + timedelta(days=1),
        start + timedelta(days=2),
        start + timedelta(days=3),
    ]
    assert occurrences_within(rec, start, timedelta(days=2))[-1] == start + timedelta(days=2)
