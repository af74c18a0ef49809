"""Check-ins at scale: 10,000 members due in the same minute, through SimCord.

Two figures:
- the bot's own CPU per DM (scheduler claim, plan lookup, prompt pick, queue, send with four
  buttons) against a bare discord.py bot sending the same 10,000 DMs with the same buttons, both
  through SimCord in the same run (CPU time, for the reasons in bench/harness.py);
- the modelled time to deliver all of them under the real rate limit: the DeliveryQueue's token
  bucket (49 requests/s, cost 2 per DM because every DM channel must be opened) running
  on a virtual clock, so the benchmark measures the model instead of waiting for it.

Run: `.venv/bin/python -m bench.checkins [members] [--split]` (10,000 by default; `--split` reruns both
bots with SimCord's settle bookkeeping metered separately).
"""

from __future__ import annotations

import asyncio
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import discord
import simcord
import simcord.env
from discord import app_commands
from discord.ext import commands

from bot.clock import to_timestamp
from bot.content.store import load_content
from bot.delivery.dm import DmSender
from bot.delivery.queue import DEFAULT_RATE, DeliveryQueue, DeliveryStats
from bot.delivery.repository import DmChannelRepository
from bot.scheduling.recurrence import Recurrence
from bot.testing import SimcordClock, make_bot, make_services

MEMBERS = 10_000
# Requests per DM when every DM channel must be opened first (the first wave; bench/dm_fanout.py models the rest).
COST_NEW_CHANNEL = 2.0
TEXT = "Your check-in from **Bench**:\n> a prompt\n\nAnswer if you'd like, or let it pass."


class ModelClock:
    """Virtual seconds for the token bucket: sleeping moves the clock instead of waiting."""

    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        """The modelled time."""
        return self.now

    async def sleep(self, seconds: float) -> None:
        """Advance modelled time and yield once."""
        self.now += seconds
        await asyncio.sleep(0)


async def seed(services: Any, guild_id: int, user_ids: list[int], due: int) -> None:
    """Give every member a daily check-in plan due at `due` (one transaction, like a busy 09:00)."""
    db = services.db
    now = to_timestamp(services.clock.now())
    rule = Recurrence.daily((0, 1), "UTC").to_json()
    async with db.transaction():
        await db.execute("INSERT OR IGNORE INTO guilds (guild_id, joined_at) VALUES (?, ?)", (guild_id, now))
        await db.executemany(
            "INSERT INTO schedules (id, guild_id, kind, owner_id, target, recurrence, next_run_at, paused, created_at,"
            " expires_at) VALUES (?, ?, 'checkin', ?, '{}', ?, ?, 0, ?, ?)",
            [(n + 1, guild_id, uid, rule, due, now, now + 86400 * 365) for n, uid in enumerate(user_ids)],
        )
        await db.executemany(
            "INSERT INTO checkin_plans (guild_id, user_id, schedule_id, cadence, days, at_minute, timezone,"
            " prompt_set, keep_days, paused_until, dm_closed, created_at, expires_at)"
            " VALUES (?, ?, ?, 'daily', '', 1, 'UTC', 'daily', 0, NULL, 0, ?, ?)",
            [(guild_id, uid, n + 1, now, now + 86400 * 365) for n, uid in enumerate(user_ids)],
        )


async def ours(count: int) -> dict[str, float]:
    """The real bot: seed `count` due plans, let the scheduler fire them, time until all are sent."""
    services = await make_services(clock=SimcordClock(), content=load_content())
    bot = make_bot(services)
    model = ModelClock()
    try:
        async with simcord.run(bot, settle_timeout=3600) as env:
            guild = env.create_guild("Bench")
            users = [env.create_user(f"m{n}") for n in range(count)]
            await seed(services, guild.id, [u.id for u in users], to_timestamp(env.now()) + 60)
            sender = DmSender(bot, channels=DmChannelRepository(services.db), clock=model, sleep=model.sleep)
            bot.use_dm_sender(sender)
            services.scheduler.wake()  # rows written behind its back: make it re-read the earliest due time
            cpu, wall = time.process_time(), time.perf_counter()
            await env.advance_time(120)
            cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
            stats = sender.queue.stats()
            assert stats.sent == count, stats
    finally:
        await services.db.close()
    return {
        "cpu": cpu,
        "wall": wall,
        "modelled": model.now,
        "sent": float(stats.sent),
    }


async def modelled_delivery(count: int) -> tuple[float, DeliveryStats]:
    """Run the real DeliveryQueue on the virtual clock alone: `count` DMs at cost 2, all due at once.

    No simulator and no Discord: `send` does nothing, so the only thing that takes (modelled) time
    is the token bucket. This is the figure for "how long would the real rate limit take".
    """
    model = ModelClock()

    async def send(item: int) -> None:
        return None

    queue: DeliveryQueue[int] = DeliveryQueue(
        send, burst=COST_NEW_CHANNEL, maxsize=count, clock=model, sleep=model.sleep
    )
    for n in range(count):
        queue.submit_nowait(n, cost=COST_NEW_CHANNEL)
    queue.start()
    await queue.join()
    await queue.stop()
    stats = queue.stats()
    assert stats.sent == count, stats
    return model.now, stats


LABELS = ("Answer", "Not today", "Pause for a week", "Stop")
STYLES = (
    discord.ButtonStyle.primary,
    discord.ButtonStyle.secondary,
    discord.ButtonStyle.secondary,
    discord.ButtonStyle.danger,
)


class BareButton(discord.ui.DynamicItem[discord.ui.Button[Any]], template=r"bare:(?P<n>[0-3]):(?P<uid>[0-9]{1,20})"):
    """The bare bot's buttons, DynamicItems like ours (see `BareDMBot` for why that matters)."""

    def __init__(self, n: int, uid: int) -> None:
        super().__init__(discord.ui.Button(label=LABELS[n], style=STYLES[n], custom_id=f"bare:{n}:{uid}"))

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction[Any], item: discord.ui.Item[Any], match: Any
    ) -> BareButton:
        """Rebuild from the custom id (never pressed in the benchmark)."""
        return cls(int(match["n"]), int(match["uid"]))


class BareDMBot(commands.Bot):
    """The baseline: discord.py sending the same DMs in a loop, no database, no queue.

    Its four buttons are DynamicItems, as ours are. With plain `Button(custom_id=...)` views,
    discord.py keeps every sent view in its view store, and SimCord's settle loop scans that whole
    store for each pending task on each turn, so the bare bot's cost per DM grew with the DMs
    already sent (quadratic in total) while ours, whose views are fully dynamic, did not.
    """

    def __init__(self, user_ids: list[int]) -> None:
        super().__init__(command_prefix=commands.when_mentioned, intents=discord.Intents.default())
        self.user_ids = user_ids

    async def setup_hook(self) -> None:
        """One command that sends every DM (SimCord requires synced commands)."""
        self.add_dynamic_items(BareButton)

        async def send_all(interaction: discord.Interaction) -> None:
            await interaction.response.send_message("sending", ephemeral=True)
            for uid in self.user_ids:
                view = discord.ui.View(timeout=None)
                for n in range(len(LABELS)):
                    view.add_item(BareButton(n, uid))
                channel = await self.create_dm(discord.Object(uid))
                await channel.send(TEXT, view=view)

        self.tree.add_command(app_commands.Command(name="send", description="bare", callback=send_all))
        await self.tree.sync()


async def bare(count: int) -> dict[str, float]:
    """The bare bot sending `count` DMs from one command."""
    user_ids: list[int] = []
    bot = BareDMBot(user_ids)
    async with simcord.run(bot, settle_timeout=3600) as env:
        guild = env.create_guild("Bench")
        channel = guild.create_text_channel("general")
        actor = guild.add_member(env.create_user("trigger"))
        user_ids.extend(env.create_user(f"m{n}").id for n in range(count))
        cpu, wall = time.process_time(), time.perf_counter()
        await actor.slash(channel, "send")
        cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
    return {"cpu": cpu, "wall": wall}


# SimCord's settle-loop bookkeeping, as called from Env._settle_internal (private names, diagnostic only).
SETTLE_HELPERS = (
    "_run_due_virtual_callbacks",
    "_owned_tasks",
    "_active_callbacks",
    "_virtualize_recognized_waits",
    "_is_parked",
    "_callback_is_parked",
)


@contextmanager
def settle_meter() -> Iterator[list[float]]:
    """Count CPU spent in SimCord's settle bookkeeping while inside (for `--split`; adds some overhead).

    Settling inspects every pending bot task on every loop turn, so a bot with many concurrent tasks
    (our scheduler dispatches a batch of due rows at once) pays the simulator more than a bot with
    one sequential loop. This separates that from everything else.
    """
    spent = [0.0]
    originals = {name: getattr(simcord.env, name) for name in SETTLE_HELPERS}

    def metered(original: Callable[..., Any]) -> Callable[..., Any]:
        def call(*args: Any, **kwargs: Any) -> Any:
            started = time.process_time()
            try:
                return original(*args, **kwargs)
            finally:
                spent[0] += time.process_time() - started

        return call

    for name, original in originals.items():
        setattr(simcord.env, name, metered(original))
    try:
        yield spent
    finally:
        for name, original in originals.items():
            setattr(simcord.env, name, original)


def split(count: int) -> None:
    """Print each bot's CPU per DM with SimCord's settle bookkeeping separated out."""
    rest: dict[str, float] = {}
    for label, run in (("bare", bare), ("ours", ours)):
        with settle_meter() as spent:
            result = asyncio.run(run(count))
        rest[label] = result["cpu"] - spent[0]
        print(
            f"  {label}: {result['cpu'] / count * 1e6:,.0f} µs CPU/DM, of which SimCord settle bookkeeping "
            f"{spent[0] / count * 1e6:,.0f} µs, everything else {rest[label] / count * 1e6:,.0f} µs"
        )
    print(f"  ratio without the settle bookkeeping: {rest['ours'] / rest['bare']:.2f}")


def main(argv: list[str] | None = None) -> None:
    """Print the figures for `count` members (default 10,000)."""
    args = sys.argv[1:] if argv is None else argv
    with_split = "--split" in args
    numbers = [arg for arg in args if arg != "--split"]
    count = int(numbers[0]) if numbers else MEMBERS
    started = time.perf_counter()
    base = asyncio.run(bare(count))
    mine = asyncio.run(ours(count))
    modelled, stats = asyncio.run(modelled_delivery(count))
    total = time.perf_counter() - started
    ratio = mine["cpu"] / base["cpu"]
    print(
        f"check-in DMs, {count:,} members due at once: {mine['cpu'] / count * 1e6:,.0f} µs CPU/DM vs bare "
        f"{base['cpu'] / count * 1e6:,.0f} µs → ratio {ratio:.2f} (target ≤ 2: {'met' if ratio <= 2 else 'NOT met'}); "
        f"wall {mine['wall']:.1f} s vs {base['wall']:.1f} s"
    )
    print(
        f"modelled delivery under the real limit ({DEFAULT_RATE:g} req/s, burst {COST_NEW_CHANNEL:g}, "
        f"{COST_NEW_CHANNEL:g} requests per DM as every DM channel is new): DeliveryQueue alone "
        f"{modelled:,.1f} s ({modelled / 60:.1f} min) for {stats.sent:,} DMs, lateness p50 {stats.p50 or 0:,.1f} s, "
        f"p99 {stats.p99 or 0:,.1f} s; the same queue inside the SimCord run: {mine['modelled']:,.1f} s "
        f"for {int(mine['sent']):,} DMs"
    )
    print(f"wall time of the whole benchmark: {total:.1f} s")
    if with_split:
        print("second run of both bots, SimCord's settle bookkeeping metered (--split):")
        split(count)


if __name__ == "__main__":
    main()
