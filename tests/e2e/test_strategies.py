"""/strategy end to end: browse, random, search, save/saved, reminders firing, week posts, cards export."""

from __future__ import annotations

import pytest

from bot.app import Services
from bot.repositories import schema
from bot.testing import SimcordClock, make_services
from cogs.strategies.reminders import REMINDER_KIND, ReminderService
from cogs.strategies.service import FEATURE as STRATEGIES
from cogs.strategies.service import StrategyService
from tests.content_store import tiny_content
from tests.e2e.world import make_world


@pytest.fixture
async def sim_services():
    """These tests use a tiny hand-built content store, so they don't depend on the shipped wording."""
    svc = await make_services(clock=SimcordClock(), content=tiny_content())
    yield svc
    await svc.db.close()


PEER = "What a peer worker can do"
ORG = "What the organization should do"


@pytest.fixture
def world(simcord_env):
    return make_world(simcord_env)


async def advance(env, seconds: int) -> None:
    """Move virtual time in hour steps: each step settles within SimCord's real-time limit."""
    while seconds > 0:
        step = min(seconds, 3600)
        await env.advance_time(step)
        seconds -= step


def both_sides(embed) -> bool:
    return PEER in embed.description and ORG in embed.description


async def test_browse_select_group_and_page_through_cards(world):
    shown = await world.member.slash(world.general, "strategy browse")
    assert shown.ephemeral
    picked = await world.member.select(shown.response.message, ["expectations"])
    embed = picked.response.embeds[0]
    assert embed.title == "Prejudice and heightened expectations"
    assert both_sides(embed)
    assert "It's not about me" in embed.description
    assert "Train every coworker on peer roles" in embed.description
    assert "Card 1 of 2" in embed.footer.text
    turned = await world.member.click(picked.response.message, label="Next")
    second = turned.response.embeds[0]
    assert "Choose your battles" in second.description
    assert "Train every coworker on peer roles" in second.description  # the organization's side stays beside it
    assert "Card 2 of 2" in second.footer.text


async def test_random_shows_both_sides_and_uses_the_role_word(world):
    await world.mod.slash(world.general, "config role-word", singular="recovery coach")
    result = await world.member.slash(world.general, "strategy random", group="expectations")
    embed = result.response.embeds[0]
    assert embed.title == "Prejudice and heightened expectations"
    assert "What a recovery coach can do" in embed.description
    assert ORG in embed.description


async def test_random_with_unknown_group_lists_the_groups(world):
    result = await world.member.slash(world.general, "strategy random", group="nonsense")
    assert "I don't know the group 'nonsense'" in result.response.content
    assert "`expectations`" in result.response.content and "`isolation`" in result.response.content


async def test_search_finds_and_pairs(world):
    result = await world.member.slash(world.general, "strategy search", words="supervision")
    embed = result.response.embeds[0]
    assert "Offer peer supervision" in embed.description
    assert PEER in embed.description


async def test_search_without_results_says_so_and_suggests_browsing(world):
    result = await world.member.slash(world.general, "strategy search", words="zebra crossing")
    assert "No strategies matched" in result.response.content
    assert "/strategy browse" in result.response.content


async def test_save_saved_and_a_vanished_favourite(world, sim_services: Services, simcord_bot):
    saved = await world.member.slash(world.general, "strategy save", strategy="not-about-me")
    assert "Saved 'It's not about me'" in saved.response.content
    assert "90 days" in saved.response.content
    again = await world.member.slash(world.general, "strategy save", strategy="not-about-me")
    assert "already saved" in again.response.content
    # A favourite whose strategy later left the content files.
    await sim_services.db.execute(
        "INSERT INTO strategy_favourites (guild_id, user_id, strategy_id, saved_at, expires_at)"
        " VALUES (?, ?, 'gone-strategy', 0, 9999999999)",
        (world.guild.id, world.member.id),
    )
    listed = await world.member.slash(world.general, "strategy saved")
    assert "1 saved strategy was removed" in listed.response.content
    assert "It's not about me" in listed.response.embeds[0].description
    assert await simcord_bot.features.get(StrategyService).favourites.ids(world.guild.id, world.member.id) == [
        "not-about-me"
    ]


async def test_save_unknown_id_is_refused(world):
    result = await world.member.slash(world.general, "strategy save", strategy="nope")
    assert "There is no strategy 'nope'" in result.response.content


async def test_save_autocomplete_searches_titles(world):
    choices = await world.member.autocomplete(world.general, "strategy save", "strategy", "battles")
    assert choices[0]["value"] == "choose-battles"


async def test_cards_export_is_the_organization_side_as_markdown(world):
    result = await world.member.slash(world.general, "strategy cards", group="expectations")
    assert result.ephemeral
    attachment = result.response.attachments[0]
    assert attachment.filename == "organization-side-expectations.md"
    text = (await attachment.read()).decode()
    assert "Train every coworker on peer roles" in text
    assert "Choose your battles" not in text  # only the organization's side
    everything = await world.member.slash(world.general, "strategy cards")
    full = (await everything.response.attachments[0].read()).decode()
    assert "## Isolation and exhaustion" in full and "Co-reflect together (shared with peers)" in full


async def test_reminder_fires_by_dm_at_the_chosen_time(world, simcord_env, sim_services):
    await world.member.slash(world.general, "strategy save", strategy="choose-battles")
    started = await world.member.slash(world.general, "strategy remind start", cadence="daily", time="00:30")
    assert "every day at 00:30 (UTC)" in started.response.content
    dm = world.member.user.dm_channel
    await simcord_env.advance_time(29 * 60)  # virtual clock starts at 2026-01-01 00:00 UTC
    assert dm.history() == []
    await simcord_env.advance_time(2 * 60)
    messages = dm.history()
    assert len(messages) == 1
    assert "Choose your battles" in messages[0].content
    assert ORG in messages[0].content
    # It went through the shared, rate-limited DM queue (no direct send, no extra fetch_user request).
    stats = simcord_env.bot.dm.queue.stats()
    assert (stats.submitted, stats.sent) == (1, 1)
    assert not any(r.method == "GET" and r.path.startswith("/users/") for r in simcord_env.http_requests)


async def test_reminder_in_quiet_hours_is_skipped(world, simcord_env, sim_services):
    await sim_services.preferences.set_quiet_hours(world.guild.id, world.member.id, 0, 60)
    started = await world.member.slash(
        world.general, "strategy remind start", cadence="daily", time="00:30", group="isolation"
    )
    assert "quiet hours" in started.response.content
    await advance(simcord_env, 3600)
    assert world.member.user.dm_channel.history() == []


async def test_closed_dms_pause_the_reminder_and_the_member_is_told_once(world, simcord_env, sim_services, simcord_bot):
    await world.member.slash(world.general, "strategy remind start", cadence="daily", time="00:30", group="isolation")
    simcord_env.inject_error("POST", "/channels/*/messages", status=403, code=50007, message="Cannot send", times=None)
    await advance(simcord_env, 3600)
    row = await simcord_bot.features.get(ReminderService).mine(world.guild.id, world.member.id)
    assert row is not None and row.paused and row.next_run_at is None  # paused: never retried
    owed = await sim_services.notices.owed(world.guild.id, world.member.id, REMINDER_KIND)
    assert owed == "dm_closed" and row.target["turn"] == 1
    assert simcord_env.bot.dm.closed == 1  # refused in the shared queue, which never retries
    await advance(simcord_env, 2 * 24 * 3600)
    posts = [r for r in simcord_env.http_requests if r.method == "POST" and r.path.endswith("/messages")]
    assert len(posts) == 1
    simcord_env.backend.faults.clear()
    await advance(simcord_env, 3600)
    assert world.member.user.dm_channel.history() == []
    told = await world.member.slash(world.general, "strategy random")
    assert "couldn't send you a direct message" in told.response.content
    again = await world.member.slash(world.general, "strategy random")
    assert not again.response.content


async def test_reminder_bad_time_and_zone(world, sim_services, simcord_bot):
    bad_time = await world.member.slash(
        world.general, "strategy remind start", cadence="daily", time="25:00", group="isolation"
    )
    assert "That time didn't work" in bad_time.response.content
    bad_zone = await world.member.slash(
        world.general, "strategy remind start", cadence="daily", time="09:00", group="isolation", timezone="Mars/Base"
    )
    assert "Mars/Base" in bad_zone.response.content
    assert await simcord_bot.features.get(ReminderService).mine(world.guild.id, world.member.id) is None


async def test_reminder_pause_resume_stop(world, sim_services, simcord_bot):
    await world.member.slash(world.general, "strategy remind start", cadence="weekdays", time="7pm", group="isolation")
    assert "Paused" in (await world.member.slash(world.general, "strategy remind pause")).response.content
    assert "Resumed" in (await world.member.slash(world.general, "strategy remind resume")).response.content
    await world.member.slash(world.general, "strategy remind stop")
    assert await simcord_bot.features.get(ReminderService).mine(world.guild.id, world.member.id) is None
    none = await world.member.slash(world.general, "strategy remind pause")
    assert "no strategy reminder" in none.response.content


async def test_strategy_of_the_week_posts_in_the_channel(world, simcord_env):
    room = world.guild.create_text_channel("strategies")
    # The virtual clock starts on Thursday 2026-01-01 at 00:00 UTC.
    result = await world.mod.slash(world.general, "strategy-week set", channel=room, day=3, time="01:00")
    assert f"<#{room.id}>" in result.response.content
    assert "every Thursday at 01:00" in result.response.content
    await simcord_env.advance_time(59 * 60)
    assert room.history() == []
    await simcord_env.advance_time(2 * 60)
    posts = room.history()
    assert len(posts) == 1
    assert posts[0].content == "**Strategy of the week**"
    # Which card is posted rotates with the server's id, so any card may come up: each shows the
    # organization's part beside the peer's, or beside work the peer shares with others.
    description = posts[0].embeds[0].description
    assert ORG in description
    assert PEER in description or "**Shared work:" in description


async def test_strategy_week_is_moderator_only(world, simcord_env):
    commands = await simcord_env.bot.tree.fetch_commands()
    week = next(c for c in commands if c.name == "strategy-week")
    world.guild.set_command_permissions(week, {world.guild.default_role: True})
    result = await world.member.slash(world.general, "strategy-week stop")
    assert "Only moderators" in result.response.content


async def test_disabled_strategies_are_refused(world):
    await world.mod.slash(world.general, "config feature", feature=STRATEGIES, enabled=False)
    result = await world.member.slash(world.general, "strategy random")
    assert "Strategies is turned off" in result.response.content


async def test_forget_leaves_no_row_mentioning_the_member(world, simcord_env, sim_services):
    await world.member.slash(world.general, "strategy save", strategy="not-about-me")
    await world.member.slash(world.general, "strategy remind start", cadence="daily", time="09:00")
    await world.member.slash(world.general, "support-volunteer", action="join")
    await world.other.slash(world.general, "support-volunteer", action="join")
    exported = await world.member.slash(world.general, "privacy export")
    data = (await exported.response.attachments[0].read()).decode()
    assert "not-about-me" in data and "every day at 09:00" in data
    asked = await world.member.slash(world.general, "privacy forget")
    await world.member.click(asked.response.message, label="Yes, erase everything")
    db = sim_services.db
    for table in await schema.table_names(db):
        assert await schema.rows_mentioning(db, table, world.member.id) == 0, table
    assert await schema.rows_mentioning(db, "support_volunteers", world.other.id) == 1
