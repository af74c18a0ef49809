"""Anonymous venting end to end: posts, replies, pseudonyms, author delete, moderation, limits, expiry."""

from __future__ import annotations

import pytest
from simcord import SetupError

from cogs.venting.service import VentingService
from tests.e2e.venting_helpers import (
    archived_thread_with_reply,
    moderate,
    reply,
    said,
    use_forum,
    use_text,
    vent,
    world,
)

__all__ = ["world"]

# Only refusals a member is meant to see may reach the error handler, and nothing may be logged at ERROR.
pytestmark = pytest.mark.strict_errors

CW = "Content warning:"


def starter(channel):
    """The post message in a text channel: the channel's latest message with buttons."""
    return [m for m in channel.history() if m.components][-1]


async def test_forum_post_has_title_no_author_and_buttons(world):
    forum = await use_forum(world)
    result = await vent(world.member, world, text="Coworkers talked over me again.", title="Team meeting")
    assert result.ephemeral and "Your post is up" in said(result)
    [thread] = forum.threads
    assert thread.name == "Team meeting"
    message = thread.history()[0]
    assert message.author.bot
    assert message.embeds[0].description == "Coworkers talked over me again."
    labels = [c.label for row in message.components for c in row.children]
    assert labels == ["Reply anonymously", "Delete"]


async def test_text_channel_post_is_message_with_thread(world):
    channel = await use_text(world)
    result = await vent(world.member, world, text="Short one.")
    assert "Your post is up" in said(result)
    message = starter(channel)
    [thread] = channel.threads
    assert thread.id == message.id  # the discussion thread starts from the post
    assert thread.name == "Anonymous post"
    assert message.embeds[0].description == "Short one."
    assert message.author.bot


async def test_content_warning_is_a_visible_label_and_text_is_spoilered(world):
    forum = await use_forum(world)
    await vent(world.member, world, text="About a restraint I saw || today", warning="coercion")
    message = forum.threads[0].history()[0]
    assert message.content == f"**{CW}** coercion"
    assert message.embeds[0].description.startswith("||") and message.embeds[0].description.endswith("||")
    # A '||' inside the text must not close the spoiler early.
    assert message.embeds[0].description.count("||") == 2


async def test_mentions_never_ping(world):
    forum = await use_forum(world)
    await vent(world.member, world, text=f"@everyone @here {world.other.mention} <@&{world.mod_role.id}>", warning="x")
    thread = forum.threads[0]
    await reply(world.other, thread, "@everyone hello")
    sent = [
        r for r in world.env.http_requests if r.method == "POST" and ("/threads" in r.path or "/messages" in r.path)
    ]
    assert sent
    for request in sent:
        body = request.json or {}
        message = body.get("message", body)
        assert message.get("allowed_mentions") == {"parse": []}, request


def reply_labels(thread) -> list[str]:
    return [m.content for m in thread.history()[1:]]


async def test_replies_use_stable_per_thread_pseudonyms_and_mark_the_original_poster(world, simcord_env):
    forum = await use_forum(world)
    await vent(world.member, world, title="one")
    thread = forum.threads[0]
    assert "Your reply is up" in said(await reply(world.other, thread, "Same here."))
    await simcord_env.advance_time(60)
    await reply(world.other, thread, "Again.")
    await reply(world.member, thread, "Thanks, both.")
    first, second, op = reply_labels(thread)
    assert first == second  # stable inside the thread
    assert first.startswith("**Anon ") and len(first.removeprefix("**Anon ").removesuffix("**")) == 4
    assert op.endswith("· original poster**") and "original poster" not in first
    assert op.split(" · ")[0] != first  # two people never share a pseudonym in one thread
    for message in thread.history()[1:]:
        assert world.other.name not in message.content and str(world.other.id) not in message.content


async def test_author_can_delete_others_cannot_and_learn_nothing(world):
    forum = await use_forum(world)
    await vent(world.member, world)
    thread = forum.threads[0]
    post = thread.history()[0]
    refused_other = await world.other.click(post, label="Delete")
    refused_mod = await world.mod.click(post, label="Delete")
    assert refused_other.ephemeral and said(refused_other) == "Only the person who posted this can delete it."
    assert said(refused_mod) == said(refused_other)  # moderators hear exactly the same
    assert forum.threads
    done = await world.member.click(post, label="Delete")
    # The answer lived in the thread, which is now gone with it; check what was sent instead.
    assert done.acknowledged and "Deleting your anonymous post" in str(world.env.http_requests[-2].json)
    assert not forum.threads


async def test_button_on_removed_post_says_so(world, sim_services, simcord_bot):
    channel = await use_text(world)
    await vent(world.member, world)
    post = starter(channel)
    # As if Discord had kept the message when a moderator removed the post (e.g. a stale client).
    await simcord_bot.features.get(VentingService).record_removal(world.guild.id, world.mod.id, post.id)
    for label in ("Reply anonymously", "Delete"):
        refused = await world.member.click(post, label=label)
        assert refused.modal is None and "was removed" in said(refused)


async def test_moderator_removes_a_reply_and_blocks_its_author_without_learning_who(world, sim_services):
    forum = await use_forum(world)
    await vent(world.member, world)
    thread = forum.threads[0]
    await reply(world.other, thread, "something abusive")
    abusive = thread.history()[-1]
    menu = await moderate(world, thread, abusive)
    blocked = await world.mod.select(menu.response, ["week"])
    text = said(blocked)
    assert "Blocked (block 1)" in text and world.other.name not in text and str(world.other.id) not in text
    removed = await world.mod.click(menu.response, label="Remove it")
    assert "Removed" in said(removed)
    assert len(thread.history()) == 1
    # The blocked member is told plainly, with when and whom to ask; the others can still post.
    refused = await world.other.slash(world.general, "vent")
    assert refused.modal is None and "paused for you" in said(refused) and "<t:" in said(refused)
    assert "ask the moderators" in said(refused)
    refused_reply = await world.other.click(thread.history()[0], label="Reply anonymously")
    assert "paused for you" in said(refused_reply)
    assert (await world.member.slash(world.general, "vent")).modal is not None
    # Blocks are listed by the post that caused them and can be lifted.
    listing = await world.mod.slash(world.general, "vent-mod blocks")
    assert "Block 1" in said(listing) and f"<#{thread.id}>" in said(listing)
    lifted = await world.mod.slash(world.general, "vent-mod lift", block=1)
    assert "lifted" in said(lifted)
    assert (await world.other.slash(world.general, "vent")).modal is not None
    log = said(await world.mod.slash(world.general, "vent-mod log"))
    assert log.count(world.mod.mention) == 3 and "remove" in log and "block (week)" in log and "lift" in log
    assert world.other.mention not in log


async def test_moderator_removes_a_post_and_ordinary_members_cannot_moderate(world):
    channel = await use_text(world)
    await vent(world.member, world)
    post = starter(channel)
    # Discord hides the menu from members without Manage Server; the bot checks again on its side.
    with pytest.raises(SetupError):
        await world.other.context_menu(channel, "Moderate anonymous message", post)
    menu = await moderate(world, channel, post)
    await world.mod.click(menu.response, label="Remove it")
    assert not channel.threads and not [m for m in channel.history() if m.components]
    # Blocking after removal still works: the link outlives the removed post until it expires.
    blocked = await world.mod.select(menu.response, ["lifted"])
    assert "until a moderator lifts it, or at the latest until <t:" in said(blocked) and "retention period" in said(
        blocked
    )
    assert "paused for you" in said(await world.member.slash(world.general, "vent"))


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


async def test_flood_limits_say_when_to_try_again(world, simcord_env):
    forum = await use_forum(world)
    await world.mod.slash(world.general, "config vent-limits", posts_per_hour=2, reply_cooldown_seconds=120)
    for _ in range(2):
        await vent(world.member, world)
    refused = await world.member.slash(world.general, "vent")
    assert refused.modal is None and "limit of 2 anonymous posts an hour" in said(refused) and "<t:" in said(refused)
    thread = forum.threads[0]
    await reply(world.other, thread, "first")
    too_soon = await world.other.click(thread.history()[0], label="Reply anonymously")
    assert too_soon.modal is None and "you can reply again" in said(too_soon)
    await simcord_env.advance_time(3601)
    assert (await world.member.slash(world.general, "vent")).modal is not None
    assert (await world.other.click(thread.history()[0], label="Reply anonymously")).modal is not None


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


async def test_thread_that_cannot_be_created_leaves_nothing_behind(world, simcord_env):
    channel = await use_text(world)
    simcord_env.inject_error("POST", "/channels/*/messages/*/threads", status=403, code=50013, message="Missing Access")
    result = await vent(world.member, world)
    assert "couldn't start a discussion thread" in said(result) and "took the post down" in said(result)
    assert not [m for m in channel.history() if m.components] and not channel.threads


async def test_text_channel_send_errors_are_plain_and_name_the_permission(world, simcord_env):
    channel = await use_text(world)
    simcord_env.inject_error("POST", f"/channels/{channel.id}/messages", status=403, code=50013, message="Missing")
    forbidden = await vent(world.member, world)
    assert "Send Messages" in said(forbidden) and "Nothing was posted" in said(forbidden)
    simcord_env.inject_error("POST", f"/channels/{channel.id}/messages", status=500)
    assert "try again" in said(await vent(world.member, world))
    assert not channel.history()


async def test_bad_input_gets_plain_messages(world, simcord_env):
    refused = await world.member.slash(world.general, "vent")
    assert refused.modal is None and "choose a vent channel" in said(refused)
    channel = await use_text(world)
    blank = await vent(world.member, world, text="   \n  ")
    assert "empty" in said(blank) and not channel.history()
    # Deleted channel.
    await simcord_env.bot.get_channel(channel.id).delete()
    assert "no longer exists" in said(await world.member.slash(world.general, "vent"))


async def test_missing_permission_is_plain_for_members_and_named_for_moderators(world):
    import discord

    channel = world.guild.create_text_channel(
        "vent", overwrites={world.guild.default_role: discord.PermissionOverwrite(view_channel=True)}
    )
    await world.mod.slash(world.general, "config vent-channel", channel=channel)
    bot_member = world.guild.me
    await bot_member.guild.get_channel(channel.id).set_permissions(bot_member, create_public_threads=False)
    refused = await world.member.slash(world.general, "vent")
    assert "missing a permission" in said(refused) and "/config show" in said(refused)
    shown = await world.mod.slash(world.general, "config show")
    assert "Create Public Threads" in shown.response.embeds[0].fields[2].value


async def test_reply_to_locked_thread_is_refused(world, simcord_env):
    forum = await use_forum(world)
    await vent(world.member, world)
    thread = forum.threads[0]
    await simcord_env.bot.get_channel(thread.id).edit(locked=True)
    refused = await world.other.click(thread.history()[0], label="Reply anonymously")
    assert refused.modal is None and "closed" in said(refused)


async def test_old_vent_threads_are_archived(world, simcord_env):
    forum = await use_forum(world)
    await world.mod.slash(world.general, "config vent-limits", close_after_days=1)
    await vent(world.member, world)
    cog = simcord_env.bot.get_cog("Venting")
    assert await cog.close_old_threads() == 0
    await simcord_env.advance_time(86400 + 60)
    await cog.close_old_threads()
    thread = simcord_env.bot.get_channel(forum.threads[0].id) or await simcord_env.bot.fetch_channel(
        forum.threads[0].id
    )
    assert thread.archived and thread.locked
