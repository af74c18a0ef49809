"""Strategy-reminder DMs carry buttons like check-in DMs: Another one, Save, Pause for a week, Stop."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from bot.clock import to_timestamp
from bot.testing import SimcordClock, make_services
from cogs.strategies.reminders import REMINDER_KIND, ReminderService
from cogs.strategies.service import FEATURE as STRATEGIES
from tests.content_store import tiny_content
from tests.e2e.world import make_world

HOUR, DAY = 3600, 24 * 3600
LABELS = ["Another one", "Save", "Pause for a week", "Stop"]


@pytest.fixture
async def sim_services(tmp_path: Path):
    """A file database and the tiny hand-built content, so tests don't depend on the shipped wording."""
    svc = await make_services(clock=SimcordClock(), db_path=str(tmp_path / "x.db"), content=tiny_content())
    yield svc
    await svc.db.close()


@pytest.fixture
def world(simcord_env):
    return make_world(simcord_env)


async def advance(env, seconds: int) -> None:
    while seconds > 0:
        step = min(seconds, HOUR)
        await env.advance_time(step)
        seconds -= step


def dms(actor):
    channel = actor.user.dm_channel
    return channel.history() if channel is not None else []


def labels(message) -> list[str]:
    """Button labels, whether the message comes as a model (a DM) or as raw components (a response)."""
    found = []
    for row in message.components:
        children = row["components"] if isinstance(row, dict) else row.children
        found += [child["label"] if isinstance(child, dict) else child.label for child in children]
    return found


async def first_reminder(world, env):
    """Start a daily 00:30 reminder from the isolation group and let it fire once."""
    await world.member.slash(world.general, "strategy remind start", cadence="daily", time="00:30", group="isolation")
    await advance(env, HOUR)
    [message] = dms(world.member)
    return message


async def test_reminder_dm_has_the_four_buttons(world, simcord_env, sim_services):
    message = await first_reminder(world, simcord_env)
    assert "Find peers outside work" in message.content
    assert labels(message) == LABELS


async def test_another_one_shows_the_next_card_and_moves_the_turn_on(world, simcord_env, simcord_bot):
    message = await first_reminder(world, simcord_env)
    reminders = simcord_bot.features.get(ReminderService)
    before = (await reminders.mine(world.guild.id, world.member.id)).target["turn"]
    result = await world.member.user.click(message, label="Another one")
    assert "Co-reflect together" in result.response.content  # the group's second card
    assert labels(result.response) == LABELS
    after = (await reminders.mine(world.guild.id, world.member.id)).target["turn"]
    assert after == before + 1


async def test_save_keeps_the_strategy_for_the_days_it_says(world, simcord_env, sim_services):
    message = await first_reminder(world, simcord_env)
    result = await world.member.user.click(message, label="Save")
    assert "Saved. It's kept for 90 days." in result.response.content
    rows = await sim_services.db.fetchall(
        "SELECT strategy_id, expires_at FROM strategy_favourites WHERE user_id = $1", (world.member.id,)
    )
    expected = to_timestamp(sim_services.clock.now() + timedelta(days=90))
    assert [(r["strategy_id"], r["expires_at"]) for r in rows] == [("peer-network", expected)]
    again = await world.member.user.click(message, label="Save")
    assert "already saved" in again.response.content


async def test_pause_for_a_week_skips_seven_days_then_resumes(world, simcord_env, sim_services):
    message = await first_reminder(world, simcord_env)
    paused = await world.member.user.click(message, label="Pause for a week")
    assert "Paused until" in paused.response.content and "starts again by itself" in paused.response.content
    stored = await sim_services.db.fetchval(
        "SELECT target FROM schedules WHERE kind = $1 AND owner_id = $2", (REMINDER_KIND, world.member.id)
    )
    assert "skip_until" in stored
    await advance(simcord_env, 6 * DAY)
    assert len(dms(world.member)) == 1
    await advance(simcord_env, 2 * DAY)
    assert len(dms(world.member)) == 2


async def test_stop_removes_the_reminder_and_later_buttons_create_nothing(world, simcord_env, sim_services):
    message = await first_reminder(world, simcord_env)
    stopped = await world.member.user.click(message, label="Stop")
    assert "Stopped" in stopped.response.content
    count = "SELECT count(*) FROM schedules WHERE kind = $1 AND owner_id = $2"
    assert await sim_services.db.fetchval(count, (REMINDER_KIND, world.member.id)) == 0
    later = await world.member.user.click(message, label="Pause for a week")
    assert "nothing changed" in later.response.content
    another = await world.member.user.click(message, label="Another one")
    assert "What the organization should do" in another.response.content  # still a card, from any group
    assert await sim_services.db.fetchval(count, (REMINDER_KIND, world.member.id)) == 0
    await advance(simcord_env, 2 * DAY)
    assert len(dms(world.member)) == 1


async def test_buttons_do_nothing_while_strategies_are_off(world, simcord_env, sim_services):
    message = await first_reminder(world, simcord_env)
    await sim_services.guilds.set_feature(world.guild.id, STRATEGIES, False)
    result = await world.member.user.click(message, label="Save")
    assert "turned off" in result.response.content
    assert await sim_services.db.fetchval("SELECT count(*) FROM strategy_favourites") == 0


async def test_closed_dms_still_pause_a_reminder_that_carries_buttons(world, simcord_env, simcord_bot, sim_services):
    await world.member.slash(world.general, "strategy remind start", cadence="daily", time="00:30", group="isolation")
    simcord_env.inject_error("POST", "/channels/*/messages", status=403, code=50007, message="Cannot send", times=None)
    await advance(simcord_env, HOUR)
    row = await simcord_bot.features.get(ReminderService).mine(world.guild.id, world.member.id)
    assert row is not None and row.paused
    assert await sim_services.notices.owed(world.guild.id, world.member.id, REMINDER_KIND) == "dm_closed"
