"""The moderator toolkit end to end (issue 16): redact, telling the author why, thread pauses, the
connection-first note and the vent role. Nobody is unmasked: every check that the moderator or the
log learns nothing reads the database file itself."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import discord
import pytest
from simcord import SetupError

from bot.app import Services
from bot.testing import make_services
from tests.dbfile import rows
from tests.e2e.venting_helpers import ShiftedClock, moderate, reply, said, use_forum, use_text, vent, world
from tests.privacy_bytes import keyed_encodings, scan

__all__ = ["world"]

pytestmark = pytest.mark.strict_errors

SECRET = "Dana from Ward Four"
HOUR = 3600


@pytest.fixture
def clock() -> ShiftedClock:
    return ShiftedClock()


@pytest.fixture
async def sim_services(database_target: str, clock: ShiftedClock):
    svc: Services = await make_services(clock=clock, db_path=database_target)
    yield svc
    await svc.db.close()


async def _redact(world, menu, words: str, reason: str = ""):
    shown = await world.mod.click(menu.response, label="Hide some words…")
    assert shown.modal is not None, said(shown)
    return await world.mod.submit_modal(shown, {"redact_words": words, "redact_reason": reason})


def _log_rows(db_path: Path) -> list[tuple]:
    return rows(db_path, "SELECT moderator_id, action, post_id, message_id FROM vent_mod_actions ORDER BY action_id")


def _assert_log_names_only_the_moderator(db_path: Path, world, author) -> None:
    log = _log_rows(db_path)
    assert log and all(r[0] == world.mod.id for r in log)
    flat = " ".join(str(v) for r in log for v in r)
    assert str(author.id) not in flat and author.name not in flat


async def test_redact_with_reason_hides_words_everywhere_and_reaches_only_the_author(
    world, simcord_env, sim_services, db_path
):
    forum = await use_forum(world)
    await vent(world.member, world, text=f"Rough shift. {SECRET} said something awful. {SECRET} again.")
    thread = forum.threads[0]
    menu = await moderate(world, thread, thread.history()[0])
    done = await _redact(world, menu, SECRET, "Please leave out names of people you support.")
    assert "Hidden in 2 places" in said(done) and "kept no copy" in said(done)
    text = thread.history()[0].embeds[0].description
    assert SECRET not in text and text.count("[removed by a moderator]") == 2 and "Rough shift." in text
    # The moderator's confirmation and the log say nothing about who wrote it.
    assert world.member.name not in said(done) and str(world.member.id) not in said(done)
    actions = [r[1] for r in _log_rows(db_path)]
    assert actions == ["redact", "note to author (redact)"]
    _assert_log_names_only_the_moderator(db_path, world, world.member)
    author_tag = sim_services.keys.tag("vent-member", world.guild.id, thread.id, world.member.id)
    assert author_tag not in " ".join(str(v) for r in _log_rows(db_path) for v in r)
    await sim_services.db.checkpoint()
    assert not scan(db_path, {"the hidden words": SECRET.encode()})
    # Someone else using venting sees nothing; the author sees the reason once at their next /vent.
    assert (await world.other.slash(world.general, "vent")).modal is not None
    shown = await world.member.slash(world.general, "vent")
    assert shown.modal is None and "hid some words" in said(shown) and "leave out names" in said(shown)
    assert rows(db_path, "SELECT count(*) FROM vent_author_notes") == [(0,)]
    carry_on = await world.member.click(shown.response.message, label="Write a post")
    assert carry_on.modal is not None
    assert (await world.member.slash(world.general, "vent")).modal is not None  # read once, then gone


async def test_reason_after_removal_waits_for_vent_notes_then_is_deleted(world, sim_services, db_path):
    forum = await use_forum(world)
    await vent(world.member, world)
    thread = forum.threads[0]
    await reply(world.other, thread, "a reply naming someone")
    menu = await moderate(world, thread, thread.history()[-1])
    early = await world.mod.click(menu.response, label="Tell the author why…")
    assert early.modal is None and "First remove" in said(early)
    await world.mod.click(menu.response, label="Remove it")
    shown = await world.mod.click(menu.response, label="Tell the author why…")
    kept = await world.mod.submit_modal(shown, {"note_reason": "It named a person you support; please leave that out."})
    assert "Kept" in said(kept) and "won't learn who" in said(kept)
    assert world.other.name not in said(kept)
    nothing = await world.member.slash(world.general, "vent-notes")
    assert "no note" in said(nothing)
    notes = await world.other.slash(world.general, "vent-notes")
    assert "removed one of your anonymous messages" in said(notes) and "named a person" in said(notes)
    assert rows(db_path, "SELECT count(*) FROM vent_author_notes") == [(0,)]
    assert "no note" in said(await world.other.slash(world.general, "vent-notes"))
    _assert_log_names_only_the_moderator(db_path, world, world.other)


async def test_a_block_can_carry_a_reason_shown_even_though_posting_is_paused(world, db_path):
    forum = await use_forum(world)
    await vent(world.member, world)
    thread = forum.threads[0]
    menu = await moderate(world, thread, thread.history()[0])
    await world.mod.select(menu.response, ["day"])
    shown = await world.mod.click(menu.response, label="Tell the author why…")
    await world.mod.submit_modal(shown, {"note_reason": "Taking a day to cool down."})
    first = await world.member.slash(world.general, "vent")
    assert "paused your anonymous posting" in said(first) and "cool down" in said(first)
    refused = await world.member.click(first.response.message, label="Write a post")
    assert refused.modal is None and "paused for you" in said(refused)


async def test_an_unread_reason_is_gone_when_the_link_expires(world, clock, simcord_env, sim_services, db_path):
    forum = await use_forum(world)
    await world.mod.slash(world.general, "config retention", days=7)
    await vent(world.member, world)
    thread = forum.threads[0]
    menu = await moderate(world, thread, thread.history()[0])
    await _redact(world, menu, "hard day", "A gentle note nobody reads.")
    assert rows(db_path, "SELECT count(*) FROM vent_author_notes") == [(1,)]
    clock.offset = timedelta(days=7, minutes=1)
    assert "no note" in said(await world.member.slash(world.general, "vent-notes"))  # past its end: unreachable
    await simcord_env.bot.run_maintenance()
    await sim_services.db.checkpoint()
    assert rows(db_path, "SELECT count(*) FROM vent_author_notes") == [(0,)]
    tags = keyed_encodings(sim_services.keys, world.member.id, [("vent-member", world.guild.id, thread.id)])
    assert not scan(db_path, {"the note": b"A gentle note nobody reads.", **tags})


async def test_redact_bad_input_changes_nothing(world, simcord_env, db_path):
    channel = await use_text(world)
    await vent(world.member, world, text="Nothing to hide here.")
    post = [m for m in channel.history() if m.components][-1]
    menu = await moderate(world, channel, post)
    missing = await _redact(world, menu, "words that are not there")
    assert "couldn't find those exact words" in said(missing) and "nothing was changed" in said(missing)
    assert "words that are not there" not in said(missing)  # never repeated back
    too_long = await _redact(world, menu, "Nothing", "x" * 301)
    assert "at most 300 characters" in said(too_long)
    assert [m for m in channel.history() if m.components][-1].embeds[0].description == "Nothing to hide here."
    assert rows(db_path, "SELECT count(*) FROM vent_mod_actions") == [(0,)]
    assert rows(db_path, "SELECT count(*) FROM vent_author_notes") == [(0,)]
    # The message vanished from Discord outside the bot (its row is still there): said plainly.
    await simcord_env.bot.get_channel(channel.id).get_partial_message(post.id).delete()
    gone = await _redact(world, menu, "Nothing")
    assert "already deleted" in said(gone)
    await world.mod.click(menu.response, label="Remove it")
    removed = await _redact(world, menu, "Nothing")
    assert "already removed" in said(removed)
    assert [r[1] for r in _log_rows(db_path)] == ["remove"]


async def _circle_thread(world, simcord_env):
    """A thread no feature of this bot knows about (as a circle's would be), with one message in it."""
    channel = simcord_env.bot.get_channel(world.general.id)
    thread = await channel.create_thread(name="circle", type=discord.ChannelType.public_thread)
    handle = next(t for t in world.general.threads if t.id == thread.id)
    await world.member.send(handle, "hello circle")
    return handle


async def test_thread_pause_and_slow_mode_show_a_line_and_end_on_time(world, simcord_env, db_path):
    thread = await _circle_thread(world, simcord_env)
    slowed = await world.mod.slash(thread, "moderation thread", action="slow", length="1h", slow_mode=300)
    assert "slowed" in said(slowed)
    live = simcord_env.bot.get_channel(thread.id)
    assert live.slowmode_delay == 300
    paused = await world.mod.slash(thread, "moderation thread", action="pause", length="1h")
    assert "paused" in said(paused)
    live = simcord_env.bot.get_channel(thread.id)
    assert live.locked and live.slowmode_delay == 300
    lines = [m.content for m in thread.history() if m.author.bot]
    assert any("A moderator slowed this thread for an hour" in line and "5 minutes" in line for line in lines)
    assert any("A moderator paused this thread for an hour" in line and "<t:" in line for line in lines)
    await simcord_env.advance_time(59 * 60)
    assert simcord_env.bot.get_channel(thread.id).locked
    await simcord_env.advance_time(3 * 60)
    live = simcord_env.bot.get_channel(thread.id)
    assert not live.locked and live.slowmode_delay == 0  # back to how it was before the first change
    assert "back to how it was" in thread.history()[-1].content
    assert rows(db_path, "SELECT count(*) FROM schedules WHERE kind = 'thread-restore'") == [(0,)]
    assert [r[1] for r in _log_rows(db_path)] == ["slow thread (1h)", "pause thread (1h)"]
    _assert_log_names_only_the_moderator(db_path, world, world.member)


def _metadata(simcord_env, thread_id: int):
    """SimCord's own record of a thread's state (an archived thread leaves discord.py's cache)."""
    return simcord_env.backend.channels[thread_id].thread_metadata


async def test_a_pause_ending_after_housekeeping_closed_the_thread_leaves_it_closed(
    world, clock, simcord_env, sim_services, db_path
):
    # The server closes vent threads after a day. A moderator pauses a thread for a day; before the
    # pause ends, housekeeping archives the thread. The pause's end must not open it again.
    forum = await use_forum(world)
    await vent(world.member, world)
    thread = forum.threads[0]
    await simcord_env.advance_time(30 * 60)
    paused = await world.mod.slash(thread, "moderation thread", action="pause", length="1d")
    assert "paused" in said(paused)
    await sim_services.guilds.set(world.guild.id, "vent_close_days", "1")
    clock.offset = timedelta(days=1, minutes=5)  # the post is past a day old; the pause is not over
    await simcord_env.bot.run_maintenance()
    assert _metadata(simcord_env, thread.id).archived
    lines_before = len(thread.history())
    await simcord_env.advance_time(25 * 3600)  # past the pause's end, however the scheduler slept
    assert _metadata(simcord_env, thread.id).archived  # still closed, as housekeeping left it
    assert len(thread.history()) == lines_before  # and no "back to how it was" line in it
    assert rows(db_path, "SELECT count(*) FROM schedules WHERE kind = 'thread-restore'") == [(0,)]
    assert rows(db_path, "SELECT closed_at IS NOT NULL FROM vent_posts") == [(1,)]


async def test_thread_tools_from_the_menu_and_reopening_early(world, simcord_env):
    forum = await use_forum(world)
    await vent(world.member, world)
    thread = forum.threads[0]
    menu = await moderate(world, thread, thread.history()[0])
    tools = await world.mod.click(menu.response, label="Pause or slow this thread…")
    assert "What should happen" in said(tools)
    await world.mod.select(tools.response.message, ["open"], custom_id="thread-tools:pause")
    assert simcord_env.bot.get_channel(thread.id).locked
    assert "until a moderator changes it back" in thread.history()[-1].content
    await world.mod.click(tools.response.message, label="Open it again")
    assert not simcord_env.bot.get_channel(thread.id).locked
    assert "opened this thread again" in thread.history()[-1].content


async def test_thread_tools_refuse_without_manage_threads_or_outside_a_thread(world, simcord_env, db_path):
    thread = await _circle_thread(world, simcord_env)
    outside = await world.mod.slash(world.general, "moderation thread", action="pause")
    assert "inside the thread" in said(outside)
    me = world.guild.me
    await me.guild.get_channel(world.general.id).set_permissions(me, manage_threads=False)
    refused = await world.mod.slash(thread, "moderation thread", action="pause")
    assert "Manage Threads" in said(refused) and "Nothing was changed" in said(refused)
    assert not simcord_env.bot.get_channel(thread.id).locked
    assert rows(db_path, "SELECT count(*) FROM vent_mod_actions") == [(0,)]
    assert rows(db_path, "SELECT count(*) FROM schedules WHERE kind = 'thread-restore'") == [(0,)]
    with pytest.raises(SetupError):  # hidden from members; the bot checks again on its side
        await world.member.slash(thread, "moderation thread", action="pause")


async def test_connection_first_note_is_linked_from_the_menu_and_editable(world):
    forum = await use_forum(world)
    await vent(world.member, world)
    thread = forum.threads[0]
    menu = await moderate(world, thread, thread.history()[0])
    guide = await world.mod.click(menu.response, label="Responding with connection")
    assert "connect" in said(guide) and "built-in note" in said(guide)
    await world.mod.slash(world.general, "moderation guide-edit", text="Here we check in with a DM first.")
    assert "DM first" in said(await world.mod.slash(world.general, "moderation guide"))
    await world.mod.slash(world.general, "moderation guide-edit")
    assert "built-in note" in said(await world.mod.slash(world.general, "moderation guide"))


async def test_vent_role_keeps_venting_to_peers_and_shows_in_config(world):
    forum = await use_forum(world)
    peers = world.guild.create_role("Peers")
    peer = world.guild.add_member(world.env.create_user("pat"), roles=[peers])
    await vent(world.member, world)
    thread = forum.threads[0]
    set_ = await world.mod.slash(world.general, "config vent-role", role=peers)
    assert "changed" in said(set_)
    shown = await world.mod.slash(world.general, "config show")
    assert f"<@&{peers.id}> needed to vent" in shown.response.embeds[0].fields[3].value
    refused = await world.member.slash(world.general, "vent")
    assert refused.modal is None and "**Peers** role" in said(refused)
    refused_reply = await world.other.click(thread.history()[0], label="Reply anonymously")
    assert refused_reply.modal is None and "**Peers** role" in said(refused_reply)
    assert (await world.member.click(thread.history()[0], label="Delete")).modal is None  # still their own post
    assert (await peer.slash(world.general, "vent")).modal is not None
    await world.mod.slash(world.general, "config vent-role")
    assert (
        "open to everyone" in (await world.mod.slash(world.general, "config show")).response.embeds[0].fields[3].value
    )
    assert (await world.other.slash(world.general, "vent")).modal is not None
