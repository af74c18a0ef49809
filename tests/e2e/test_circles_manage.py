"""/circle end to end: who may use it, preview, pause, skip, move, edit, end, and every refusal."""

from __future__ import annotations

import discord
import pytest
from simcord.backend.models.channel import Overwrite
from simcord.enums import OverwriteType

from tests.dbfile import count, rows
from tests.e2e.circle_helpers import (
    DAY,
    HOUR,
    SECOND,
    THIRD,
    advance,
    bot_posts,
    circle_rows,
    create,
    meetings,
    role_named,
    stored,
    world,
)

__all__ = ["world"]
# Tuesdays at 18:00 UTC from 6 January 2026 (SimCord starts on Thursday 1 January, 00:00 UTC).
SOON = {"start": "2026-01-06", "zone": "UTC"}
FIRST = 5 * DAY + 18 * HOUR  # 2026-01-06 18:00 UTC, from the start of the test
WEEK = 7 * DAY


async def soon(world, **options):
    return await create(world, **{**SOON, **options})


async def nothing_written(sim_services, db_path, world, roles_before):
    assert count(db_path, "circles") == 0
    assert await circle_rows(sim_services, world.guild.id) == []
    assert len(world.guild.roles) == roles_before


# -- who may use it ----------------------------------------------------------------------------------


async def test_members_may_list_but_not_manage(world, sim_services, db_path):
    refused = await create(world, actor=world.member)
    assert refused.ephemeral and "Only facilitators and moderators" in refused.response.content
    assert count(db_path, "circles") == 0
    empty = await world.member.slash(world.general, "circle list")
    assert "No circles here yet" in empty.response.content
    await soon(world)
    listed = await world.member.slash(world.general, "circle list")
    assert "**Tuesday circle** · every Tuesday at 18:00 (UTC)" in listed.response.content
    assert "3 meetings, 0 held" in listed.response.content
    assert "next: Tue 6 Jan 2026, 18:00 (UTC)" in listed.response.content
    assert await world.member.autocomplete(world.general, "circle end", "circle", "") == []
    refused = await world.member.slash(world.general, "circle end", circle="Tuesday circle")
    assert "Only facilitators and moderators" in refused.response.content


async def test_turned_off_refuses_and_skips_meetings(world, simcord_env):
    await soon(world)
    await world.mod.slash(world.general, "config feature", feature="circles", enabled=False)
    refused = await world.facilitator.slash(world.general, "circle list")
    assert "Co-reflection circles is turned off" in refused.response.content
    await advance(simcord_env, FIRST + HOUR)
    assert meetings(world.room) == []


# -- preview, pause, skip, move, edit, end -----------------------------------------------------------


async def test_preview_is_private_and_exactly_the_meeting(world, simcord_env):
    await soon(world)
    shown = await world.facilitator.slash(world.general, "circle preview", circle="Tuesday circle")
    assert shown.ephemeral
    await advance(simcord_env, FIRST + 60)
    (posted,) = meetings(world.room)
    assert shown.response.content == posted.content
    notes = shown.followups[0].content
    assert "opening a thread named “Tuesday circle · 6 Jan”" in notes
    assert "Closing round" in notes and "Next meetings: Tue 6 Jan 2026, 18:00 (UTC)" in notes


async def test_pause_and_resume(world, simcord_env, sim_services):
    await soon(world)
    paused = await world.facilitator.slash(world.general, "circle pause", circle="Tuesday circle")
    assert "Tuesday circle is paused" in paused.response.content
    await advance(simcord_env, FIRST + HOUR)
    assert meetings(world.room) == []
    listed = await world.facilitator.slash(world.general, "circle list")
    assert "· paused" in listed.response.content
    resumed = await world.facilitator.slash(world.general, "circle resume", circle="Tuesday circle")
    assert "Next meeting: Tue 13 Jan 2026, 18:00 (UTC)" in resumed.response.content
    await advance(simcord_env, WEEK)
    (first,) = meetings(world.room)
    assert "(meeting 1 of 3)" in first.content  # a meeting missed while paused is not counted


async def test_skip_one_meeting(world, simcord_env):
    await soon(world)
    skipped = await world.facilitator.slash(world.general, "circle skip", circle="Tuesday circle")
    assert "on Tue 6 Jan 2026, 18:00 (UTC) is skipped" in skipped.response.content
    assert "The one after is Tue 13 Jan 2026, 18:00 (UTC)" in skipped.response.content
    await advance(simcord_env, FIRST + HOUR)
    assert meetings(world.room) == []
    await advance(simcord_env, WEEK)
    (first,) = meetings(world.room)
    assert "(meeting 1 of 3)" in first.content


async def test_move_one_meeting(world, simcord_env):
    await soon(world)
    moved = await world.facilitator.slash(
        world.general, "circle move", circle="Tuesday circle", date="2026-01-07", time="19:30"
    )
    assert "on Tue 6 Jan 2026, 18:00 (UTC) moves to Wed 7 Jan 2026, 19:30 (UTC)" in moved.response.content
    await advance(simcord_env, FIRST + HOUR)
    assert meetings(world.room) == []
    await advance(simcord_env, DAY + 90 * 60)
    (first,) = meetings(world.room)
    assert "(meeting 1 of 3)" in first.content
    assert [t.name for t in world.room.threads] == ["Tuesday circle · 7 Jan"]
    await advance(simcord_env, WEEK - DAY)  # the next Tuesday keeps its time
    assert len(meetings(world.room)) == 2 and SECOND in meetings(world.room)[-1].content
    refused = await world.facilitator.slash(
        world.general, "circle move", circle="Tuesday circle", date="2026-01-01", time="10:00"
    )
    assert "has passed" in refused.response.content


async def test_a_meeting_moved_within_its_own_day_is_previewed_and_held_once(world, simcord_env):
    await soon(world)
    await world.facilitator.slash(
        world.general, "circle move", circle="Tuesday circle", date="2026-01-06", time="20:00"
    )
    shown = await world.facilitator.slash(world.general, "circle preview", circle="Tuesday circle")
    assert "(meeting 1 of 3)" in shown.response.content
    assert "Next meetings: Tue 6 Jan 2026, 20:00 (UTC), Tue 13 Jan 2026, 18:00 (UTC)" in shown.followups[0].content
    await advance(simcord_env, FIRST + 3 * HOUR)
    (first,) = meetings(world.room)
    assert first.created_at.hour == 20


async def test_edit_the_coming_prompts_and_two_editors_at_once(world, simcord_env, sim_services, db_path):
    await soon(world)
    mine = await world.facilitator.slash(world.general, "circle edit", circle="Tuesday circle")
    theirs = await world.mod.slash(world.general, "circle edit", circle="Tuesday circle")
    saved = await world.facilitator.submit_modal(
        mine, {"circle-prompts": "What surprised you this week?\n" + THIRD, "circle-closing": ""}
    )
    assert "Saved. Tuesday circle has 2 coming prompts" in saved.response.content
    refused = await world.mod.submit_modal(theirs, {"circle-prompts": "A prompt written at the same time"})
    assert "Someone changed Tuesday circle while you were editing it" in refused.response.content
    assert "A prompt written at the same time" in refused.followups[0].content  # handed back, not lost
    ((prompts,),) = rows(db_path, "SELECT prompts FROM circles")
    assert "What surprised you" in prompts and "same time" not in prompts
    await advance(simcord_env, FIRST + 2 * HOUR)
    (first,) = meetings(world.room)
    assert "What surprised you this week?" in first.content
    (thread,) = world.room.threads
    assert not any("Closing round" in m.content for m in thread.history())  # the closing round was removed
    assert stored(simcord_env, thread.id).thread_metadata.locked


async def test_end_now(world, simcord_env, sim_services, db_path):
    await soon(world)
    await advance(simcord_env, FIRST + 60)  # a meeting is open
    ended = await world.facilitator.slash(world.general, "circle end", circle="Tuesday circle")
    assert "Tuesday circle has ended" in ended.response.content and "Its role is deleted" in ended.response.content
    (thread,) = world.room.threads
    assert any("Closing round" in m.content for m in thread.history())
    assert stored(simcord_env, thread.id).thread_metadata.locked
    assert "**Tuesday circle** has ended" in bot_posts(world.room)[-1].content
    assert role_named(simcord_env, world.guild.id, "Tuesday circle") is None
    assert count(db_path, "circles") == 0
    assert await circle_rows(sim_services, world.guild.id) == []
    await advance(simcord_env, 3 * WEEK)
    assert len(meetings(world.room)) == 1


async def test_until_a_date_and_an_existing_role_that_stays(world, simcord_env, db_path):
    existing = world.guild.create_role("Circle folk")
    made = await soon(world, meetings=None, until="2026-01-13", role=existing)
    assert "It mentions" in made.response.content and "stays when the circle ends" in made.response.content
    await advance(simcord_env, FIRST + WEEK + 2 * HOUR)
    assert len(meetings(world.room)) == 2
    assert "Tuesday circle** has ended" in bot_posts(world.room)[-1].content
    assert "Its role stays as it was" in bot_posts(world.room)[-1].content
    assert role_named(simcord_env, world.guild.id, "Circle folk") is not None
    assert count(db_path, "circles") == 0


# -- things going wrong ------------------------------------------------------------------------------


@pytest.mark.strict_errors
async def test_a_thread_deleted_by_hand_neither_crashes_nor_stops_the_circle(world, simcord_env, sim_services):
    await soon(world)
    await advance(simcord_env, FIRST + 60)
    (thread,) = world.room.threads
    simcord_env.backend.delete_channel(thread.id)
    await simcord_env.settle()
    await advance(simcord_env, 2 * HOUR)  # its closing round comes due
    rows = await circle_rows(sim_services, world.guild.id)
    assert [r.kind for r in rows] == ["circle-meeting"]  # the closing row is gone, not retried
    await advance(simcord_env, WEEK)
    assert len(meetings(world.room)) == 2


async def test_a_deleted_channel_pauses_the_circle_and_tells_the_notice_channel(world, simcord_env, sim_services):
    notices = world.guild.create_text_channel("bot-notices")
    await world.mod.slash(world.general, "config notice-channel", channel=notices)
    await soon(world)
    simcord_env.backend.delete_channel(world.room.id)
    await simcord_env.settle()
    await advance(simcord_env, FIRST + HOUR)
    (notice,) = bot_posts(notices)
    assert "The circle Tuesday circle is paused: its channel" in notice.content and "was deleted" in notice.content
    await advance(simcord_env, 2 * WEEK)
    assert len(bot_posts(notices)) == 1  # not retried
    listed = await world.facilitator.slash(world.general, "circle list")
    assert "paused: its channel" in listed.response.content


@pytest.mark.parametrize(
    ("options", "expected"),
    [
        ({"prompts": " | "}, "A circle needs at least one prompt"),
        ({"prompts": "s:99"}, "There is no prompt s:99 in the library"),
        ({"until": "2026-01-01", "meetings": None}, "`until` (2026-01-01) is before the first meeting (2026-01-06)"),
        ({"until": "2026-02-01"}, "Give either `meetings` (how many) or `until`"),
        ({"meetings": None}, "Give either `meetings` (how many) or `until`"),
        ({"start": "2025-12-30"}, "has already passed"),
        ({"time": "25:00"}, "hours go up to 23"),
        ({"zone": "Mars/Olympus"}, "I don't know the time zone"),
        ({"prompts": "x" * 1001}, "Prompt 1 is 1001 characters"),
        ({"name": "   "}, "Give the circle a `name`"),
    ],
)
async def test_bad_input_is_named_and_nothing_is_written(world, sim_services, db_path, options, expected):
    before = len(world.guild.roles)
    result = await soon(world, **options)
    assert result.ephemeral
    assert expected in result.response.content
    await nothing_written(sim_services, db_path, world, before)


async def test_a_channel_not_allowed_or_without_thread_permissions(world, simcord_env, sim_services, db_path):
    before = len(world.guild.roles)
    refused = await soon(world, channel=world.general)
    assert "isn't allowed for co-reflection" in refused.response.content
    deny = discord.Permissions(create_public_threads=True).value
    simcord_env.backend.set_overwrite(
        world.room.id, Overwrite(simcord_env.bot.user.id, OverwriteType.MEMBER, deny=deny)
    )
    await simcord_env.settle()
    refused = await soon(world)
    assert "I can't hold meetings in" in refused.response.content
    assert "Create Public Threads" in refused.response.content
    await nothing_written(sim_services, db_path, world, before)


async def test_a_role_above_the_bot_is_refused(world, simcord_env, sim_services, db_path):
    high = world.guild.create_role("Elders", position=50)
    before = len(world.guild.roles)
    refused = await soon(world, role=high)
    assert "I can't give people Elders: it is not below my own highest role" in refused.response.content
    await nothing_written(sim_services, db_path, world, before)


async def test_a_second_circle_of_the_same_name_is_refused(world, sim_services, db_path):
    await soon(world)
    refused = await soon(world)
    assert "There is already a circle called Tuesday circle" in refused.response.content
    assert count(db_path, "circles") == 1
