"""Rendering and Discord calls the venting cog uses to put posts up and take them down."""

from __future__ import annotations

import contextlib
import logging
from typing import Any

import discord

from cogs.venting.service import VentDraft

log = logging.getLogger(__name__)


def _spoiler(text: str) -> str:
    """Hide text behind a spoiler; neutralise '||' inside it so the text cannot end the spoiler early."""
    return "||" + text.replace("||", "|\u200b|") + "||"


def render_post(draft: VentDraft) -> tuple[str | None, discord.Embed]:
    """The visible content-warning label (if any) and the embed holding the text."""
    if draft.warning:
        return f"**Content warning:** {draft.warning}", discord.Embed(description=_spoiler(draft.text))
    return None, discord.Embed(description=draft.text)


async def delete_quietly(target: Any) -> None:
    """Delete a message or thread, ignoring one that is already gone."""
    with contextlib.suppress(discord.NotFound):
        await target.delete()


async def take_down(guild: discord.Guild, post: Any) -> None:
    """Delete a post from Discord: its thread, and for text channels the message it started from."""
    thread = guild.get_thread(post.post_id)
    if thread is None:
        with contextlib.suppress(discord.NotFound):
            thread = await guild.fetch_channel(post.post_id)  # type: ignore[assignment]
    if thread is not None:
        await delete_quietly(thread)
    if not post.is_forum:
        channel = guild.get_channel(post.channel_id)
        if isinstance(channel, discord.TextChannel):
            await delete_quietly(channel.get_partial_message(post.message_id))


async def delete_reply(bot: discord.Client, thread_id: int, message_id: int) -> bool:
    """Delete one anonymous reply; True once it is gone from Discord (now, or already), False if Discord refused.

    Works without the thread in the cache: archived threads are not cached, and a reply in one must
    still really go before its row is dropped or it is counted as deleted.
    """
    try:
        await bot.get_partial_messageable(thread_id).get_partial_message(message_id).delete()
    except discord.NotFound:
        return True
    except discord.HTTPException as error:
        log.warning("could not delete an anonymous reply in thread %s (HTTP %s)", thread_id, error.status)
        return False
    return True
