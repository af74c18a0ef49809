"""/reflect end to end through SimCord: every command, prompts firing on virtual time, and refusals."""

from __future__ import annotations

import discord
import pytest
from simcord.backend.models.channel import Overwrite
from simcord.enums import OverwriteType

from bot.app import Services
from bot.repositories import schema
from cogs.reflection.service import KIND, MAX_SCHEDULES, REMINDER
from tests.e2e.world import make_world

HOUR = 3600
# SimCord's virtual clock starts at 2026-01-01T00:00Z (a Thursday); the server zone stays UTC.
PROMPT = "What helped you hold on to peer values this week?"


@pytest.fixture
async def world(simcord_env):
    w = make_world(simcord_env)
    w.room = w.guild.create_text_channel("reflection")
    await w.mod.slash(w.general, "config feature", feature="reflection", enabled=True)
    await w.mod.slash(w.general, "config facilitator-role", role=w.facilitator_role)
    await w.mod.slash(w.general, "config reflection-channel", action="add", channel=w.room)
    return w


async def schedule(world, channel=None, **options):
    values = {"prompt": PROMPT, "repeat": "daily", "time": "09:00", **options}
    return await world.facilitator.slash(world.general, "reflect schedule", channel=channel or world.room, **values)


async def rows(services: Services, guild_id: int):
    return await services.scheduler.repository.list_by_guild(guild_id, KIND)


def bot_posts(channel):
    """The bot's own posts (not the system line Discord adds when a thread is opened)."""
    return [m for m in channel.history() if m.author.bot and m.type is discord.MessageType.default]


# -- who may use it ----------------------------------------------------------------------------------


async def test_ordinary_member_is_refused_and_facilitator_is_allowed(world, sim_services):
    refused = await world.member.slash(world.general, "reflect list")
    assert refused.ephemeral
    assert "Only facilitators and moderators" in refused.response.content
    refused = await world.member.slash(
        world.general, "reflect schedule", channel=world.room, prompt=PROMPT, repeat="daily", time="09:00"
    )
    assert "Only facilitators and moderators" in refused.response.content
    assert await rows(sim_services, world.guild.id) == []
    allowed = await schedule(world)
    assert allowed.ephemeral
    assert allowed.response.content.startswith("Scheduled **#")
    assert "every day at 09:00 (UTC)" in allowed.response.content
    # Moderators may too.
    by_mod = await world.mod.slash(world.general, "reflect list")
    assert "every day at 09:00 (UTC)" in by_mod.response.content


async def test_member_gets_no_autocomplete(world):
    await schedule(world)
    assert await world.member.autocomplete(world.general, "reflect pause", "number", "") == []
    assert await world.member.autocomplete(world.general, "reflect schedule", "prompt", "") == []


async def test_disabled_feature_is_refused_and_due_schedule_skipped(world, simcord_env, sim_services):
    await schedule(world)
    await world.mod.slash(world.general, "config feature", feature="reflection", enabled=False)
    refused = await world.facilitator.slash(world.general, "reflect list")
    assert refused.response.content == (
        "Co-reflection is turned off in this server. A moderator can turn it on with /config feature."
    )
    await simcord_env.advance_time(10 * HOUR)
    assert bot_posts(world.room) == []
    (row,) = await rows(sim_services, world.guild.id)
    # Claimed and moved on, not saved up: turning the feature back on posts nothing from the past.
    assert row.next_run_at.isoformat() == "2026-01-02T09:00:00+00:00"


# -- firing ------------------------------------------------------------------------------------------


async def test_prompt_fires_and_opens_a_thread_in_a_text_channel(world, simcord_env):
    await schedule(world)
    await simcord_env.advance_time(9 * HOUR - 60)
    assert bot_posts(world.room) == []
    await simcord_env.advance_time(120)
    (post,) = bot_posts(world.room)
    assert PROMPT in post.content
    assert REMINDER in post.content
    assert "late" not in post.content
    (thread,) = world.room.threads
    assert thread.name == PROMPT
    # The next day posts again, once.
    await simcord_env.advance_time(24 * HOUR)
    assert len(bot_posts(world.room)) == 2


async def test_prompt_in_a_forum_channel_is_a_new_post(world, simcord_env):
    forum = world.guild.create_forum_channel("reflections")
    await world.mod.slash(world.general, "config reflection-channel", action="add", channel=forum)
    await schedule(world, channel=forum, time="10:30")
    await simcord_env.advance_time(11 * HOUR)
    (thread,) = forum.threads
    assert thread.name == PROMPT
    (starter,) = thread.history()
    assert PROMPT in starter.content and REMINDER in starter.content


async def test_late_firing_within_grace_is_labelled_late(world, simcord_env, sim_services):
    await schedule(world)
    await sim_services.scheduler.stop()  # the bot is down ...
    await simcord_env.advance_time(9 * HOUR + 20 * 60)
    # ... and back 20 minutes after the prompt was due: the dispatcher's first pass after a restart.
    assert await sim_services.scheduler.run_due() == 1
    await simcord_env.settle()
    (post,) = bot_posts(world.room)
    assert "posted late" in post.content
    assert PROMPT in post.content


async def test_closing_prompt_posts_into_the_thread_later(world, simcord_env, sim_services):
    await schedule(world, closing="What will you take with you?", close_after=2)
    await simcord_env.advance_time(9 * HOUR + 60)
    (thread,) = world.room.threads
    assert thread.history() == [] or all("Closing" not in m.content for m in thread.history())
    await simcord_env.advance_time(2 * HOUR)
    closing = [m for m in thread.history() if "Closing reflection" in m.content]
    assert len(closing) == 1 and "What will you take with you?" in closing[0].content
    # The one-off closing row is gone once posted.
    all_rows = await sim_services.scheduler.repository.list_by_guild(world.guild.id)
    assert [r.kind for r in all_rows] == [KIND]


async def test_deleted_channel_pauses_and_tells_the_facilitator(world, simcord_env, sim_services):
    await schedule(world)
    simcord_env.backend.delete_channel(world.room.id)
    await simcord_env.settle()
    await simcord_env.advance_time(10 * HOUR)
    (row,) = await rows(sim_services, world.guild.id)
    assert row.paused and row.next_run_at is None
    (dm,) = world.facilitator.user.dm_channel.history()
    assert f"schedule #{row.id} in Peer Circle is paused" in dm.content
    assert "was deleted" in dm.content and "/reflect edit" in dm.content
    # Not retried: a day later nothing more is sent.
    await simcord_env.advance_time(30 * HOUR)
    assert len(world.facilitator.user.dm_channel.history()) == 1
    listed = await world.facilitator.slash(world.general, "reflect list")
    assert "paused: the channel it posts to" in listed.response.content


async def test_facilitator_with_closed_dms_is_told_through_the_notice_channel_once(world, simcord_env, sim_services):
    notices = world.guild.create_text_channel("bot-notices")
    await world.mod.slash(world.general, "config notice-channel", channel=notices)
    await schedule(world)
    simcord_env.backend.delete_channel(world.room.id)
    await simcord_env.settle()
    # The facilitator's DMs are closed: the DM is refused once (50007) and never retried.
    simcord_env.inject_error("POST", "/channels/*/messages", status=403, code=50007, message="Cannot send", times=1)
    await simcord_env.advance_time(10 * HOUR)
    assert simcord_env.bot.dm.closed == 1  # sent through the shared, rate-limited DM queue
    (notice,) = bot_posts(notices)
    assert "A co-reflection schedule" in notice.content and "was deleted" in notice.content
    await simcord_env.advance_time(30 * HOUR)
    posts = [r for r in simcord_env.http_requests if r.method == "POST" and r.path.endswith("/messages")]
    assert len(posts) == 2  # the refused DM and the notice, nothing more


async def test_lost_permission_pauses_and_goes_to_the_notice_channel_when_owner_forgot(
    world, simcord_env, sim_services
):
    notices = world.guild.create_text_channel("bot-notices")
    await world.mod.slash(world.general, "config notice-channel", channel=notices)
    await schedule(world)
    # The facilitator asked to be forgotten: the schedule has no one to DM, so the notice channel is told.
    await simcord_env.bot.get_cog("Reflection").delete_user_data(world.facilitator.id)
    deny = Overwrite(simcord_env.bot.user.id, OverwriteType.MEMBER, deny=discord.Permissions(send_messages=True).value)
    simcord_env.backend.set_overwrite(world.room.id, deny)
    await simcord_env.settle()
    await simcord_env.advance_time(10 * HOUR)
    (notice,) = bot_posts(notices)
    assert "is paused: I'm missing Send Messages" in notice.content
    (row,) = await rows(sim_services, world.guild.id)
    assert row.paused


# -- the other commands ------------------------------------------------------------------------------


async def test_pause_resume_delete(world, simcord_env, sim_services):
    await schedule(world)
    (row,) = await rows(sim_services, world.guild.id)
    paused = await world.facilitator.slash(world.general, "reflect pause", number=row.id)
    assert f"Schedule #{row.id} is paused" in paused.response.content
    await simcord_env.advance_time(10 * HOUR)
    assert bot_posts(world.room) == []
    resumed = await world.facilitator.slash(world.general, "reflect resume", number=row.id)
    assert "Next post: Fri 2 Jan 2026, 09:00 (UTC)" in resumed.response.content
    await simcord_env.advance_time(24 * HOUR)
    assert len(bot_posts(world.room)) == 1
    deleted = await world.facilitator.slash(world.general, "reflect delete", number=row.id)
    assert f"Schedule #{row.id} is deleted" in deleted.response.content
    assert await rows(sim_services, world.guild.id) == []
    missing = await world.facilitator.slash(world.general, "reflect pause", number=row.id)
    assert f"no reflection schedule #{row.id}" in missing.response.content


async def test_list_shows_next_run_in_server_time(world, sim_services):
    await world.mod.slash(world.general, "config timezone", name="Europe/Paris")
    await schedule(world, repeat="weekdays", weekdays="tue, thu", time="7pm")
    listed = await world.facilitator.slash(world.general, "reflect list")
    assert "every Tuesday and Thursday at 19:00 (Europe/Paris)" in listed.response.content
    assert "next: Thu 1 Jan 2026, 19:00 (Europe/Paris)" in listed.response.content


async def test_edit_changes_only_what_was_given(world, sim_services):
    other = world.guild.create_text_channel("other-room")
    await world.mod.slash(world.general, "config reflection-channel", action="add", channel=other)
    await schedule(world)
    (row,) = await rows(sim_services, world.guild.id)
    edited = await world.facilitator.slash(world.general, "reflect edit", number=row.id, time="18:30", channel=other)
    assert "every day at 18:30 (UTC)" in edited.response.content
    (after,) = await rows(sim_services, world.guild.id)
    assert after.target["channel"] == other.id and after.target["prompt"] == row.target["prompt"]
    refused = await world.facilitator.slash(world.general, "reflect edit", number=row.id, time="25:00")
    assert "hours go up to 23" in refused.response.content
    (unchanged,) = await rows(sim_services, world.guild.id)
    assert unchanged == after


async def test_now_posts_at_once_without_moving_the_schedule(world, sim_services):
    await schedule(world)
    (row,) = await rows(sim_services, world.guild.id)
    result = await world.facilitator.slash(world.general, "reflect now", number=row.id)
    assert "Posted, with a thread" in result.response.content
    assert len(bot_posts(world.room)) == 1 and len(world.room.threads) == 1
    (after,) = await rows(sim_services, world.guild.id)
    assert after.next_run_at == row.next_run_at


async def test_preview_is_private_and_exact(world, simcord_env, sim_services):
    await schedule(world)
    (row,) = await rows(sim_services, world.guild.id)
    preview = await world.facilitator.slash(world.general, "reflect preview", number=row.id)
    assert preview.ephemeral
    await simcord_env.advance_time(10 * HOUR)
    (post,) = bot_posts(world.room)
    assert preview.response.content == post.content
    assert bot_posts(world.general) == [] or all(m.flags.ephemeral for m in bot_posts(world.general))


async def test_number_autocomplete(world, sim_services):
    await schedule(world)
    (row,) = await rows(sim_services, world.guild.id)
    choices = await world.facilitator.autocomplete(world.general, "reflect delete", "number", "")
    assert choices == [{"name": f"#{row.id} · every day at 09:00 (UTC)", "value": row.id}]


# -- bad input ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("options", "expected"),
    [
        ({"time": "25:00"}, "hours go up to 23"),
        ({"time": "7"}, "try a form like 19:00, 7pm"),
        ({"zone": "Amerca/New_Yrok"}, "Did you mean America/New_York"),
        ({"repeat": "once", "date": "2025-12-31"}, "is in the past"),
        ({"repeat": "once", "date": "2026-01-01", "time": "00:00"}, "has already passed"),
        ({"repeat": "weekly"}, "needs the first `date` or the day in `weekdays`"),
        ({"day": 3}, "`day` doesn't apply when repeat is `daily`"),
        ({"prompt": "x" * 1001}, "1001 characters; the most is 1000"),
        ({"closing": "y" * 1200}, "1200 characters; the most is 1000"),
    ],
)
async def test_bad_input_is_named_and_nothing_is_written(world, sim_services, options, expected):
    result = await schedule(world, **options)
    assert result.ephemeral
    assert expected in result.response.content
    assert await rows(sim_services, world.guild.id) == []
    assert await sim_services.db.fetchval("SELECT count(*) FROM server_items WHERE kind = 'reflection'") == 0


async def test_7pm_and_19_00_are_the_same(world, sim_services):
    await schedule(world, time="7pm")
    await schedule(world, time="19:00")
    first, second = await rows(sim_services, world.guild.id)
    assert first.recurrence == second.recurrence


async def test_channel_not_allowed(world, sim_services):
    result = await schedule(world, channel=world.general)
    assert "isn't allowed for reflection prompts" in result.response.content
    assert await rows(sim_services, world.guild.id) == []


async def test_per_server_maximum(world, sim_services):
    for _ in range(MAX_SCHEDULES):
        await schedule(world)
    result = await schedule(world)
    assert f"{MAX_SCHEDULES} reflection schedules, the most" in result.response.content
    assert len(await rows(sim_services, world.guild.id)) == MAX_SCHEDULES


# -- the prompt library ------------------------------------------------------------------------------


async def test_prompts_add_edit_hide_unhide_list(world):
    added = await world.facilitator.slash(
        world.general, "reflect prompts add", text="What did the harbour teach you today?"
    )
    assert added.response.content == "Added as s:1."
    edited = await world.facilitator.slash(
        world.general, "reflect prompts edit", prompt="s:1", text="What did the harbour teach you this week?"
    )
    assert "s:1 now reads: What did the harbour teach you this week?" in edited.response.content
    # (no shipped prompt mentions a harbour, so only the server's own prompt can match)
    choices = await world.facilitator.autocomplete(world.general, "reflect schedule", "prompt", "harbour")
    assert [c["value"] for c in choices] == ["s:1"]
    hidden = await world.facilitator.slash(world.general, "reflect prompts hide", prompt="s:1")
    assert "s:1 is hidden" in hidden.response.content
    assert await world.facilitator.autocomplete(world.general, "reflect schedule", "prompt", "harbour") == []
    listed = await world.facilitator.slash(world.general, "reflect prompts list")
    # 34 built-in prompts fill more than one message: the list continues in follow-ups.
    listing = "\n".join([listed.response.content, *(f.content for f in listed.followups)])
    assert "(hidden) s:1 · What did the harbour teach you this week?" in listing
    shown = await world.facilitator.slash(world.general, "reflect prompts unhide", prompt="s:1")
    assert "s:1 is back" in shown.response.content
    too_long = await world.facilitator.slash(world.general, "reflect prompts add", text="z" * 1001)
    assert "the most is 1000" in too_long.response.content
    refused = await world.member.slash(world.general, "reflect prompts add", text="Hello")
    assert "Only facilitators and moderators" in refused.response.content


async def test_own_text_joins_the_library_and_is_posted(world, simcord_env, sim_services):
    await schedule(world, prompt="Where did you choose your battles this week?")
    (row,) = await rows(sim_services, world.guild.id)
    assert row.target["prompt"] == "s:1"
    assert "Where did you" not in str(row.target)  # the schedule holds a key, never the text
    await simcord_env.advance_time(10 * HOUR)
    (post,) = bot_posts(world.room)
    assert "Where did you choose your battles this week?" in post.content


# -- privacy -----------------------------------------------------------------------------------------


async def test_forget_unlinks_the_facilitator_and_the_schedule_keeps_running(world, simcord_env, sim_services):
    await schedule(world, prompt="A prompt of my own", closing="And a closing one", close_after=1)
    await world.facilitator.slash(world.general, "reflect prompts edit", prompt="s:1", text="A changed prompt")
    await simcord_env.advance_time(9 * HOUR + 60)  # fire once, so a closing row exists too
    exported = await simcord_env.bot.get_cog("Reflection").export_user_data(world.facilitator.id)
    assert len(exported["schedules"]) == 2 and len(exported["prompts"]) == 2
    asked = await world.facilitator.slash(world.general, "privacy forget")
    done = await world.facilitator.click(asked.response.message, label="Yes, erase everything")
    assert "Co-reflection" in done.response.content
    db = sim_services.db
    for table in await schema.table_names(db):
        assert await schema.rows_mentioning(db, table, world.facilitator.id) == 0, table
    await simcord_env.advance_time(24 * HOUR)
    assert len(bot_posts(world.room)) == 2


async def test_help_text_never_mixes_prompt_keys_with_schedule_numbers(simcord_env):
    reflect = simcord_env.bot.tree.get_command("reflect")
    described = {}
    for command in reflect.walk_commands():
        for param in getattr(command, "parameters", []):
            described[f"{command.qualified_name} {param.name}"] = param.description
    for where, text in described.items():
        if where.endswith((" prompt", " closing")):
            assert "key" in text, where  # a prompt is named by its key (b:… or s:3) or typed out
        if where.endswith(" number"):
            assert "prompt key" not in text or "not a prompt key" in text, where
    assert "not a prompt key" in described["reflect delete number"]
