"""Issue 11's venting promises, each through SimCord and read back from the real database file.

6. a moderator's removal deletes the rows that only served the message, at once;
7. a pseudonym after forget is unrelated to the old one;
8. "delete my anonymous posts" spreads the deletions over hours, survives a restart, cuts the links at once;
9. a block survives forget, the forget confirmation says so, and its hash goes the moment it ends;
plus a moderator's forget keeping the log's actions, and the export leaving anonymous posts out by default.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.app import PeerCircleBot, Services
from bot.clock import to_timestamp
from bot.testing import SimcordClock, make_bot, make_services
from tests.e2e.venting_helpers import moderate, reply, said, use_forum, use_text, vent, world

__all__ = ["world"]

pytestmark = pytest.mark.strict_errors

WINDOW = 6 * 3600
DELETE_ALL = "Erase everything and delete my anonymous posts"
INCLUDE = "Send a copy with my anonymous posts"


@pytest.fixture
async def sim_services(tmp_path: Path) -> AsyncIterator[Services]:
    """Services over a database FILE; every check below reads it through a second connection."""
    svc = await make_services(db_path=str(tmp_path / "bot.db"), clock=SimcordClock())
    yield svc
    await svc.db.close()


@pytest.fixture
def simcord_bot(sim_services: Services) -> PeerCircleBot:
    return make_bot(sim_services)


@pytest.fixture
def rows(tmp_path: Path):
    """Read the database file as an operator would, from outside the bot."""
    import sqlite3

    def read(sql: str, params: tuple = ()) -> list[tuple]:
        with sqlite3.connect(tmp_path / "bot.db") as conn:
            return conn.execute(sql, params).fetchall()

    return read


def pseudonym(message) -> str:
    return message.content.strip("*").split(" · ")[0]


def looks_continued(a: str, b: str) -> bool:
    """Two 4-character names sharing 3 characters in a row: equal, or one shifted from the other."""
    a, b = a.removeprefix("Anon "), b.removeprefix("Anon ")
    return any(a[i : i + 3] in b for i in range(len(a) - 2))


# -- 6 -------------------------------------------------------------------------------------------
async def test_removing_a_post_deletes_its_rows_at_once_and_the_log_keeps_only_the_action(world, rows):
    channel = await use_text(world)
    await vent(world.member, world, title="removed")
    await vent(world.member, world, title="stays")
    thread = next(t for t in channel.threads if t.name == "removed")
    [(post_message_id,)] = rows("SELECT message_id FROM vent_posts WHERE post_id = ?", (thread.id,))
    [post] = [m for m in channel.history() if m.id == post_message_id]
    for actor, text in ((world.other, "one"), (world.member, "two")):
        shown = await actor.click(post, label="Reply anonymously")
        await actor.submit_modal(shown, {"vent_reply_text": text})
    assert rows("SELECT count(*) FROM vent_links WHERE post_id = ?", (thread.id,)) == [(3,)]
    menu = await moderate(world, channel, post)
    await world.mod.click(menu.response, label="Remove it")
    for table in ("vent_posts", "vent_replies", "vent_links"):
        assert rows(f"SELECT count(*) FROM {table} WHERE post_id = ?", (thread.id,)) == [(0,)], table
    assert rows("SELECT count(*) FROM vent_posts") == [(1,)]  # the other post is untouched
    assert rows("SELECT moderator_id, action, post_id FROM vent_mod_actions") == [(world.mod.id, "remove", thread.id)]
    # The open menu still lets the moderator block the author (its link lives only in that menu, in memory).
    blocked = await world.mod.select(menu.response, ["day"])
    assert "Blocked (block 1)" in said(blocked)
    assert "paused for you" in said(await world.member.slash(world.general, "vent"))
    assert rows("SELECT count(*) FROM vent_links WHERE post_id = ?", (thread.id,)) == [(0,)]


async def test_removing_a_reply_deletes_its_record_and_link_at_once(world, rows):
    forum = await use_forum(world)
    await vent(world.member, world)
    thread = forum.threads[0]
    await reply(world.other, thread, "unkind")
    removed = thread.history()[-1]
    menu = await moderate(world, thread, removed)
    await world.mod.click(menu.response, label="Remove it")
    assert rows("SELECT count(*) FROM vent_replies WHERE message_id = ?", (removed.id,)) == [(0,)]
    assert rows("SELECT count(*) FROM vent_links WHERE message_id = ?", (removed.id,)) == [(0,)]
    assert rows("SELECT count(*) FROM vent_links") == [(1,)]  # the post's own link stays
    assert rows("SELECT action, message_id FROM vent_mod_actions") == [("remove", removed.id)]


# -- 7 -------------------------------------------------------------------------------------------
async def test_pseudonym_after_forget_is_unrelated_to_the_old_one(world, simcord_env, rows):
    forum = await use_forum(world)
    await vent(world.other, world)
    thread = forum.threads[0]
    await reply(world.member, thread, "first")
    old = pseudonym(thread.history()[-1])
    shown = await world.member.slash(world.general, "privacy forget")
    await world.member.click(shown.response, label="Yes, erase everything")
    await simcord_env.advance_time(60)
    await reply(world.member, thread, "after forgetting")
    new = pseudonym(thread.history()[-1])
    assert new != old and not looks_continued(new, old) and not looks_continued(old, new), (old, new)
    assert {p for (p,) in rows("SELECT pseudonym FROM vent_replies")} == {old, new}


async def test_pseudonym_after_forget_and_deleting_the_old_replies_is_new_too(world, simcord_env, rows):
    forum = await use_forum(world)
    await vent(world.other, world)
    thread = forum.threads[0]
    await reply(world.member, thread, "first")
    old = pseudonym(thread.history()[-1])
    shown = await world.member.slash(world.general, "privacy forget")
    await world.member.click(shown.response, label=DELETE_ALL)
    await simcord_env.advance_time(WINDOW + 60)
    assert rows("SELECT count(*) FROM vent_replies") == [(0,)]  # the old name is gone from the thread
    await reply(world.member, thread, "after forgetting")
    new = pseudonym(thread.history()[-1])
    # Nothing remembers the old name once forget erased it (that is the promise), so the new one is drawn
    # afresh from a random salt: it shares a run of three characters with the old one by chance about once
    # in a thousand draws (it did once, "B8E6" then "C8E6"), and equals it once in 65,536. The name's
    # independence is asserted where the old name is still in the thread (the test above).
    assert new != old, (old, new)


# -- 8 -------------------------------------------------------------------------------------------
def still_up(forum, theirs, mine_reply_id: int) -> set[str]:
    up = {t.name for t in forum.threads} - {"theirs"}
    if any(m.id == mine_reply_id for m in theirs.history()):
        up.add("reply")
    return up


async def test_deleting_my_posts_spreads_them_over_hours_survives_a_restart_and_cuts_links_at_once(
    world, simcord_env, rows, tmp_path
):
    forum = await use_forum(world)
    for title in ("first", "second"):
        await vent(world.member, world, title=title)
    await vent(world.other, world, title="theirs")
    theirs = next(t for t in forum.threads if t.name == "theirs")
    await reply(world.member, theirs, "a reply of mine")
    mine_reply = theirs.history()[-1].id
    asked_at = to_timestamp(simcord_env.now())
    shown = await world.member.slash(world.general, "privacy forget")
    await world.member.click(shown.response, label=DELETE_ALL)
    told = str(world.env.http_requests[-1].json)
    assert "one at a time, each at a random moment within the next six hours" in told
    assert "Nothing links them to you in the meantime" in told

    # At once: the links are gone, nothing is deleted yet, and the queue holds only where each message is.
    assert rows("SELECT count(*) FROM vent_links") == [(1,)]  # the other member's post only
    assert still_up(forum, theirs, mine_reply) == {"first", "second", "reply"}
    columns = [c[1] for c in rows("PRAGMA table_info(vent_pending_deletions)")]
    assert columns == ["message_id", "guild_id", "post_id", "is_post", "due_at", "tries"]
    due = sorted(d for (d,) in rows("SELECT due_at FROM vent_pending_deletions"))
    assert len(due) == 3 and len(set(due)) == 3
    assert all(asked_at < d <= asked_at + WINDOW for d in due), (asked_at, due)
    assert len({d // 60 for d in due}) == 3  # never two in the same minute

    # The first goes at its own moment and not before.
    await simcord_env.advance_time(due[0] - to_timestamp(simcord_env.now()) - 2)
    assert len(still_up(forum, theirs, mine_reply)) == 3
    await simcord_env.advance_time(4)
    assert len(still_up(forum, theirs, mine_reply)) == 2
    assert rows("SELECT count(*) FROM vent_pending_deletions") == [(2,)]

    # The bot restarts (a fresh bot and connection over the same file); the others still go, each at its moment.
    restarted = await make_services(db_path=str(tmp_path / "bot.db"), clock=SimcordClock())
    try:
        await simcord_env.restart_bot(make_bot(restarted))
        for left, moment in ((1, due[1]), (0, due[2])):
            await simcord_env.advance_time(moment - to_timestamp(simcord_env.now()) - 2)
            assert len(still_up(forum, theirs, mine_reply)) == left + 1
            await simcord_env.advance_time(4)
            assert len(still_up(forum, theirs, mine_reply)) == left
    finally:
        await simcord_env.shutdown()
        await restarted.db.close()
    assert [t.name for t in forum.threads] == ["theirs"]
    assert rows("SELECT count(*) FROM vent_pending_deletions") == [(0,)]
    assert rows("SELECT count(*) FROM vent_posts") == [(1,)] and rows("SELECT count(*) FROM vent_replies") == [(0,)]


# -- 9 -------------------------------------------------------------------------------------------
async def block_on_my_post(world, rows) -> int:
    """The member posts, a moderator blocks its author for a day; return when the block ends."""
    forum = await use_forum(world)
    await vent(world.member, world)
    thread = forum.threads[0]
    menu = await moderate(world, thread, thread.history()[0])
    await world.mod.select(menu.response, ["day"])
    [(until,)] = rows("SELECT until_at FROM vent_blocks")
    return until


async def test_block_survives_forget_and_the_forget_confirmation_says_so(world, rows):
    await block_on_my_post(world, rows)
    shown = await world.member.slash(world.general, "privacy forget")
    assert "If a moderator has paused your anonymous posting, that pause stays until it ends or is lifted" in said(
        shown
    )
    await world.member.click(shown.response, label="Yes, erase everything")
    assert rows("SELECT count(*) FROM vent_links") == [(0,)]
    assert rows("SELECT count(*) FROM vent_blocks") == [(1,)]  # the block and its hash stay
    assert "paused for you" in said(await world.member.slash(world.general, "vent"))


async def test_a_blocks_hash_goes_the_moment_it_ends(world, simcord_env, rows):
    # Maintenance (which purges expired rows) runs at start and every 6 hours in tests: block 3 hours in,
    # so the block's end falls halfway between two passes and only its own end can remove it.
    await simcord_env.advance_time(3 * 3600)
    until = await block_on_my_post(world, rows)
    await simcord_env.advance_time(until - to_timestamp(simcord_env.now()) - 2)
    assert rows("SELECT count(*) FROM vent_blocks") == [(1,)]
    await simcord_env.advance_time(4)
    assert rows("SELECT count(*) FROM vent_blocks") == [(0,)]
    assert (await world.member.slash(world.general, "vent")).modal is not None


async def test_lifting_a_block_deletes_its_hash_at_once(world, rows):
    forum = await use_forum(world)
    await vent(world.member, world)
    thread = forum.threads[0]
    menu = await moderate(world, thread, thread.history()[0])
    await world.mod.select(menu.response, ["lifted"])
    assert rows("SELECT count(*) FROM vent_blocks") == [(1,)]
    await world.mod.slash(world.general, "vent-mod lift", block=1)
    assert rows("SELECT count(*) FROM vent_blocks") == [(0,)]


# -- moderators and forget ------------------------------------------------------------------------
async def test_moderators_forget_keeps_each_action_as_a_former_moderator(world, rows):
    forum = await use_forum(world)
    await vent(world.member, world)
    thread = forum.threads[0]
    menu = await moderate(world, thread, thread.history()[0])
    await world.mod.select(menu.response, ["day"])
    await world.mod.click(menu.response, label="Remove it")
    shown = await world.mod.slash(world.general, "privacy forget")
    await world.mod.click(shown.response, label="Yes, erase everything")
    assert rows("SELECT moderator_id, action FROM vent_mod_actions ORDER BY action_id") == [
        (None, "block (day)"),
        (None, "remove"),
    ]
    assert rows("SELECT count(*) FROM vent_mod_actions WHERE moderator_id = ?", (world.mod.id,)) == [(0,)]
    log = said(await world.mod.slash(world.general, "vent-mod log"))
    assert log.count("a former moderator") == 2 and world.mod.mention not in log


# -- export and anonymity -------------------------------------------------------------------------
async def test_export_leaves_anonymous_posts_out_unless_chosen_after_a_warning(world):
    forum = await use_forum(world)
    await vent(world.member, world)
    await reply(world.member, forum.threads[0], "me again")
    result = await world.member.slash(world.general, "privacy export")
    [message] = [m for m in [result.response, *result.followups] if m and m.attachments]
    assert "Your 2 anonymous posts and replies are left out" in message.content
    assert "Warning: a file listing them pairs you with them" in message.content
    venting = json.loads(await message.attachments[0].read())["features"]["Anonymous venting"]
    assert "anonymous_posts" not in venting and "anonymous_replies" not in venting
    assert str(forum.threads[0].id) not in json.dumps(venting)
    chosen = await world.member.click(message, label=INCLUDE)
    [full] = [m for m in [chosen.response, *chosen.followups] if m and m.attachments]
    venting = json.loads(await full.attachments[0].read())["features"]["Anonymous venting"]
    assert [p["thread_id"] for p in venting["anonymous_posts"]] == [str(forum.threads[0].id)]
    assert len(venting["anonymous_replies"]) == 1
