"""Shared pieces for the venting end-to-end tests: a server with venting on, and the member's gestures.

Test modules import the `world` fixture from here (listing it in `__all__`), as the check-in tests do
with `checkin_helpers`; no test module imports another.
"""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from bot.testing import SimcordClock
from tests.e2e.world import World, make_world


class ShiftedClock(SimcordClock):
    """SimCord's virtual time plus an offset the test controls (link expiry, retention)."""

    def __init__(self) -> None:
        self.offset = timedelta(0)

    def now(self) -> datetime:
        """The simulated instant, shifted."""
        return super().now() + self.offset


@pytest.fixture
async def world(simcord_env) -> World:
    """The standard small server, with venting switched on by its moderator."""
    w = make_world(simcord_env)
    await w.mod.slash(w.general, "config feature", feature="venting", enabled=True)
    return w


async def use_forum(world: World):
    """Make a new forum the vent channel."""
    forum = world.guild.create_forum_channel("vent")
    result = await world.mod.slash(world.general, "config vent-channel", channel=forum)
    assert "changed" in result.response.content, result.response.content
    return forum


async def use_text(world: World):
    """Make a new text channel the vent channel."""
    channel = world.guild.create_text_channel("vent")
    await world.mod.slash(world.general, "config vent-channel", channel=channel)
    return channel


async def vent(actor, world: World, text: str = "A hard day at work.", title: str = "", warning: str = ""):
    """Open /vent and submit its form; return the submission's result."""
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


async def reply(actor, thread, text: str):
    """Press "Reply anonymously" on the post and submit the reply."""
    shown = await actor.click(thread.history()[0], label="Reply anonymously")
    assert shown.modal is not None, said(shown)
    return await actor.submit_modal(shown, {"vent_reply_text": text})


async def moderate(world: World, channel, message):
    """Open "Moderate anonymous message" on a message as the moderator."""
    result = await world.mod.context_menu(channel, "Moderate anonymous message", message)
    assert result.ephemeral and "Nobody, you included" in said(result), said(result)
    return result


async def archived_thread_with_reply(world: World, simcord_env):
    """A forum post with one reply by the other member, its thread archived and out of the bot's cache."""
    forum = await use_forum(world)
    await vent(world.member, world)
    thread = forum.threads[0]
    await reply(world.other, thread, "a reply")
    await simcord_env.bot.get_channel(thread.id).edit(archived=True)
    assert simcord_env.bot.get_guild(world.guild.id).get_thread(thread.id) is None  # not in the cache
    return thread
