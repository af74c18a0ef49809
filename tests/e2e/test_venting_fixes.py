"""Regression tests: slow privacy answers, replies in archived threads, the flood-limit race, send errors."""

from __future__ import annotations

from cogs.venting.service import VentingService
from tests.e2e.test_venting import moderate, only_expected_errors, reply, said, use_forum, use_text, vent, world

__all__ = ["only_expected_errors", "world"]


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
    assert not forum.threads
    edited = world.env.http_requests[-1]
    assert edited.method == "PATCH" and "I also deleted 1 of your posts" in str(edited.json)


async def archived_thread_with_reply(world, simcord_env):
    forum = await use_forum(world)
    await vent(world.member, world)
    thread = forum.threads[0]
    await reply(world.other, thread, "a reply")
    await simcord_env.bot.get_channel(thread.id).edit(archived=True)
    assert simcord_env.bot.get_guild(world.guild.id).get_thread(thread.id) is None  # not in the cache
    return thread


async def test_member_deleting_a_reply_in_an_archived_thread_really_deletes_it(world, simcord_env, sim_services):
    thread = await archived_thread_with_reply(world, simcord_env)
    shown = await world.other.slash(world.general, "privacy forget")
    await world.other.click(shown.response, label="Erase everything and delete my anonymous posts")
    assert len(thread.history()) == 1
    assert await sim_services.db.fetchval("SELECT count(*) FROM vent_replies") == 0


async def test_reply_discord_refuses_to_delete_stays_and_is_not_counted(world, simcord_env, sim_services):
    thread = await archived_thread_with_reply(world, simcord_env)
    simcord_env.inject_error("DELETE", "/channels/*/messages/*", status=403, code=50013, message="Missing Access")
    shown = await world.other.slash(world.general, "privacy forget")
    await world.other.click(shown.response, label="Erase everything and delete my anonymous posts")
    text = str(world.env.http_requests[-1].json)
    assert "I also deleted 0 of your posts" in text and "didn't let me delete 1 more" in text
    assert len(thread.history()) == 2
    assert await sim_services.db.fetchval("SELECT count(*) FROM vent_replies") == 1


async def test_moderator_removes_a_reply_in_an_archived_thread_or_is_told_it_failed(world, simcord_env):
    thread = await archived_thread_with_reply(world, simcord_env)
    menu = await moderate(world, thread, thread.history()[-1])
    simcord_env.inject_error("DELETE", "/channels/*/messages/*", status=403, code=50013, message="Missing Access")
    refused = await world.mod.click(menu.response, label="Remove it")
    assert "didn't let me delete that reply" in said(refused) and len(thread.history()) == 2
    assert "No moderator actions" in said(await world.mod.slash(world.general, "vent-mod log"))
    removed = await world.mod.click(menu.response, label="Remove it")
    assert "Removed" in said(removed) and len(thread.history()) == 1
    assert "remove" in said(await world.mod.slash(world.general, "vent-mod log"))


async def test_the_hourly_slot_is_held_while_posting_and_freed_if_posting_fails(world, simcord_env, sim_services):
    await use_forum(world)
    await world.mod.slash(world.general, "config vent-limits", posts_per_hour=1)
    venting = simcord_env.bot.features.get(VentingService)
    record_post = venting.record_post
    refused_meanwhile = []

    async def while_posting(guild_id, user_id, *args):
        # A second submit arriving now (before this one is recorded) must already be refused.
        try:
            await venting.reserve_post(guild_id, user_id)
        except Exception as error:
            refused_meanwhile.append(str(error))
        return await record_post(guild_id, user_id, *args)

    simcord_env.inject_error("POST", "/channels/*/threads", status=500)
    failed = await vent(world.member, world)
    assert "Nothing was posted" in said(failed)
    venting.record_post = while_posting
    try:
        assert "Your post is up" in said(await vent(world.member, world))  # the failed post gave its slot back
    finally:
        venting.record_post = record_post
    assert refused_meanwhile and "limit of 1" in refused_meanwhile[0]


async def test_text_channel_send_errors_are_plain_and_name_the_permission(world, simcord_env):
    channel = await use_text(world)
    simcord_env.inject_error("POST", f"/channels/{channel.id}/messages", status=403, code=50013, message="Missing")
    forbidden = await vent(world.member, world)
    assert "Send Messages" in said(forbidden) and "Nothing was posted" in said(forbidden)
    simcord_env.inject_error("POST", f"/channels/{channel.id}/messages", status=500)
    assert "try again" in said(await vent(world.member, world))
    assert not channel.history()
