"""The reflection service on real aiosqlite with a FakeClock: options into recurrences, limits, edits."""

from __future__ import annotations

import asyncio
from datetime import UTC, date, datetime, timedelta

import pytest

from bot.errors import UserFacingError
from bot.scheduling.recurrence import Recurrence
from bot.services.guild_settings import REFLECTION_CHANNELS
from cogs.reflection.options import ScheduleOptions, build_recurrence, options_of, parse_weekdays
from cogs.reflection.service import KIND, MAX_SCHEDULES, ReflectionService, render_post

NOW = datetime(2026, 1, 5, 12, 0, tzinfo=UTC)  # a Monday
GUILD, CHANNEL, FRAN = 1, 50, 7


def build(**kwargs: object) -> Recurrence:
    return build_recurrence(ScheduleOptions(**kwargs), "Europe/London", NOW)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("options", "expected"),
    [
        ({"repeat": "daily", "time": "7pm"}, Recurrence.daily((19, 0), "Europe/London")),
        ({"repeat": "daily", "time": "19:00", "zone": "asia/tokyo"}, Recurrence.daily((19, 0), "Asia/Tokyo")),
        (
            {"repeat": "once", "time": "09:30", "date": "tomorrow"},
            Recurrence.once(date(2026, 1, 6), (9, 30), "Europe/London"),
        ),
        (
            {"repeat": "weekdays", "time": "8am", "weekdays": "fri, mon"},
            Recurrence.on_weekdays((0, 4), (8, 0), "Europe/London"),
        ),
        (
            {"repeat": "weekly", "time": "18:00", "weekdays": "wed"},
            Recurrence.weekly(date(2026, 1, 7), (18, 0), "Europe/London"),
        ),
        (
            {"repeat": "every-2-weeks", "time": "18:00", "date": "2026-01-09"},
            Recurrence.weekly(date(2026, 1, 9), (18, 0), "Europe/London", every=2),
        ),
        ({"repeat": "monthly-day", "time": "noon", "day": 31}, Recurrence.monthly_on_day(31, (12, 0), "Europe/London")),
        (
            {"repeat": "monthly-nth", "time": "17:00", "week": "last", "weekdays": "thursday"},
            Recurrence.monthly_nth_weekday(-1, 3, (17, 0), "Europe/London"),
        ),
    ],
)
def test_options_become_recurrences_and_back(options: dict[str, object], expected: Recurrence) -> None:
    rec = build(**options)
    assert rec == expected
    assert build_recurrence(options_of(rec), "UTC", NOW, check_date=False) == rec


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"repeat": "daily", "time": "25:00"}, "hours go up to 23"),
        ({"repeat": "daily", "time": "7"}, "try a form like"),
        ({"repeat": "daily"}, "Give a `time`"),
        ({"repeat": "hourly", "time": "7pm"}, "Choose `repeat`"),
        ({"repeat": "daily", "time": "7pm", "zone": "Mars/Olympus"}, "I don't know the time zone"),
        ({"repeat": "once", "time": "7pm", "date": "2026-01-04"}, "is in the past"),
        ({"repeat": "once", "time": "11:00", "date": "today"}, "has already passed"),
        ({"repeat": "once", "time": "11:00", "date": "5/1/2026"}, "year-month-day"),
        ({"repeat": "weekly", "time": "7pm", "weekdays": "mon, tue"}, "posts on one day"),
        ({"repeat": "weekly", "time": "7pm", "date": "2026-01-06", "weekdays": "wed"}, "is a Tuesday, not a Wednesday"),
        ({"repeat": "weekdays", "time": "7pm", "weekdays": "funday"}, "couldn't read 'funday'"),
        ({"repeat": "monthly-nth", "time": "7pm", "weekdays": "mon"}, "needs `week`"),
        ({"repeat": "daily", "time": "7pm", "weekdays": "mon"}, "`weekdays` doesn't apply"),
    ],
)
def test_bad_options_name_what_to_fix(options: dict[str, object], message: str) -> None:
    with pytest.raises(UserFacingError, match=message):
        build(**options)


def test_weekday_words() -> None:
    assert parse_weekdays("Mon and Thursday; tu") == (0, 1, 3)
    with pytest.raises(UserFacingError):
        parse_weekdays("t")  # Tuesday or Thursday


@pytest.fixture
async def service(services):
    services.scheduler.register(KIND, _noop, feature="reflection")
    services.scheduler.register("reflection-close", _noop, feature="reflection")
    await services.guilds.add_channel(GUILD, REFLECTION_CHANNELS, CHANNEL)
    return ReflectionService(
        services.db,
        services.clock,
        services.scheduler,
        services.guilds,
        services.library,
        builtins=lambda: [("one", "Built-in one?")],
    )


async def _noop(firing: object) -> None:
    return None


DAILY = ScheduleOptions(repeat="daily", time="19:00")


async def test_create_with_own_text_and_builtin(service) -> None:
    row, prompt = await service.create(GUILD, FRAN, CHANNEL, "My own question?", DAILY)
    assert prompt.key == "s:1" and row.target == {
        "channel": CHANNEL,
        "prompt": "s:1",
        "closing": None,
        "close_after": None,
    }
    row2, builtin = await service.create(GUILD, FRAN, CHANNEL, "b:one", DAILY, closing="b:one")
    assert builtin.text == "Built-in one?" and row2.target["close_after"] == 24
    with pytest.raises(UserFacingError, match="There is no prompt b:two"):
        await service.create(GUILD, FRAN, CHANNEL, "b:two", DAILY)


async def test_limits_and_channel(service) -> None:
    with pytest.raises(UserFacingError, match="isn't allowed"):
        await service.create(GUILD, FRAN, 99, "b:one", DAILY)
    with pytest.raises(UserFacingError, match="the most is 1000"):
        await service.create(GUILD, FRAN, CHANNEL, "x" * 1001, DAILY)
    for _ in range(MAX_SCHEDULES):
        await service.create(GUILD, FRAN, CHANNEL, "b:one", DAILY)
    with pytest.raises(UserFacingError, match="the most it can have"):
        await service.create(GUILD, FRAN, CHANNEL, "New text that must not be stored", DAILY)
    assert await service.items.count(GUILD, "reflection") == 0


async def test_schedules_and_prompts_made_at_once_never_pass_the_limits(service, monkeypatch) -> None:
    # Two facilitators (or a double press) at the same moment: each limit still holds, and the ones
    # refused are told so plainly, with nothing of theirs stored.
    from cogs.reflection import service as reflection_module

    for _ in range(MAX_SCHEDULES - 1):
        await service.create(GUILD, FRAN, CHANNEL, "b:one", DAILY)
    made = await asyncio.gather(
        *(service.create(GUILD, FRAN, CHANNEL, f"Question {n}?", DAILY) for n in range(3)), return_exceptions=True
    )
    assert sum(isinstance(m, UserFacingError) and "the most it can have" in str(m) for m in made) == 2
    assert len(await service.schedules(GUILD)) == MAX_SCHEDULES
    assert await service.items.count(GUILD, "reflection") == 1
    monkeypatch.setattr(reflection_module, "MAX_SERVER_PROMPTS", 3)
    adds = (service.add_prompt(GUILD, FRAN, f"Own {n}?") for n in range(4))
    added = await asyncio.gather(*adds, return_exceptions=True)
    assert sum(isinstance(a, UserFacingError) and "the most it can have" in str(a) for a in added) == 2
    assert await service.items.count(GUILD, "reflection") == 3


async def test_edit_keeps_what_was_not_given(service, clock) -> None:
    row, _ = await service.create(
        GUILD, FRAN, CHANNEL, "b:one", ScheduleOptions("every-2-weeks", "18:00", "2026-01-09")
    )
    clock.advance(timedelta(days=30))
    edited = await service.edit(GUILD, row.id, FRAN, options=ScheduleOptions(time="7pm"))
    # The fortnightly rhythm (anchored in the past) is kept; only the time changed.
    assert edited.recurrence == Recurrence.weekly(date(2026, 1, 9), (19, 0), "UTC", every=2)
    switched = await service.edit(GUILD, row.id, FRAN, options=ScheduleOptions(repeat="daily"))
    assert switched.recurrence == Recurrence.daily((19, 0), "UTC")
    with pytest.raises(UserFacingError, match="needs a `closing` prompt"):
        await service.edit(GUILD, row.id, FRAN, close_after=3)
    with pytest.raises(UserFacingError, match="no reflection schedule #999"):
        await service.edit(GUILD, 999, FRAN, options=ScheduleOptions(time="7pm"))


async def test_problem_pauses_and_resume_clears_it(service) -> None:
    row, _ = await service.create(GUILD, FRAN, CHANNEL, "b:one", DAILY)
    await service.record_problem(row.id, "the channel was deleted.")
    paused = await service.schedule(GUILD, row.id)
    assert paused.paused and "paused: the channel was deleted." in service.describe_schedule(paused, "UTC")
    resumed = await service.resume(GUILD, row.id)
    assert not resumed.paused and "problem" not in resumed.target


async def test_hiding_and_editing_builtins_per_server(service) -> None:
    await service.edit_prompt(GUILD, "b:one", "Our wording?", FRAN)
    await service.set_hidden(GUILD, "b:one", True, FRAN)
    assert await service.library(GUILD) == []
    (prompt,) = await service.library(GUILD, include_hidden=True)
    assert (prompt.text, prompt.hidden, prompt.changed) == ("Our wording?", True, True)
    assert (await service.library(2))[0].text == "Built-in one?"  # other servers are untouched


async def test_forget_unlinks_but_keeps(service, db) -> None:
    await service.create(GUILD, FRAN, CHANNEL, "Mine?", DAILY)
    assert len((await service.export(FRAN))["prompts"]) == 1
    assert await service.forget(FRAN) == {"schedules unlinked": 1, "prompts unlinked": 1}
    assert await service.export(FRAN) == {"schedules": [], "prompts": []}
    assert len(await service.schedules(GUILD)) == 1


def test_post_carries_the_reminder_and_late_label() -> None:
    text = render_post("Q?", late=True, due_at=NOW)
    assert "leave out names and details of the people you support" in text
    assert f"posted late: it was due <t:{int(NOW.timestamp())}:f>" in text
