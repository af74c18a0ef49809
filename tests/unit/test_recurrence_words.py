"""What a member reads about a schedule: its description, and each refusal word for word.

Also the stored form of a rule, which must stay readable by later versions of the bot.
"""

from __future__ import annotations

from datetime import date

import pytest

from bot.scheduling.recurrence import LAST, Frequency, Recurrence, describe, parse_time

LONDON = "Europe/London"
AT = "at 09:00 (Europe/London)"


@pytest.mark.parametrize(
    ("days", "expected"),
    [
        ((2,), f"every Wednesday {AT}"),
        ((0, 2), f"every Monday and Wednesday {AT}"),
        ((0, 2, 4), f"every Monday, Wednesday and Friday {AT}"),
        ((5, 6, 0, 1), f"every Monday, Tuesday, Saturday and Sunday {AT}"),
        ((0, 1, 2, 3, 4), f"every weekday (Monday to Friday) {AT}"),
        ((0, 1, 2, 3, 4, 5, 6), f"every day {AT}"),
    ],
)
def test_chosen_weekdays_are_listed_in_plain_english(days, expected):
    assert describe(Recurrence.on_weekdays(days, (9, 0), LONDON)) == expected


ORDINALS = [
    "1st",
    "2nd",
    "3rd",
    "4th",
    "10th",
    "11th",
    "12th",
    "13th",
    "14th",
    "20th",
    "21st",
    "22nd",
    "23rd",
    "24th",
    "28th",
]


@pytest.mark.parametrize("ordinal", ORDINALS)
def test_a_day_of_the_month_is_told_as_an_ordinal(ordinal):
    day = int(ordinal[:-2])
    assert describe(Recurrence.monthly_on_day(day, (9, 0), LONDON)) == f"on the {ordinal} of every month {AT}"


@pytest.mark.parametrize(("day", "ordinal"), [(29, "29th"), (30, "30th"), (31, "31st")])
def test_a_day_some_months_lack_says_what_happens_then(day, ordinal):
    assert describe(Recurrence.monthly_on_day(day, (9, 0), LONDON)) == (
        f"on the {ordinal} of every month {AT} (or the last day of shorter months)"
    )


def test_every_other_shape_is_described_in_full():
    assert describe(Recurrence.once(date(2026, 5, 1), (19, 5), LONDON)) == (
        "once on Friday 1 May 2026 at 19:05 (Europe/London)"
    )
    assert describe(Recurrence.daily((0, 0), LONDON)) == "every day at 00:00 (Europe/London)"
    assert describe(Recurrence.weekly(date(2026, 6, 3), (9, 0), LONDON)) == (
        f"every Wednesday {AT}, from Wednesday 3 June 2026"
    )
    assert describe(Recurrence.weekly(date(2026, 6, 3), (9, 0), LONDON, every=2)) == (
        f"every 2 weeks on Wednesday {AT}, from Wednesday 3 June 2026"
    )
    for nth, word in ((1, "first"), (2, "second"), (3, "third"), (4, "fourth"), (LAST, "last")):
        assert describe(Recurrence.monthly_nth_weekday(nth, 6, (9, 0), LONDON)) == (
            f"on the {word} Sunday of every month {AT}"
        )


EXAMPLE = "try a form like 19:00, 7pm or 7:30 pm."


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("abc", f"I couldn't read 'abc' as a time; {EXAMPLE}"),
        ("  a very long thing that is not a time  ", f"I couldn't read 'a very long thing th' as a time; {EXAMPLE}"),
        ("7", f"I couldn't read '7' as a time; {EXAMPLE}"),
        ("7:5", f"write minutes with two digits; {EXAMPLE}"),
        ("7:60", f"minutes go up to 59; {EXAMPLE}"),
        ("0760", f"minutes go up to 59; {EXAMPLE}"),
        ("13pm", f"with am/pm the hour is 1 to 12; {EXAMPLE}"),
        ("0am", f"with am/pm the hour is 1 to 12; {EXAMPLE}"),
        ("24:00", f"hours go up to 23; {EXAMPLE}"),
    ],
)
def test_a_time_that_cannot_be_read_says_exactly_what_to_fix(text, message):
    with pytest.raises(ValueError) as refused:
        parse_time(text)
    assert str(refused.value) == message


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("12:30am", (0, 30)),
        ("1am", (1, 0)),
        ("11pm", (23, 0)),
        ("12.15 p.m.", (12, 15)),
        ("7 a.m.", (7, 0)),
        ("12 A.M.", (0, 0)),
        ("19h30", (19, 30)),
        ("1930", (19, 30)),
        ("730pm", (19, 30)),
        ("9:05.", (9, 5)),
        ("Midday", (12, 0)),
        ("MIDNIGHT", (0, 0)),
        ("7\t:\n30 pm", (19, 30)),
    ],
)
def test_more_ways_people_write_a_time(text, expected):
    assert parse_time(text) == expected


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda: Recurrence.daily((24, 0), LONDON), "time must be between 00:00 and 23:59"),
        (lambda: Recurrence.daily((-1, 0), LONDON), "time must be between 00:00 and 23:59"),
        (lambda: Recurrence.daily((9, 60), LONDON), "time must be between 00:00 and 23:59"),
        (lambda: Recurrence.daily((9, -1), LONDON), "time must be between 00:00 and 23:59"),
        (
            lambda: Recurrence.daily((9, 0), "Mars/Olympus"),
            "unknown time zone 'Mars/Olympus'; use an IANA name like Europe/London",
        ),
        (
            lambda: Recurrence.daily((9, 0), "X" * 100),
            f"unknown time zone {'X' * 64!r}; use an IANA name like Europe/London",
        ),
        (lambda: Recurrence(Frequency.ONCE, 9, 0, LONDON), "a once recurrence needs a start date"),
        (lambda: Recurrence(Frequency.WEEKLY, 9, 0, LONDON), "a weekly recurrence needs a start date"),
        (lambda: Recurrence.on_weekdays((), (9, 0), LONDON), "choose at least one weekday (0=Monday .. 6=Sunday)"),
        (lambda: Recurrence.on_weekdays((7,), (9, 0), LONDON), "choose at least one weekday (0=Monday .. 6=Sunday)"),
        (lambda: Recurrence.on_weekdays((-1,), (9, 0), LONDON), "choose at least one weekday (0=Monday .. 6=Sunday)"),
        (
            lambda: Recurrence.weekly(date(2026, 1, 1), (9, 0), LONDON, every=0),
            "the week interval must be between 1 and 52",
        ),
        (
            lambda: Recurrence.weekly(date(2026, 1, 1), (9, 0), LONDON, every=53),
            "the week interval must be between 1 and 52",
        ),
        (lambda: Recurrence.monthly_on_day(0, (9, 0), LONDON), "the day of the month must be between 1 and 31"),
        (lambda: Recurrence.monthly_on_day(32, (9, 0), LONDON), "the day of the month must be between 1 and 31"),
        (lambda: Recurrence.monthly_nth_weekday(5, 0, (9, 0), LONDON), "choose first..fourth or last, and a weekday"),
        (lambda: Recurrence.monthly_nth_weekday(1, 7, (9, 0), LONDON), "choose first..fourth or last, and a weekday"),
        (lambda: Recurrence.monthly_nth_weekday(1, -1, (9, 0), LONDON), "choose first..fourth or last, and a weekday"),
    ],
)
def test_an_impossible_rule_is_refused_with_a_plain_reason(make, message):
    with pytest.raises(ValueError) as refused:
        make()
    assert str(refused.value) == message


def test_the_edges_of_every_range_are_accepted():
    for rec in (
        Recurrence.daily((0, 0), LONDON),
        Recurrence.daily((23, 59), LONDON),
        Recurrence.on_weekdays((0, 6), (9, 0), LONDON),
        Recurrence.weekly(date(2026, 1, 1), (9, 0), LONDON, every=1),
        Recurrence.weekly(date(2026, 1, 1), (9, 0), LONDON, every=52),
        Recurrence.monthly_on_day(1, (9, 0), LONDON),
        Recurrence.monthly_on_day(31, (9, 0), LONDON),
        Recurrence.monthly_nth_weekday(4, 0, (9, 0), LONDON),
        Recurrence.monthly_nth_weekday(LAST, 6, (9, 0), LONDON),
    ):
        assert Recurrence.from_json(rec.to_json()) == rec


def test_weekdays_are_kept_once_each_in_order():
    rec = Recurrence.on_weekdays((4, 0, 4, 2), (9, 0), LONDON)
    assert rec.weekdays == (0, 2, 4)


@pytest.mark.parametrize(
    ("rec", "stored"),
    [
        (
            Recurrence.once(date(2026, 5, 1), (7, 5), LONDON),
            '{"frequency":"once","start":"2026-05-01","time":"07:05","tz":"Europe/London","v":1}',
        ),
        (Recurrence.daily((19, 0), LONDON), '{"frequency":"daily","time":"19:00","tz":"Europe/London","v":1}'),
        (
            Recurrence.on_weekdays((3, 1), (9, 0), LONDON),
            '{"frequency":"weekdays","time":"09:00","tz":"Europe/London","v":1,"weekdays":[1,3]}',
        ),
        (
            Recurrence.weekly(date(2026, 6, 3), (9, 0), LONDON, every=2),
            '{"frequency":"weekly","interval":2,"start":"2026-06-03","time":"09:00","tz":"Europe/London","v":1}',
        ),
        (
            Recurrence.monthly_on_day(31, (9, 0), LONDON),
            '{"day":31,"frequency":"monthly_day","time":"09:00","tz":"Europe/London","v":1}',
        ),
        (
            Recurrence.monthly_nth_weekday(LAST, 4, (9, 0), LONDON),
            '{"frequency":"monthly_nth","nth":-1,"time":"09:00","tz":"Europe/London","v":1,"weekday":4}',
        ),
    ],
)
def test_the_stored_form_of_each_rule_is_fixed(rec, stored):
    assert rec.to_json() == stored
    assert Recurrence.from_json(stored) == rec


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('{"v": 2, "frequency": "daily", "time": "09:00", "tz": "UTC"}', "unsupported recurrence version 2"),
        ('{"frequency": "daily", "time": "09:00", "tz": "UTC"}', "unsupported recurrence version None"),
        ('{"v": 1, "frequency": "daily", "tz": "UTC"}', "malformed recurrence: 'time'"),
        ('{"v": 1, "frequency": "daily", "time": "09:00"}', "malformed recurrence: 'tz'"),
        ('{"v": 1, "time": "09:00", "tz": "UTC"}', "malformed recurrence: 'frequency'"),
        ("[]", "malformed recurrence: 'list' object has no attribute 'get'"),
        ("nope", "malformed recurrence: Expecting value: line 1 column 1 (char 0)"),
        ('{"v": 1, "frequency": "hourly", "time": "09:00", "tz": "UTC"}', "'hourly' is not a valid Frequency"),
    ],
)
def test_a_damaged_stored_rule_is_refused_with_its_reason(text, message):
    with pytest.raises(ValueError) as refused:
        Recurrence.from_json(text)
    assert str(refused.value) == message
