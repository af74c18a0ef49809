"""A small harness: time N interactions of the bot through SimCord against a bare discord.py bot.

Both bots answer through the same simulator in the same process, alternating rounds, so machine
noise hits both alike; we report medians of per-round costs and their ratio. Each round gets a fresh
event loop, because SimCord allows one live environment per loop.

Cost is CPU time (`time.process_time`, all threads of the process, so aiosqlite's worker thread
counts) rather than wall time: SimCord's settling sometimes idles up to 50 ms waiting for the loop to
go quiet, and that wait says nothing about either bot. Wall time is reported beside it.
"""

from __future__ import annotations

import asyncio
import statistics
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import discord
import simcord
from discord import app_commands
from discord.ext import commands

# A scenario gets the running env and returns one action to time (called `n` times per round).
Setup = Callable[[simcord.Env], Awaitable[Callable[[], Awaitable[Any]]]]
BotFactory = Callable[[], Awaitable[tuple[discord.Client, Callable[[], Awaitable[None]]]]]


class BareBot(commands.Bot):
    """The baseline: discord.py with one slash command answering a constant text."""

    def __init__(self, name: str = "ping") -> None:
        super().__init__(command_prefix=commands.when_mentioned, intents=discord.Intents.default())
        self.command_name = name

    async def setup_hook(self) -> None:
        """Register the command and sync it (SimCord requires synced commands)."""

        async def answer(interaction: discord.Interaction) -> None:
            await interaction.response.send_message("constant text", ephemeral=True)

        self.tree.add_command(app_commands.Command(name=self.command_name, description="bare", callback=answer))
        await self.tree.sync()


async def bare_factory() -> tuple[discord.Client, Callable[[], Awaitable[None]]]:
    """A bare bot with nothing to clean up."""

    async def nothing() -> None:
        return None

    return BareBot(), nothing


@dataclass
class Result:
    """Seconds per action for one bot over several rounds (CPU and wall)."""

    label: str
    per_action: list[float]
    wall: list[float]

    @property
    def median(self) -> float:
        """Median of the rounds' per-action CPU cost."""
        return statistics.median(self.per_action)

    @property
    def wall_median(self) -> float:
        """Median of the rounds' per-action wall time."""
        return statistics.median(self.wall)


async def _round(factory: BotFactory, setup: Setup, n: int) -> tuple[float, float]:
    bot, cleanup = await factory()
    try:
        async with simcord.run(bot) as env:
            action = await setup(env)
            await action()  # warm-up: first call pays for caches and lazy imports
            cpu, wall = time.process_time(), time.perf_counter()
            for _ in range(n):
                await action()
            return (time.process_time() - cpu) / n, (time.perf_counter() - wall) / n
    finally:
        await cleanup()


def compare(
    label: str, ours: tuple[BotFactory, Setup], bare: tuple[BotFactory, Setup], *, n: int = 200, rounds: int = 5
) -> tuple[Result, Result]:
    """Alternate rounds of the bare bot and ours; return both results."""
    mine = Result(label, [], [])
    base = Result("bare discord.py", [], [])
    for _ in range(rounds):
        for result, (factory, setup) in ((base, bare), (mine, ours)):
            cpu, wall = asyncio.run(_round(factory, setup, n))
            result.per_action.append(cpu)
            result.wall.append(wall)
    return mine, base


def report(mine: Result, base: Result, target: float | None = None) -> str:
    """One line: costs in microseconds and the ratio (with the target when there is one)."""
    ratio = mine.median / base.median
    line = (
        f"{mine.label}: {mine.median * 1e6:,.0f} µs CPU/action vs bare {base.median * 1e6:,.0f} µs "
        f"→ ratio {ratio:.2f} (wall: {mine.wall_median * 1e6:,.0f} vs {base.wall_median * 1e6:,.0f} µs)"
    )
    if target is not None:
        line += f" (target ≤ {target:g}: {'met' if ratio <= target else 'NOT met'})"
    return line


def world(env: simcord.Env) -> tuple[simcord.GuildHandle, simcord.ChannelHandle, simcord.MemberActor]:
    """A guild with a moderator, for scenarios."""
    guild = env.create_guild("Bench")
    channel = guild.create_text_channel("general")
    role = guild.create_role("Mods", permissions=discord.Permissions(manage_guild=True))
    member = guild.add_member(env.create_user("mod"), roles=[role])
    return guild, channel, member
