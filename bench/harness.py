"""The harness: the added cost per interaction of our bot over a bare discord.py bot making the same Discord calls.

Method (issue 14):
- Both bots run through SimCord in the same process with the same **short settle idle** (0.5 ms instead of
  SimCord's 50 ms default). With the default, SimCord's settle loop sleeps its whole idle interval whenever
  the only thing left in the loop is an already-due callback, which the bare bot leaves behind on nearly
  every action and ours rarely does; after each 50 ms sleep on a shared 2-core machine the next piece of
  work runs on cold caches and costs several times more CPU, so the bare baseline came out inflated.
- Rounds are interleaved, bare then ours then bare then ours (ABAB), each on a fresh event loop and a
  fresh SimCord environment, so machine noise that drifts over minutes hits both alike.
- Our bot runs on a file database opened by `bot.db.open_database` (WAL, synchronous=NORMAL, secure_delete:
  the production pragmas), copied per round from a template seeded with 1k/10k/100k members' rows.
- The figure that counts is the **added CPU µs per interaction**: for each pair of adjacent rounds,
  ours − bare, per interaction; reported as the median and interquartile range over the pairs. The ratio
  of the medians comes second. CPU is `time.process_time` (every thread, so aiosqlite's worker counts).
"""

from __future__ import annotations

import asyncio
import cProfile
import functools
import pstats
import statistics
import time
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import discord
import simcord
import simcord.env
from discord import app_commands
from discord.ext import commands

# SimCord's default settle idle is 50 ms; both bots get this instead (see the module docstring).
IDLE = 0.0005
ROUNDS = 6

Action = Callable[[], Awaitable[Any]]


@dataclass
class Ctx:
    """What a scenario gets: the running env, the bot, and our services (None for the bare bot)."""

    env: simcord.Env
    bot: discord.Client
    services: Any = None


# A scenario prepares everything untimed and returns the action to time (called n + 1 times: one warm-up).
Scenario = Callable[[Ctx, int], Awaitable[Action]]
# A bot factory returns the bot, its services (or None) and an async cleanup.
BotFactory = Callable[[], Awaitable[tuple[discord.Client, Any, Callable[[], Awaitable[None]]]]]


@contextmanager
def short_settle(idle: float = IDLE) -> Iterator[None]:
    """Make every SimCord settle that does not name its idle use `idle` (private API, benchmark only)."""
    original = simcord.env.Env._settle_internal

    @functools.wraps(original)
    async def patched(self: simcord.env.Env, **kwargs: Any) -> None:
        kwargs.setdefault("idle", idle)
        await original(self, **kwargs)

    simcord.env.Env._settle_internal = patched  # type: ignore[method-assign]
    try:
        yield
    finally:
        simcord.env.Env._settle_internal = original  # type: ignore[method-assign]


class BareBot(commands.Bot):
    """The read-only baseline: discord.py with one slash command answering a constant ephemeral text."""

    def __init__(self, name: str = "ping") -> None:
        super().__init__(command_prefix=commands.when_mentioned, intents=discord.Intents.default())
        self.command_name = name

    async def setup_hook(self) -> None:
        """Register the command and sync it (SimCord requires synced commands)."""

        async def answer(interaction: discord.Interaction) -> None:
            await interaction.response.send_message("constant text", ephemeral=True)

        self.tree.add_command(app_commands.Command(name=self.command_name, description="bare", callback=answer))
        await self.tree.sync()


async def nothing() -> None:
    """Cleanup for bots that hold nothing."""
    return None


async def bare_factory() -> tuple[discord.Client, Any, Callable[[], Awaitable[None]]]:
    """A bare /ping bot."""
    return BareBot(), None, nothing


@dataclass
class Side:
    """One bot and the scenario it runs."""

    factory: BotFactory
    scenario: Scenario


@dataclass
class Comparison:
    """Per-interaction CPU seconds of each round, both bots, in the order they ran."""

    label: str
    bare: list[float] = field(default_factory=list)
    ours: list[float] = field(default_factory=list)
    bare_wall: list[float] = field(default_factory=list)
    ours_wall: list[float] = field(default_factory=list)

    @property
    def added(self) -> list[float]:
        """Ours − bare for each adjacent pair of rounds, seconds per interaction."""
        return [o - b for o, b in zip(self.ours, self.bare, strict=True)]

    def added_us(self) -> tuple[float, float, float]:
        """Median, first and third quartile of the added µs per interaction."""
        values = [v * 1e6 for v in self.added]
        q1, _, q3 = statistics.quantiles(values, n=4, method="inclusive")
        return statistics.median(values), q1, q3

    @property
    def ratio(self) -> float:
        """Median ours ÷ median bare (secondary figure)."""
        return statistics.median(self.ours) / statistics.median(self.bare)


async def _round(side: Side, n: int) -> tuple[float, float]:
    bot, services, cleanup = await side.factory()
    try:
        async with simcord.run(bot) as env:
            action = await side.scenario(Ctx(env, bot, services), n)
            await action()  # warm-up: first call pays for caches and lazy imports
            cpu, wall = time.process_time(), time.perf_counter()
            for _ in range(n):
                await action()
            return (time.process_time() - cpu) / n, (time.perf_counter() - wall) / n
    finally:
        await cleanup()


def compare(label: str, ours: Side, bare: Side, *, n: int = 50, rounds: int = ROUNDS) -> Comparison:
    """Interleave `rounds` pairs of rounds (bare, ours, bare, ours, ...) with the short settle idle."""
    result = Comparison(label)
    with short_settle():
        for _ in range(rounds):
            cpu, wall = asyncio.run(_round(bare, n))
            result.bare.append(cpu)
            result.bare_wall.append(wall)
            cpu, wall = asyncio.run(_round(ours, n))
            result.ours.append(cpu)
            result.ours_wall.append(wall)
    return result


def report(result: Comparison, target_us: float | None = None) -> str:
    """One line: added µs (median, IQR), both medians, the ratio, and the target when there is one."""
    median, q1, q3 = result.added_us()
    line = (
        f"{result.label}: added {median:,.0f} µs/interaction (IQR {q1:,.0f}–{q3:,.0f}); "
        f"ours {statistics.median(result.ours) * 1e6:,.0f} µs vs bare {statistics.median(result.bare) * 1e6:,.0f} µs "
        f"→ ratio {result.ratio:.2f}"
    )
    if target_us is not None:
        line += f" (target ≤ {target_us:,.0f} µs: {'met' if median <= target_us else 'NOT met'})"
    return line


# -- where the time goes ---------------------------------------------------------------------------

PARTS = (
    ("simcord", "/simcord/"),
    ("bot/cogs", "/bot/"),
    ("bot/cogs", "/cogs/"),
    ("discord.py", "/discord/"),
    ("aiosqlite", "/aiosqlite/"),
    ("asyncio", "/asyncio/"),
)


def _part(filename: str) -> str:
    for name, marker in PARTS:
        if marker in filename:
            return name
    return "stdlib"


def split_profile(side: Side, n: int) -> dict[str, float]:
    """One round's profiled main-thread CPU per interaction (own time, seconds) by package: simcord, bot/cogs, ...

    cProfile sees the event loop's thread only: SQLite itself runs on aiosqlite's worker thread and is
    not in these fractions (its share shows up in the CPU figures instead).
    """
    # This thread's CPU clock: idle waits in the selector are not work, and aiosqlite's thread is not ours.
    profiler = cProfile.Profile(time.thread_time)

    async def profiled() -> None:
        bot, services, cleanup = await side.factory()
        try:
            async with simcord.run(bot) as env:
                action = await side.scenario(Ctx(env, bot, services), n)
                await action()
                profiler.enable()
                for _ in range(n):
                    await action()
                profiler.disable()
        finally:
            await cleanup()

    with short_settle():
        asyncio.run(profiled())
    return {name: value / n for name, value in _shares(pstats.Stats(profiler).stats).items()}  # type: ignore[attr-defined]


def _shares(stats: dict[Any, Any]) -> dict[str, float]:
    """Own time by package; a C built-in's time goes to the packages that called it, in proportion."""
    totals: dict[str, float] = {}
    for (filename, _, _), (_, _, own, _, callers) in stats.items():
        if filename != "~" or not callers:
            totals[_part(filename)] = totals.get(_part(filename), 0.0) + own
            continue
        spent = sum(c[2] for c in callers.values()) or 1.0
        for (caller_file, _, _), call in callers.items():
            totals[_part(caller_file)] = totals.get(_part(caller_file), 0.0) + own * call[2] / spent
    return dict(sorted(totals.items(), key=lambda kv: -kv[1]))


def format_split(ours: dict[str, float], bare: dict[str, float]) -> str:
    """Where the added time goes: `simcord +1,200 µs (60%), bot/cogs +300 µs (15%), ...` (profiled, so inflated)."""
    added = {name: ours.get(name, 0.0) - bare.get(name, 0.0) for name in {*ours, *bare}}
    whole = sum(added.values()) or 1.0
    parts = sorted(added.items(), key=lambda kv: -kv[1])
    return ", ".join(f"{name} {value * 1e6:+,.0f} µs ({value / whole:.0%})" for name, value in parts)


def world(env: simcord.Env) -> tuple[simcord.GuildHandle, simcord.ChannelHandle, simcord.MemberActor]:
    """A guild with a moderator, for scenarios (always the env's first guild, so its id is the same every round)."""
    guild = env.create_guild("Bench")
    channel = guild.create_text_channel("general")
    role = guild.create_role("Mods", permissions=discord.Permissions(manage_guild=True))
    member = guild.add_member(env.create_user("mod"), roles=[role])
    return guild, channel, member
