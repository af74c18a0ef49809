"""Anonymous venting end to end: posts, replies, pseudonyms, author delete, moderation, limits, expiry."""

from __future__ import annotations

import pytest

from bot.app import Services
from cogs.privacy import purge_expired
from tests.e2e.world import World, make_world

CW = "Content warning:"


@pytest.fixture
async def world(simcord_env, sim_services: Services) -> World:
    w = make_world(simcord_env)
    await w.mod.slash(w.general, "config feature", feature="venting", enabled=True)
    return w


async def use_forum(world: World):
    forum = world.guild.create_forum_channel("vent")
    result = await world.mod.slash(world.general, "config vent-channel", channel=forum)
    assert "changed" in result.response.content, result.response.content
    return forum


async def use_text(world: World):
    channel = world.guild.create_text_channel("vent")
    await world.mod.slash(world.general, "config vent-channel", channel=channel)
    return channel


async def vent(actor, world: World, text: str = "A hard day at work.", title: str = "", warning: str = ""):
    shown = await actor.slash(world.general, "vent")
    assert shown.modal is not None, shown.response and shown.response.content
    values = {"vent_text": text}
    if title:
        values["vent_title"] = title
    if warning:
        values["vent_warning"] = warning
    return await actor.submit_modal(shown, values)


def said(result) -> str:
    """Everything the bot told the member privately in answer to one interaction."""
    parts = [result.response.content] if result.response is not None else []
    parts += [f.content for f in result.followups]
    return "\n".join(parts)


def starter(channel, thread=None):
    """The post message: in a forum the thread's first message, in a text channel the channel's message."""
    if thread is not None:
        return thread.history()[0]
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
