"""Venting's privacy guarantees end to end: the leak test, expiry with an injected clock, export and forget
(also when the work is slow, or the reply sits in an archived thread Discord may refuse to touch)."""

from __future__ import annotations

import json
import logging
from datetime import timedelta
from pathlib import Path

import pytest

from bot.app import PeerCircleBot, Services
from bot.testing import make_bot, make_services
from tests.e2e.venting_helpers import (
    ShiftedClock,
    archived_thread_with_reply,
    moderate,
    reply,
    said,
    use_forum,
    vent,
    world,
)
from tests.privacy_bytes import id_encodings, scan

__all__ = ["world"]

# Only refusals a member is meant to see may reach the error handler, and nothing may be logged at ERROR.
pytestmark = pytest.mark.strict_errors


@pytest.fixture
def clock() -> ShiftedClock:
    return ShiftedClock()


@pytest.fixture
async def sim_services(database_target: str, clock: ShiftedClock):
    """Services over a fresh database on the test's engine, so the test can read its bytes (through `db_path`)."""
    svc = await make_services(db_path=database_target, clock=clock)
    yield svc
    await svc.db.close()


@pytest.fixture
def simcord_bot(sim_services: Services) -> PeerCircleBot:
    return make_bot(sim_services)


def author_of(world):
    """A member with a distinctive username, display name and server nickname."""
    user = world.env.create_user("quietwillow", global_name="Willow Q Marsh")
    return world.guild.add_member(user, nick="Wil from Ward Four")


async def export_of(actor, world, *, anonymous: bool = True) -> dict:
    """The member's export; with `anonymous`, the copy that includes anonymous posts when one is offered."""
    result = await actor.slash(world.general, "privacy export")
    [message] = [m for m in [result.response, *result.followups] if m and m.attachments]
    if anonymous and "Send a copy with my anonymous posts" in json.dumps(message.components):
        result = await actor.click(message, label="Send a copy with my anonymous posts")
        [message] = [m for m in [result.response, *result.followups] if m and m.attachments]
    return json.loads(await message.attachments[0].read())


DELETION_WINDOW = 6 * 3600


async def test_author_appears_nowhere(world, simcord_env, sim_services, db_path: Path, caplog):
    caplog.set_level(logging.DEBUG)
    author = author_of(world)
    forum = await use_forum(world)
    await vent(author, world, text="Leaving out names, as asked.", title="Rough shift", warning="work stress")
    thread = forum.threads[0]
    await reply(world.other, thread, "I hear you.")
    await simcord_env.advance_time(60)
    await reply(author, thread, "Thank you.")
    await world.other.click(thread.history()[0], label="Delete")  # refused: must not reveal anything either
    menu = await moderate(world, thread, thread.history()[-1])
    await world.mod.select(menu.response, ["day"])
    other_export = await export_of(world.other, world)
    await sim_services.db.checkpoint()

    secrets_text = [str(author.id), author.name, "Willow Q Marsh", "Wil from Ward Four"]
    # The moderator IS stored (who acted), which shows the search can find an id in these files.
    assert scan(db_path, id_encodings(world.mod.id))
    stored = scan(db_path, {**id_encodings(author.id), **{value: value.encode() for value in secrets_text}})
    assert stored == {}, "the author is in the database's files"
    logs = "\n".join(f"{r.name} {r.getMessage()} {r.exc_text or ''}" for r in caplog.records)
    assert logs  # something was logged at DEBUG, so the check below has material
    requests = "\n".join(
        f"{r.method} {r.path} {json.dumps(r.params, default=str)} {json.dumps(r.json, default=str)}"
        for r in simcord_env.http_requests
    )
    assert "Leaving out names" in requests  # the post itself went out, so this record is complete
    exported = json.dumps(other_export)
    for value in secrets_text:
        assert value not in logs, f"{value!r} in the logs"
        assert value not in requests, f"{value!r} in a request to Discord"
        assert value not in exported, f"{value!r} in another member's export"


async def test_links_expire_after_retention_then_only_moderators_can_remove(world, clock, simcord_env, sim_services):
    forum = await use_forum(world)
    await world.mod.slash(world.general, "config retention", days=7)
    await vent(world.member, world)
    thread = forum.threads[0]
    await reply(world.member, thread, "me again")
    assert await sim_services.db.fetchval("SELECT count(*) FROM vent_links") == 2
    clock.offset = timedelta(days=6)
    await simcord_env.bot.run_maintenance()
    assert await sim_services.db.fetchval("SELECT count(*) FROM vent_links") == 2
    clock.offset = timedelta(days=7, minutes=1)
    await simcord_env.bot.run_maintenance()
    assert await sim_services.db.fetchval("SELECT count(*) FROM vent_links") == 0
    refused = await world.member.click(thread.history()[0], label="Delete")
    assert "can no longer be linked" in said(refused)
    assert "anonymous_posts" not in (await export_of(world.member, world))["features"]["Anonymous venting"]
    menu = await moderate(world, thread, thread.history()[-1])
    assert "can no longer be linked" in said(await world.mod.select(menu.response, ["day"]))
    await world.mod.click(menu.response, label="Remove it")
    assert len(thread.history()) == 1


async def test_export_finds_only_my_posts_and_forget_offers_to_delete_them(world, simcord_env, sim_services):
    forum = await use_forum(world)
    await vent(world.member, world, title="mine")
    await vent(world.other, world, title="theirs")
    mine = next(t for t in forum.threads if t.name == "mine")
    await reply(world.member, mine, "adding a thought")
    data = (await export_of(world.member, world))["features"]["Anonymous venting"]
    assert [p["thread_id"] for p in data["anonymous_posts"]] == [str(mine.id)]
    assert len(data["anonymous_replies"]) == 1
    shown = await world.member.slash(world.general, "privacy forget")
    await world.member.click(shown.response, label="Erase everything and delete my anonymous posts")
    assert await sim_services.db.fetchval("SELECT count(*) FROM vent_links") == 1  # only the other member's, at once
    data = (await export_of(world.member, world))["features"]["Anonymous venting"]
    assert "anonymous_posts" not in data and "anonymous_replies" not in data  # nothing of mine to offer
    await simcord_env.advance_time(DELETION_WINDOW + 60)
    assert [t.name for t in forum.threads] == ["theirs"]


async def test_forget_without_deleting_keeps_posts_but_cuts_the_link(world, sim_services):
    forum = await use_forum(world)
    await vent(world.member, world)
    shown = await world.member.slash(world.general, "privacy forget")
    await world.member.click(shown.response, label="Yes, erase everything")
    assert len(forum.threads) == 1
    assert await sim_services.db.fetchval("SELECT count(*) FROM vent_links") == 0
    refused = await world.member.click(forum.threads[0].history()[0], label="Delete")
    assert "can no longer be linked" in said(refused)


def slow(env, fn):
    """Wrap a coroutine function so it takes 4 (virtual) seconds: past Discord's 3-second answer limit."""

    async def wrapper(*args, **kwargs):
        env.backend.advance_clock(4)
        return await fn(*args, **kwargs)

    return wrapper


async def test_privacy_forget_and_show_answer_even_when_the_work_is_slow(world, simcord_env, monkeypatch):
    forum = await use_forum(world)
    await vent(world.member, world)
    cog = simcord_env.bot.get_cog("Venting")
    monkeypatch.setattr(cog, "delete_user_posts", slow(simcord_env, cog.delete_user_posts))
    monkeypatch.setattr(cog, "export_user_data", slow(simcord_env, cog.export_user_data))
    shown = await world.member.slash(world.general, "privacy show")
    assert "What I keep about you" in said(shown)
    forget = await world.member.slash(world.general, "privacy forget")
    await world.member.click(forget.response, label="Erase everything and delete my anonymous posts")
    edited = world.env.http_requests[-1]
    assert edited.method == "PATCH" and "I'll delete your 1 anonymous posts and replies" in str(edited.json)
    await simcord_env.advance_time(DELETION_WINDOW + 60)
    assert not forum.threads


async def test_member_deleting_a_reply_in_an_archived_thread_really_deletes_it(world, simcord_env, sim_services):
    thread = await archived_thread_with_reply(world, simcord_env)
    shown = await world.other.slash(world.general, "privacy forget")
    await world.other.click(shown.response, label="Erase everything and delete my anonymous posts")
    await simcord_env.advance_time(DELETION_WINDOW + 60)
    assert len(thread.history()) == 1
    assert await sim_services.db.fetchval("SELECT count(*) FROM vent_replies") == 0
    assert await sim_services.db.fetchval("SELECT count(*) FROM vent_pending_deletions") == 0


async def test_reply_discord_refuses_to_delete_stays_linked_to_nobody(world, simcord_env, sim_services):
    thread = await archived_thread_with_reply(world, simcord_env)
    simcord_env.inject_error(
        "DELETE", "/channels/*/messages/*", status=403, code=50013, message="Missing Access", times=None
    )
    shown = await world.other.slash(world.general, "privacy forget")
    await world.other.click(shown.response, label="Erase everything and delete my anonymous posts")
    # A few tries an hour apart, then it is left up: still a reply in the thread, linked to nobody.
    await simcord_env.advance_time(DELETION_WINDOW + 4 * 3600)
    assert len(thread.history()) == 2
    assert await sim_services.db.fetchval("SELECT count(*) FROM vent_replies") == 1
    assert await sim_services.db.fetchval("SELECT count(*) FROM vent_links") == 1  # the post's, by the member
    assert await sim_services.db.fetchval("SELECT count(*) FROM vent_pending_deletions") == 0
