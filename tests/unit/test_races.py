"""Two calls at once (a double press, two quick interactions, or two processes) on a real database.

Each test runs the same service call several times with asyncio.gather: on SQLite their statements
interleave at every await, on PostgreSQL they also run side by side on the pool. The answer each caller
gets, and what is stored afterwards, must be what one call after another would have given.
"""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta

import pytest

from bot.app import Services
from bot.errors import UserFacingError
from bot.library.service import RESOURCE
from bot.testing import make_services
from cogs.checkins.plan import Choices
from cogs.checkins.service import CheckinService
from cogs.connect.service import CHANNEL_SETTING, Choice, ConnectService
from cogs.events.service import EVENT_REMINDER_KIND, EventReminderService
from cogs.moments.service import LOOKBACK_KIND, MomentService
from cogs.strategies import service as strategies_module
from cogs.strategies.reminders import REMINDER_KIND, WEEK_KIND, ReminderService, build_recurrence
from cogs.strategies.service import StrategyService
from cogs.welcome.service import STEP_KIND, WelcomeService
from tests.content_store import tiny_content

G, USER = 100, 900000000000000020


@pytest.fixture
async def services(clock, database_target):
    """The tiny content store, so the strategy ids below exist whatever the shipped content says."""
    svc = await make_services(clock=clock, db_path=database_target, content=tiny_content())

    async def noop(firing):
        return None

    for kind in (EVENT_REMINDER_KIND, STEP_KIND, "checkin", LOOKBACK_KIND, REMINDER_KIND, WEEK_KIND):
        svc.scheduler.register(kind, noop, dm=True)
    yield svc
    await svc.db.close()


async def _outcomes(calls) -> list[object]:
    """Run the calls at once; each result, or the UserFacingError it raised (anything else fails the test)."""
    results = await asyncio.gather(*calls, return_exceptions=True)
    for result in results:
        if isinstance(result, BaseException) and not isinstance(result, UserFacingError):
            raise result
    return list(results)


# -- per-member limits --------------------------------------------------------------------------------


async def test_saving_strategies_at_once_never_passes_the_limit(services: Services, monkeypatch) -> None:
    monkeypatch.setattr(strategies_module, "MAX_FAVOURITES", 2)
    svc = StrategyService.build(services)
    ids = ["not-about-me", "choose-battles", "train-staff", "co-reflect"]
    assert all(services.content.strategy(i) is not None for i in ids)
    outcomes = await _outcomes(svc.save(G, USER, i) for i in ids)
    refused = [o for o in outcomes if isinstance(o, UserFacingError)]
    assert len(refused) == 2 and all("up to 2" in str(o) for o in refused)
    assert await services.db.fetchval("SELECT count(*) FROM strategy_favourites") == 2


async def test_pressing_remind_me_twice_sets_one_reminder(services: Services, clock) -> None:
    svc = EventReminderService.build(services)
    starts = clock.now() + timedelta(days=2)
    outcomes = await _outcomes(svc.remind(G, USER, 4242, starts) for _ in range(3))
    assert sum(isinstance(o, datetime) for o in outcomes) == 1
    assert all("already have a reminder" in str(o) for o in outcomes if isinstance(o, UserFacingError))
    count = await services.db.fetchval("SELECT count(*) FROM schedules WHERE kind = $1", (EVENT_REMINDER_KIND,))
    assert count == 1


async def test_starting_welcome_messages_twice_schedules_them_once(services: Services) -> None:
    svc = WelcomeService.build(services)
    outcomes = await _outcomes(svc.start(G, USER) for _ in range(3))
    assert outcomes.count(None) == 1  # one start; the others are told the messages are on their way
    assert await services.db.fetchval("SELECT count(*) FROM schedules WHERE kind = $1", (STEP_KIND,)) == 1


# -- read-modify-write of one row -----------------------------------------------------------------------


async def test_time_zone_and_quiet_hours_set_at_once_are_both_kept(services: Services) -> None:
    prefs = services.preferences
    await asyncio.gather(prefs.set_timezone(G, USER, "Europe/Berlin"), prefs.set_quiet_hours(G, USER, 1320, 420))
    row = await services.db.fetchone(
        "SELECT timezone, quiet_start, quiet_end FROM member_preferences WHERE guild_id = $1 AND user_id = $2",
        (G, USER),
    )
    assert tuple(row) == ("Europe/Berlin", 1320, 420)


# -- something kept after the member deleted it ----------------------------------------------------------


async def _checkins(services: Services, keep_days: int = 30) -> CheckinService:
    svc = CheckinService.build(services)
    await svc.confirm(G, USER, Choices("daily", (), 19 * 60, "UTC", "daily", keep_days, None))
    return svc


async def test_an_answer_sent_while_stopping_is_not_kept_after_the_stop(services: Services, db_path) -> None:
    svc = await _checkins(services)
    answered, stopped = await asyncio.gather(
        svc.answer(G, USER, "tok1", "daily-1", "a private answer"), svc.stop(G, USER, delete_answers=True)
    )
    assert stopped[0] is True
    # Told that check-ins stopped and answers were deleted: no plan may come back, no answer may stay.
    assert await services.db.fetchval("SELECT count(*) FROM checkin_plans") == 0
    assert await services.db.fetchval("SELECT count(*) FROM checkin_answers") == 0
    assert answered.kept_days is None or answered.kept_days > 0


async def test_a_pause_pressed_while_changing_the_time_keeps_the_new_time(services: Services) -> None:
    svc = await _checkins(services)
    new = Choices("daily", (), 8 * 60, "UTC", "daily", 30, None)
    await asyncio.gather(svc.pause(G, USER, 3), svc.confirm(G, USER, new))
    plan = await svc.plan(G, USER)
    assert plan is not None and plan.at_minute == 8 * 60
    schedule = await services.scheduler.repository.get(plan.schedule_id or 0)
    assert schedule is not None


async def test_a_moment_added_while_deleting_all_does_not_turn_the_log_back_on(services: Services) -> None:
    svc = MomentService.build(services)
    await svc.opt_in(G, USER)
    await _outcomes([svc.add(G, USER, "a good moment"), svc.delete(G, USER, "all")])
    # "all" turns the log off: whatever the order, the log stays off and nothing outlives it.
    assert await services.db.fetchval("SELECT count(*) FROM moment_settings") == 0
    assert await services.db.fetchval("SELECT count(*) FROM moments") == 0


# -- /connect -------------------------------------------------------------------------------------------


async def _connect(services: Services) -> ConnectService:
    await services.guilds.ensure_guild(G)
    await services.guilds.set(G, CHANNEL_SETTING, "555")
    return ConnectService.build(services)


async def test_the_last_two_accepts_at_once_introduce_once(services: Services) -> None:
    svc = await _connect(services)
    first, second = 900000000000001001, 900000000000001002
    await svc.join(G, first, Choice())
    await svc.join(G, second, Choice())
    proposal = await svc.match_for(G, second)
    assert proposal is not None
    # Both accept at the same moment, and the second person's button is pressed twice.
    outcomes = await asyncio.gather(
        svc.accept(proposal.id, first), svc.accept(proposal.id, second), svc.accept(proposal.id, second)
    )
    everyone = [o for o in outcomes if o]
    assert len(everyone) == 1, "exactly one answer opens the private thread"
    assert sorted(m.user_id for m in everyone[0]) == [first, second]
    assert all(o == [] for o in outcomes if not o)


async def test_declining_twice_at_once_tells_the_others_once(services: Services) -> None:
    svc = await _connect(services)
    await svc.join(G, 1, Choice())
    await svc.join(G, 2, Choice())
    proposal = await svc.match_for(G, 2)
    assert proposal is not None
    outcomes = await asyncio.gather(svc.decline(proposal.id, 1), svc.decline(proposal.id, 1))
    assert sum(o is not None for o in outcomes) == 1


async def test_a_suggestion_ending_two_ways_at_once_is_told_once(services: Services, clock) -> None:
    svc = await _connect(services)
    await svc.join(G, 1, Choice())
    await svc.join(G, 2, Choice())
    assert await svc.match_for(G, 2) is not None
    # The member withdraws just as their suggestion runs out: the other hears "no match" once.
    clock.advance(timedelta(days=30))
    withdrawn, expired = await asyncio.gather(svc.withdraw(G, 1), svc.expire_overdue())
    assert len(withdrawn) + len(expired) == 1


async def test_two_members_joining_at_once_are_suggested_to_each_other_once(services: Services) -> None:
    svc = await _connect(services)
    for user_id in (1, 2):
        await svc.join(G, user_id, Choice())
    proposals = await asyncio.gather(svc.match_for(G, 1), svc.match_for(G, 2))
    assert sum(p is not None for p in proposals) == 1
    assert await services.db.fetchval("SELECT count(*) FROM connect_proposals") == 1


# -- per-server limits (moderators and facilitators) ----------------------------------------------------


async def test_adding_resources_at_once_never_passes_the_server_limit(services: Services, monkeypatch) -> None:
    from bot.library import service as library_module

    monkeypatch.setattr(library_module, "MAX_ENTRIES", 2)
    outcomes = await _outcomes(
        services.entries.add(G, RESOURCE, f"Group {n}", f"https://{n}.example.org", "About it.") for n in range(4)
    )
    assert sum(isinstance(o, UserFacingError) for o in outcomes) == 2
    assert await services.library.count(G, RESOURCE) == 2


async def test_a_decline_while_the_other_changes_their_entry_is_still_remembered(services: Services) -> None:
    svc = await _connect(services)
    await svc.join(G, 1, Choice())
    await svc.join(G, 2, Choice())
    proposal = await svc.match_for(G, 1)
    assert proposal is not None
    # 2 declines while 1 changes what they share: 1's new choices and "never suggest 2 again" both stay.
    await asyncio.gather(svc.join(G, 1, Choice(settings=("youth",))), svc.decline(proposal.id, 2))
    entry = await svc.entry(G, 1)
    assert entry is not None and entry.settings == ("youth",) and len(entry.avoid_tags) == 1
    assert await svc.match_for(G, 2) is None


async def test_a_strategy_reminder_or_weekly_card_set_twice_at_once_is_set_once(services: Services) -> None:
    svc = ReminderService.build(services)
    rule = build_recurrence("weekly", "18:00", "UTC", 2)
    await asyncio.gather(*(svc.start(G, USER, rule, None) for _ in range(3)))
    await asyncio.gather(*(svc.set_week(G, 555, 2, "09:00") for _ in range(3)))
    for kind in (REMINDER_KIND, WEEK_KIND):
        assert await services.db.fetchval("SELECT count(*) FROM schedules WHERE kind = $1", (kind,)) == 1


async def test_look_back_and_keep_changed_at_once_are_both_kept(services: Services) -> None:
    svc = MomentService.build(services)
    await svc.opt_in(G, USER)
    # Turning the look-back on while changing how long moments are kept: neither undoes the other.
    await asyncio.gather(svc.set_lookback(G, USER, True), svc.set_keep(G, USER, 365))
    settings = await svc.settings(G, USER)
    assert settings is not None and settings.keep_days == 365 and settings.lookback_schedule_id is not None
    assert await services.scheduler.repository.get(settings.lookback_schedule_id) is not None
