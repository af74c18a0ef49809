"""Recurrence rules: DST behaviour, each frequency, storage round trip, time parsing, descriptions."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from bot.scheduling.recurrence import (
    LAST,
    Frequency,
    Recurrence,
    check_min_interval,
    describe,
    next_occurrence,
    occurrences_within,
    parse_time,
    resolve_local,
    shortest_gap,
)

NY = "America/New_York"
LONDON = "Europe/London"
LORD_HOWE = "Australia/Lord_Howe"


def local(when: datetime, tz: str) -> tuple[date, int, int, int]:
    """(date, hour, minute, fold) of an instant in a zone."""
    moment = when.astimezone(ZoneInfo(tz))
    return moment.date(), moment.hour, moment.minute, moment.fold


def fires(rec: Recurrence, start: datetime, count: int) -> list[datetime]:
    out: list[datetime] = []
    current = start
    for _ in range(count):
        nxt = next_occurrence(rec, current)
        assert nxt is not None
        out.append(nxt)
        current = nxt
    return out


# -- DST ----------------------------------------------------------------------------------------


def test_transition_dates_are_the_ones_the_tests_assume() -> None:
    """Guard the fixtures below against a tzdata change: offsets either side of each transition."""
    cases = [
        (NY, date(2026, 3, 8), -5, -4),
        (NY, date(2026, 11, 1), -4, -5),
        (LONDON, date(2026, 3, 29), 0, 1),
        (LONDON, date(2026, 10, 25), 1, 0),
        (LORD_HOWE, date(2026, 4, 5), 11, 10.5),
        (LORD_HOWE, date(2026, 10, 4), 10.5, 11),
    ]
    for tz, day, before, after in cases:
        info = ZoneInfo(tz)
        early = datetime(day.year, day.month, day.day, 0, 0, tzinfo=info).utcoffset()
        late = datetime(day.year, day.month, day.day, 12, 0, tzinfo=info).utcoffset()
        assert early == timedelta(hours=before), (tz, day)
        assert late == timedelta(hours=after), (tz, day)


def test_new_york_spring_forward_moves_0230_to_0300_that_day() -> None:
    rec = Recurrence.daily((2, 30), NY)
    first, second = fires(rec, datetime(2026, 3, 7, 12, tzinfo=UTC), 2)
    assert local(first, NY) == (date(2026, 3, 8), 3, 0, 0)
    assert first == datetime(2026, 3, 8, 7, 0, tzinfo=UTC)
    assert local(second, NY) == (date(2026, 3, 9), 2, 30, 0)


def test_new_york_0900_stays_0900_local_across_both_changes() -> None:
    rec = Recurrence.daily((9, 0), NY)
    for start in (datetime(2026, 3, 6, tzinfo=UTC), datetime(2026, 10, 30, tzinfo=UTC)):
        for when in fires(rec, start, 4):
            assert local(when, NY)[1:3] == (9, 0)


def test_new_york_fall_back_0130_fires_once() -> None:
    rec = Recurrence.daily((1, 30), NY)
    times = occurrences_within(rec, datetime(2026, 10, 31, 12, tzinfo=UTC), timedelta(days=2))
    on_the_day = [t for t in times if local(t, NY)[0] == date(2026, 11, 1)]
    assert on_the_day == [datetime(2026, 11, 1, 5, 30, tzinfo=UTC)]  # 01:30 EDT, the first pass
    # Asking from between the two passes must not produce the second pass.
    nxt = next_occurrence(rec, datetime(2026, 11, 1, 6, 0, tzinfo=UTC))
    assert nxt is not None and local(nxt, NY)[0] == date(2026, 11, 2)


def test_london_spring_forward_and_fall_back() -> None:
    gap = Recurrence.daily((1, 30), LONDON)
    (spring,) = fires(gap, datetime(2026, 3, 28, 12, tzinfo=UTC), 1)
    assert local(spring, LONDON) == (date(2026, 3, 29), 2, 0, 0)
    times = occurrences_within(gap, datetime(2026, 10, 24, 12, tzinfo=UTC), timedelta(days=2))
    assert [local(t, LONDON)[0] for t in times] == [date(2026, 10, 25), date(2026, 10, 26)]
    assert times[0] == datetime(2026, 10, 25, 0, 30, tzinfo=UTC)  # 01:30 BST, first pass


def test_lord_howe_half_hour_shifts() -> None:
    # 2026-04-05: 02:00 (+11) falls back to 01:30 (+10:30), so 01:45 happens twice.
    rec = Recurrence.daily((1, 45), LORD_HOWE)
    times = occurrences_within(rec, datetime(2026, 4, 4, tzinfo=UTC), timedelta(days=2))
    days = [local(t, LORD_HOWE)[0] for t in times]
    assert days.count(date(2026, 4, 5)) == 1
    assert datetime(2026, 4, 4, 14, 45, tzinfo=UTC) in times  # the +11 (first) pass
    # 2026-10-04: 02:00 (+10:30) springs to 02:30 (+11), so 02:15 does not exist.
    spring = Recurrence.daily((2, 15), LORD_HOWE)
    (when,) = fires(spring, datetime(2026, 10, 3, tzinfo=UTC), 1)
    assert local(when, LORD_HOWE) == (date(2026, 10, 4), 2, 30, 0)
    assert when == datetime(2026, 10, 3, 15, 30, tzinfo=UTC)


def test_santiago_midnight_gap_moves_to_0100() -> None:
    # Chile springs forward at 00:00 on 2026-09-06, so 00:30 that day does not exist.
    rec = Recurrence.daily((0, 30), "America/Santiago")
    (when,) = fires(rec, datetime(2026, 9, 5, 12, tzinfo=UTC), 1)
    assert local(when, "America/Santiago") == (date(2026, 9, 6), 1, 0, 0)


def test_resolve_local_of_a_normal_time_is_plain_conversion() -> None:
    when = resolve_local(date(2026, 6, 1), 19, 0, ZoneInfo(LONDON))
    assert when == datetime(2026, 6, 1, 18, 0, tzinfo=UTC)


# -- frequencies --------------------------------------------------------------------------------


def test_once_fires_then_is_spent() -> None:
    rec = Recurrence.once(date(2026, 5, 1), (19, 0), LONDON)
    when = next_occurrence(rec, datetime(2026, 4, 1, tzinfo=UTC))
    assert when == datetime(2026, 5, 1, 18, 0, tzinfo=UTC)
    assert next_occurrence(rec, when) is None


def test_weekdays() -> None:
    rec = Recurrence.on_weekdays((3, 1), (19, 0), LONDON)  # Thursday, Tuesday
    times = fires(rec, datetime(2026, 6, 1, tzinfo=UTC), 4)  # 2026-06-01 is a Monday
    assert [local(t, LONDON)[0] for t in times] == [
        date(2026, 6, 2),
        date(2026, 6, 4),
        date(2026, 6, 9),
        date(2026, 6, 11),
    ]


def test_weekly_every_two_weeks_from_anchor() -> None:
    rec = Recurrence.weekly(date(2026, 6, 3), (12, 0), LONDON, every=2)
    times = fires(rec, datetime(2026, 1, 1, tzinfo=UTC), 3)
    assert [local(t, LONDON)[0] for t in times] == [date(2026, 6, 3), date(2026, 6, 17), date(2026, 7, 1)]
    later = next_occurrence(rec, datetime(2026, 6, 10, tzinfo=UTC))
    assert later is not None and local(later, LONDON)[0] == date(2026, 6, 17)


def test_monthly_day_31_uses_last_day_of_short_months() -> None:
    rec = Recurrence.monthly_on_day(31, (9, 0), LONDON)
    times = fires(rec, datetime(2026, 1, 1, tzinfo=UTC), 4)
    assert [local(t, LONDON)[0] for t in times] == [
        date(2026, 1, 31),
        date(2026, 2, 28),
        date(2026, 3, 31),
        date(2026, 4, 30),
    ]


@pytest.mark.parametrize(
    ("nth", "weekday", "expected"),
    [
        (1, 0, date(2026, 6, 1)),
        (2, 4, date(2026, 6, 12)),
        (4, 6, date(2026, 6, 28)),
        (LAST, 1, date(2026, 6, 30)),
    ],
)
def test_monthly_nth_weekday(nth: int, weekday: int, expected: date) -> None:
    rec = Recurrence.monthly_nth_weekday(nth, weekday, (9, 0), LONDON)
    when = next_occurrence(rec, datetime(2026, 5, 31, 12, tzinfo=UTC))
    assert when is not None and local(when, LONDON)[0] == expected


def test_json_round_trip_for_every_frequency() -> None:
    recs = [
        Recurrence.once(date(2026, 5, 1), (19, 0), LONDON),
        Recurrence.daily((7, 5), NY),
        Recurrence.on_weekdays((0, 2, 4), (19, 0), LORD_HOWE),
        Recurrence.weekly(date(2026, 6, 3), (12, 0), LONDON, every=3),
        Recurrence.monthly_on_day(29, (9, 0), NY),
        Recurrence.monthly_nth_weekday(LAST, 4, (18, 30), LONDON),
    ]
    for rec in recs:
        assert Recurrence.from_json(rec.to_json()) == rec
    assert {rec.frequency for rec in recs} == set(Frequency)


@pytest.mark.parametrize(
    "text", ["", "{}", '{"v": 1}', '{"v": 2, "frequency": "daily", "time": "09:00", "tz": "UTC"}', "nope"]
)
def test_from_json_rejects_malformed(text: str) -> None:
    with pytest.raises(ValueError):
        Recurrence.from_json(text)


def test_invalid_rules_are_refused() -> None:
    with pytest.raises(ValueError, match="time zone"):
        Recurrence.daily((9, 0), "Mars/Olympus")
    with pytest.raises(ValueError):
        Recurrence.on_weekdays((), (9, 0), LONDON)
    with pytest.raises(ValueError):
        Recurrence.monthly_on_day(32, (9, 0), LONDON)
    with pytest.raises(ValueError):
        Recurrence.monthly_nth_weekday(5, 0, (9, 0), LONDON)
    with pytest.raises(ValueError):
        Recurrence.daily((24, 0), LONDON)


def test_naive_after_is_refused() -> None:
    with pytest.raises(ValueError):
        next_occurrence(Recurrence.daily((9, 0), LONDON), datetime(2026, 1, 1))


def test_min_interval_helpers() -> None:
    start = datetime(2026, 3, 1, tzinfo=UTC)
    rec = Recurrence.daily((2, 30), NY)
    gap = shortest_gap(rec, start)
    assert gap is not None and gap >= timedelta(hours=23)  # the spring-forward day is short
    check_min_interval(rec, start)
    with pytest.raises(ValueError):
        check_min_interval(rec, start, minimum=timedelta(days=2))
    assert shortest_gap(Recurrence.once(date(2026, 5, 1), (9, 0), LONDON), start) is None


# -- describe and parse_time ----------------------------------------------------------------------


def test_describe() -> None:
    assert (
        describe(Recurrence.on_weekdays((1, 3), (19, 0), LONDON))
        == "every Tuesday and Thursday at 19:00 (Europe/London)"
    )
    assert describe(Recurrence.daily((7, 5), NY)) == "every day at 07:05 (America/New_York)"
    assert "last day" in describe(Recurrence.monthly_on_day(31, (9, 0), LONDON))
    assert describe(Recurrence.monthly_nth_weekday(LAST, 4, (9, 0), LONDON)).startswith("on the last Friday")
    assert describe(Recurrence.weekly(date(2026, 6, 3), (12, 0), LONDON, every=2)).startswith(
        "every 2 weeks on Wednesday"
    )
    assert describe(Recurrence.once(date(2026, 5, 1), (19, 0), LONDON)).startswith("once on Friday 1 May 2026")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("19:00", (19, 0)),
        ("7pm", (19, 0)),
        ("7:30 pm", (19, 30)),
        ("0730", (7, 30)),
        ("7.30pm", (19, 30)),
        ("noon", (12, 0)),
        ("midnight", (0, 0)),
        ("12am", (0, 0)),
        ("12pm", (12, 0)),
        ("  9:05 AM ", (9, 5)),
        ("7 p.m.", (19, 0)),
        ("23:59", (23, 59)),
        ("00:00", (0, 0)),
    ],
)
def test_parse_time_accepts(text: str, expected: tuple[int, int]) -> None:
    assert parse_time(text) == expected


@pytest.mark.parametrize("text", ["25:00", "7:60", "abc", "", "7", "13pm", "0am", "24:00", "7:5", "19:00:00"])
def test_parse_time_rejects_with_an_example(text: str) -> None:
    with pytest.raises(ValueError, match="19:00"):
        parse_time(text)


# -- properties ---------------------------------------------------------------------------------

ZONES = [NY, LONDON, LORD_HOWE, "America/Santiago", "Europe/Chisinau", "UTC"]

recurrences = st.one_of(
    st.builds(Recurrence.daily, st.tuples(st.integers(0, 23), st.integers(0, 59)), st.sampled_from(ZONES)),
    st.builds(
        Recurrence.on_weekdays,
        st.lists(st.integers(0, 6), min_size=1, max_size=7).map(tuple),
        st.tuples(st.integers(0, 23), st.integers(0, 59)),
        st.sampled_from(ZONES),
    ),
    st.builds(
        Recurrence.weekly,
        st.dates(date(2024, 1, 1), date(2028, 12, 31)),
        st.tuples(st.integers(0, 23), st.integers(0, 59)),
        st.sampled_from(ZONES),
        st.integers(1, 5),
    ),
    st.builds(
        Recurrence.monthly_on_day,
        st.integers(1, 31),
        st.tuples(st.integers(0, 23), st.integers(0, 59)),
        st.sampled_from(ZONES),
    ),
    st.builds(
        Recurrence.monthly_nth_weekday,
        st.sampled_from([1, 2, 3, 4, LAST]),
        st.integers(0, 6),
        st.tuples(st.integers(0, 23), st.integers(0, 59)),
        st.sampled_from(ZONES),
    ),
)
# Half the examples start within two days of a transition, so gaps and overlaps are really hit.
TRANSITION_DAYS = [
    datetime(2026, 3, 8, tzinfo=UTC),
    datetime(2026, 11, 1, tzinfo=UTC),
    datetime(2026, 3, 29, tzinfo=UTC),
    datetime(2026, 10, 25, tzinfo=UTC),
    datetime(2026, 4, 4, tzinfo=UTC),
    datetime(2026, 10, 3, tzinfo=UTC),
    datetime(2026, 9, 6, tzinfo=UTC),  # America/Santiago springs forward at midnight
]
instants = st.one_of(
    st.datetimes(datetime(2024, 1, 1), datetime(2029, 1, 1)).map(lambda d: d.replace(tzinfo=UTC)),
    st.builds(
        lambda day, minutes: day + timedelta(minutes=minutes),
        st.sampled_from(TRANSITION_DAYS),
        st.integers(-2 * 24 * 60, 2 * 24 * 60),
    ),
)


def _exists(day: date, hour: int, minute: int, tz: ZoneInfo) -> bool:
    wall = datetime(day.year, day.month, day.day, hour, minute, tzinfo=tz)
    return wall.astimezone(UTC).astimezone(tz).replace(tzinfo=None) == wall.replace(tzinfo=None)


@settings(max_examples=500, deadline=None)
@given(rec=recurrences, after=instants)
def test_property_next_is_later_and_increasing_and_on_the_wall_time(rec: Recurrence, after: datetime) -> None:
    tz = rec.zoneinfo
    current = after
    for _ in range(5):
        nxt = next_occurrence(rec, current)
        assert nxt is not None
        assert nxt > current
        moment = nxt.astimezone(tz)
        assert moment.fold == 0  # an ambiguous time fires at its first pass
        if (moment.hour, moment.minute) != (rec.hour, rec.minute):
            # Only allowed in a gap: the wall time didn't exist that day (or the day before, for a
            # gap across midnight) and we are at the first instant after the transition.
            requested_day = (
                moment.date()
                if moment.hour * 60 + moment.minute > rec.hour * 60 + rec.minute
                else (moment.date() - timedelta(days=1))
            )
            assert not _exists(requested_day, rec.hour, rec.minute, tz)
            just_before = (nxt - timedelta(seconds=1)).astimezone(tz)
            assert just_before.utcoffset() != moment.utcoffset()
        current = nxt


# -- the fast once-an-hour check agrees with walking every firing ------------------------------

_SWING_ZONES = [
    "UTC",
    "America/New_York",
    "Australia/Lord_Howe",
    "Europe/London",
    "Pacific/Apia",
    "Pacific/Kiritimati",
    "Asia/Kolkata",
    "America/Santiago",
]


@settings(max_examples=150, deadline=None)
# Found by a CI run: Samoa skipped 30 December 2011; the day's firing moved to the start of the 31st, a
# quarter of an hour before the 31st's own, while the bound sampled offsets from noon and missed UTC-10.
@example(tz="Pacific/Apia", hour=0, minute=15, start=datetime(2011, 12, 30, tzinfo=UTC), minimum_hours=1)
@given(
    tz=st.sampled_from(_SWING_ZONES),
    hour=st.integers(0, 23),
    minute=st.sampled_from([0, 15, 30, 45]),
    start=st.datetimes(min_value=datetime(2009, 1, 1), max_value=datetime(2030, 1, 1), timezones=st.just(UTC)),
    minimum_hours=st.sampled_from([1, 22, 23, 23.5]),
)
def test_min_interval_bound_matches_the_walk(tz, hour, minute, start, minimum_hours):
    rec = Recurrence.daily((hour, minute), tz)
    minimum = timedelta(hours=minimum_hours)
    gap = shortest_gap(rec, start)
    walked_refuses = gap is not None and gap < minimum
    try:
        check_min_interval(rec, start, minimum)
    except ValueError:
        refused = True
    else:
        refused = False
    assert refused == walked_refuses


def test_date_line_jump_still_walks_and_passes_the_hour_limit():
    # Samoa skipped 30 December 2011: its offset swung by 24 hours, so the bound can't decide.
    start = datetime(2011, 12, 1, tzinfo=UTC)
    rec = Recurrence.daily((9, 0), "Pacific/Apia")
    check_min_interval(rec, start)  # the shortest gap is still well over an hour
    assert shortest_gap(rec, start) >= timedelta(hours=1)
