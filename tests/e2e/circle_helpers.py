"""Helpers for the /circle end-to-end tests: a server with circles on, and readers of what the bot did."""

from __future__ import annotations

from typing import Any

import discord
import pytest

from cogs.circles.service import KINDS
from tests.e2e.world import World, make_world

HOUR = 3600
DAY = 24 * HOUR
BUILTIN = "reflect-not-about-me"
BUILTIN_TEXT = "Share a time you moved from “this is about me” to “this isn't about me”. What helped the shift?"
SECOND = "What helped you hold on to peer values this week?"
THIRD = "What will you carry into next week?"
CLOSING = "One line, if you'd like: what will you take with you?"
# SimCord's clock starts on Thursday 2026-01-01 00:00 UTC. New York moves to summer time on Sunday
# 2026-03-08, between the first and second meetings of a Tuesday circle starting 2026-03-03.
START = "2026-03-03"


@pytest.fixture
async def world(simcord_env: Any) -> World:
    """A server with circles on and one allowed co-reflection channel, `world.room`."""
    w = make_world(simcord_env)
    w.room = w.guild.create_text_channel("circles")  # type: ignore[attr-defined]
    await w.mod.slash(w.general, "config feature", feature="circles", enabled=True)
    await w.mod.slash(w.general, "config facilitator-role", role=w.facilitator_role)
    await w.mod.slash(w.general, "config reflection-channel", action="add", channel=w.room)  # type: ignore[attr-defined]
    return w


async def create(world: World, actor: Any = None, **options: Any) -> Any:
    """/circle create with sensible defaults, each replaceable."""
    values = {
        "name": "Tuesday circle",
        "channel": world.room,  # type: ignore[attr-defined]
        "start": START,
        "time": "18:00",
        "cadence": "weekly",
        "prompts": f"b:{BUILTIN} | {SECOND} | {THIRD}",
        "meetings": 3,
        "zone": "America/New_York",
        "closing": CLOSING,
        **options,
    }
    values = {k: v for k, v in values.items() if v is not None}
    return await (actor or world.facilitator).slash(world.general, "circle create", **values)


async def advance(env: Any, seconds: float) -> None:
    """Move virtual time on, two days at a time: each step must settle within SimCord's timeout, and
    SimCord spends real time on every wake-up of the bot's background loops in between."""
    while seconds > 0:
        step = min(seconds, 2 * DAY)
        await env.advance_time(step)
        seconds -= step


def bot_posts(channel: Any) -> list[discord.Message]:
    """The bot's own posts (not the system line Discord adds when a thread is opened)."""
    return [m for m in channel.history() if m.author.bot and m.type is discord.MessageType.default]


def meetings(channel: Any) -> list[discord.Message]:
    """The meeting posts in a channel."""
    return [m for m in bot_posts(channel) if "is meeting now" in m.content]


def stored(env: Any, channel_id: int) -> Any:
    """SimCord's own record of a channel (thread metadata, ...)."""
    return env.backend.channels[channel_id]


def role_named(env: Any, guild_id: int, name: str) -> Any:
    """The server's role of that name, or None."""
    return next((r for r in env.backend.guilds[guild_id].roles.values() if r.name == name), None)


def member_roles(env: Any, guild_id: int, user_id: int) -> list[int]:
    """The role ids a member has, as Discord keeps them."""
    return list(env.backend.guilds[guild_id].members[user_id].role_ids)


async def circle_rows(services: Any, guild_id: int) -> list[Any]:
    """The scheduler rows of every circle kind in a server."""
    rows = await services.scheduler.repository.list_by_guild(guild_id)
    return [r for r in rows if r.kind in KINDS]
