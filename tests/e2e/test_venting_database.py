"""Venting's rows in the database file after each action that adds, closes or erases them.

Every erase, close and export here is checked in the file itself (tests/dbfile.py), not only in what
Discord shows.
"""

from __future__ import annotations

import pytest

from cogs.venting.service import VentingService
from tests.dbfile import count, rows
from tests.e2e.venting_helpers import moderate, reply, use_forum, use_text, vent, world

__all__ = ["world"]

DAY = 86400


async def test_author_delete_leaves_no_post_reply_or_link_in_the_file(world, db_path):
    forum = await use_forum(world)
    await vent(world.member, world)
    thread = forum.threads[0]
    await reply(world.other, thread, "a reply")
    assert count(db_path, "vent_posts") == 1 and count(db_path, "vent_links") == 2
    done = await world.member.click(thread.history()[0], label="Delete")
    assert done.acknowledged
    for table in ("vent_posts", "vent_replies", "vent_links"):
        assert count(db_path, table) == 0, table


async def test_a_reply_is_posted_with_exactly_the_text_written(world, simcord_env):
    forum = await use_forum(world)
    await vent(world.member, world)
    thread = forum.threads[0]
    text = "Same here. It got easier once I found one ally on the team."
    await reply(world.other, thread, text)
    posted = thread.history()[-1]
    assert posted.content.startswith("**Anon ")
    assert [e.description for e in posted.embeds] == [text]


async def test_export_lists_only_my_own_blocks(world, simcord_env, db_path):
    forum = await use_forum(world)
    await vent(world.member, world, title="mine")
    await simcord_env.advance_time(3700)
    await vent(world.other, world, title="theirs")
    for thread in forum.threads:
        menu = await moderate(world, thread, thread.history()[0])
        await world.mod.select(menu.response, ["week"])
    assert count(db_path, "vent_blocks") == 2
    mine = await simcord_env.bot.features.get(VentingService).export(world.member.id)
    theirs = await simcord_env.bot.features.get(VentingService).export(world.other.id)
    nobody = await simcord_env.bot.features.get(VentingService).export(world.mod.id)
    assert len(mine["blocks_on_you"]) == 1 and len(theirs["blocks_on_you"]) == 1
    assert nobody["blocks_on_you"] == []


async def test_a_moderator_action_is_kept_for_the_server_retention_not_born_expired(world, simcord_env, db_path):
    channel = await use_text(world)
    await vent(world.member, world)
    post = [m for m in channel.history() if m.components][-1]
    menu = await moderate(world, channel, post)
    await world.mod.click(menu.response, label="Remove it")
    [(created, expires)] = rows(db_path, "SELECT created_at, expires_at FROM vent_mod_actions")
    assert expires - created == 90 * DAY


async def test_close_after_zero_days_never_closes_anything(world, simcord_env, db_path):
    forum = await use_forum(world)
    await vent(world.member, world)
    # Maintenance runs every few simulated hours meanwhile; with "0 = never" it must leave the thread open.
    await simcord_env.advance_time(3 * DAY)
    assert await simcord_env.bot.get_cog("Venting").close_old_threads() == 0
    thread = simcord_env.bot.get_channel(forum.threads[0].id) or await simcord_env.bot.fetch_channel(
        forum.threads[0].id
    )
    assert not thread.archived
    assert rows(db_path, "SELECT closed_at FROM vent_posts") == [(None,)]


async def test_archiving_marks_the_post_closed_in_the_file(world, simcord_env, db_path):
    await use_forum(world)
    await world.mod.slash(world.general, "config vent-limits", close_after_days=1)
    await vent(world.member, world)
    await simcord_env.advance_time(DAY - 3600)
    assert rows(db_path, "SELECT closed_at FROM vent_posts") == [(None,)]
    # The maintenance pass during the next hours archives it and records that in the file.
    await simcord_env.advance_time(7 * 3600)
    [(closed,)] = rows(db_path, "SELECT closed_at FROM vent_posts")
    assert closed is not None
    # A closed thread is not closed again at the next pass.
    assert await simcord_env.bot.get_cog("Venting").close_old_threads() == 0


async def test_the_delete_close_action_takes_the_thread_and_every_row(world, simcord_env, db_path):
    forum = await use_forum(world)
    await world.mod.slash(world.general, "config vent-limits", close_after_days=2, close_action="delete")
    await vent(world.member, world)
    await reply(world.other, forum.threads[0], "a reply")
    await simcord_env.advance_time(DAY)
    assert forum.threads and count(db_path, "vent_posts") == 1
    # The maintenance pass after the second day deletes the thread and every row that served it.
    await simcord_env.advance_time(DAY + 7 * 3600)
    assert not forum.threads
    for table in ("vent_posts", "vent_replies", "vent_links"):
        assert count(db_path, table) == 0, table


@pytest.mark.parametrize(("length", "seconds"), [("day", DAY), ("week", 7 * DAY), ("month", 30 * DAY)])
async def test_a_block_lasts_what_it_says(world, simcord_env, db_path, length, seconds):
    channel = await use_text(world)
    await vent(world.member, world)
    post = [m for m in channel.history() if m.components][-1]
    menu = await moderate(world, channel, post)
    await world.mod.select(menu.response, [length])
    [(created, until)] = rows(db_path, "SELECT created_at, until_at FROM vent_blocks")
    assert until - created == seconds
