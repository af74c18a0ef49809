"""Check-in answers and good moments (writes) against a bare discord.py bot making the same Discord calls.

    python -m bench.checkins [--members 1000,10000,100000] [--n 40] [--rounds 6] [--profile]

- Check-in answer: a member presses Answer under a check-in prompt in their DMs (the button opens a modal)
  and submits it; ours keeps the answer encrypted (the member chose to keep answers for 30 days). The
  prompts are sent untimed before the round: ours through its real scheduler and delivery queue, the
  bare bot from one command, with the same four buttons.
- Good moment: `/moment add` opens a modal; submitting it keeps the moment encrypted (ours: the member has
  turned the log on) and answers privately.

The fan-out of thousands of check-in DMs at once (CPU per DM, modelled delivery time) is measured in
bench/dm_fanout.py. See bench/harness.py for the method.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

import discord
from discord import app_commands
from discord.ext import commands

from bench.core import WRITE_TARGET_US, Case, cli
from bench.harness import Ctx, Side, nothing, world
from bot.clock import to_timestamp
from bot.delivery.dm import DmSender
from bot.delivery.repository import DmChannelRepository
from bot.scheduling.recurrence import Recurrence

ANSWER = "Tired, but the group call helped."
MOMENT = "A coworker asked how peer support works and really listened."
LABELS = ("Answer", "Not today", "Pause for a week", "Stop")
STYLES = (
    discord.ButtonStyle.primary,
    discord.ButtonStyle.secondary,
    discord.ButtonStyle.secondary,
    discord.ButtonStyle.danger,
)


class ModelClock:
    """Virtual seconds for the delivery queue's token bucket: sleeping moves the clock instead of waiting."""

    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        """The modelled time."""
        return self.now

    async def sleep(self, seconds: float) -> None:
        """Advance modelled time and yield once."""
        self.now += seconds
        await asyncio.sleep(0)


class BareAnswerModal(discord.ui.Modal, title="Your check-in"):
    answer: discord.ui.TextInput[Any] = discord.ui.TextInput(
        label="Your answer", style=discord.TextStyle.paragraph, custom_id="checkin-answer"
    )

    async def on_submit(self, interaction: discord.Interaction[Any]) -> None:
        await interaction.response.send_message("Kept.", ephemeral=True)


class BareButton(discord.ui.DynamicItem[discord.ui.Button[Any]], template=r"bare:(?P<n>[0-3]):(?P<uid>[0-9]{1,20})"):
    """The bare bot's four buttons under a prompt; Answer opens the modal."""

    def __init__(self, n: int, uid: int) -> None:
        super().__init__(discord.ui.Button(label=LABELS[n], style=STYLES[n], custom_id=f"bare:{n}:{uid}"))

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction[Any], item: discord.ui.Item[Any], match: Any
    ) -> BareButton:
        """Rebuild from the custom id."""
        return cls(int(match["n"]), int(match["uid"]))

    async def callback(self, interaction: discord.Interaction[Any]) -> None:
        """Every press opens the answer modal (only Answer is pressed here)."""
        await interaction.response.send_modal(BareAnswerModal())


class BareMomentModal(discord.ui.Modal, title="A good moment"):
    text: discord.ui.TextInput[Any] = discord.ui.TextInput(
        label="What happened", style=discord.TextStyle.paragraph, custom_id="moment-text"
    )

    async def on_submit(self, interaction: discord.Interaction[Any]) -> None:
        await interaction.response.send_message("Kept.", ephemeral=True)


class BareBot(commands.Bot):
    """The baseline: `/send` DMs a prompt with four buttons to each listed user; `/moment add` opens a modal."""

    def __init__(self) -> None:
        super().__init__(command_prefix=commands.when_mentioned, intents=discord.Intents.default())
        self.user_ids: list[int] = []

    async def setup_hook(self) -> None:
        """Register the commands and the buttons, and sync (SimCord requires synced commands)."""
        self.add_dynamic_items(BareButton)

        async def send_all(interaction: discord.Interaction) -> None:
            await interaction.response.send_message("sending", ephemeral=True)
            for uid in self.user_ids:
                view = discord.ui.View(timeout=None)
                for n in range(len(LABELS)):
                    view.add_item(BareButton(n, uid))
                channel = await self.create_dm(discord.Object(uid))
                await channel.send("Your check-in from **Bench**:\n> a prompt", view=view)

        async def add_moment(interaction: discord.Interaction) -> None:
            await interaction.response.send_modal(BareMomentModal())

        moment = app_commands.Group(name="moment", description="bare")
        moment.add_command(app_commands.Command(name="add", description="bare", callback=add_moment))
        self.tree.add_command(moment)
        self.tree.add_command(app_commands.Command(name="send", description="bare", callback=send_all))
        await self.tree.sync()


async def bare_factory() -> tuple[discord.Client, Any, Callable[[], Awaitable[None]]]:
    """The bare check-in bot."""
    return BareBot(), None, nothing


async def _plan_checkins(ctx: Ctx, guild_id: int, user_ids: list[int]) -> None:
    """Give each acting member a daily check-in due in a minute, answers kept 30 days (as /checkin start would)."""
    db, now = ctx.services.db, to_timestamp(ctx.env.now())
    rule = Recurrence.daily((0, 1), "UTC").to_json()
    for uid in user_ids:
        schedule_id = await db.insert(
            "INSERT INTO schedules (guild_id, kind, owner_id, target, recurrence, next_run_at, paused, created_at,"
            " expires_at) VALUES ($1, 'checkin', $2, '{}', $3, $4, 0, $5, $6) RETURNING id",
            (guild_id, uid, rule, now + 60, now, now + 86400 * 365),
        )
        await db.execute(
            "INSERT INTO checkin_plans (guild_id, user_id, schedule_id, cadence, days, at_minute, timezone,"
            " prompt_set, keep_days, paused_until, dm_closed, created_at, expires_at)"
            " VALUES (?, ?, ?, 'daily', '', 1, 'UTC', 'daily', 30, NULL, 0, ?, ?)",
            (guild_id, uid, schedule_id, now, now + 86400 * 365),
        )


async def _send_prompts(ctx: Ctx, guild: Any, channel: Any, members: list[Any]) -> None:
    """Untimed: each acting member gets a check-in prompt in their DMs."""
    ids = [m.id for m in members]
    if ctx.services is None:
        ctx.bot.user_ids.extend(ids)  # type: ignore[attr-defined]
        await members[0].slash(channel, "send")
        return
    await _plan_checkins(ctx, guild.id, ids)
    model = ModelClock()  # the rate limit's waits on a virtual clock: the prompts are set-up, not timed
    sender = DmSender(ctx.bot, channels=DmChannelRepository(ctx.services.db), clock=model, sleep=model.sleep)
    ctx.bot.use_dm_sender(sender)  # type: ignore[attr-defined]
    ctx.services.scheduler.wake()  # rows written behind its back: re-read the earliest due time
    await ctx.env.advance_time(120)


async def _check_kept(ctx: Ctx, table: str, members: list[Any]) -> None:
    """After the last action: ours kept one row per acting member (a scenario that did nothing would time nothing)."""
    if ctx.services is None:
        return
    marks = ",".join("?" * len(members))
    kept = await ctx.services.db.fetchval(
        f"SELECT count(*) FROM {table} WHERE user_id IN ({marks})",
        [m.id for m in members],
    )
    assert kept == len(members), f"{kept} of {len(members)} kept in {table}"


async def checkin_answer(ctx: Ctx, n: int) -> Callable[[], Awaitable[Any]]:
    """Each action: a member presses Answer under their prompt and submits the modal."""
    guild, channel, _ = world(ctx.env)
    members = [guild.add_member(ctx.env.create_user(f"member{i}")) for i in range(n + 1)]
    await _send_prompts(ctx, guild, channel, members)
    prompts = [m.user.dm_channel.history()[-1] for m in members]
    assert all(p.components for p in prompts), "a prompt arrived without its buttons"
    done = [0]

    async def action() -> None:
        who, prompt = members[done[0]].user, prompts[done[0]]
        shown = await who.click(prompt, label="Answer")
        await who.submit_modal(shown, {"checkin-answer": ANSWER})
        done[0] += 1
        if done[0] == len(members):
            await _check_kept(ctx, "checkin_answers", members)

    return action


async def moment(ctx: Ctx, n: int) -> Callable[[], Awaitable[Any]]:
    """Each action: a member with the log turned on runs /moment add and submits the modal."""
    guild, channel, _ = world(ctx.env)
    members = [guild.add_member(ctx.env.create_user(f"member{i}")) for i in range(n + 1)]
    if ctx.services is not None:
        now = to_timestamp(ctx.env.now())
        await ctx.services.db.executemany(
            "INSERT INTO moment_settings (guild_id, user_id, keep_days, lookback_schedule_id, dm_closed, created_at,"
            " expires_at) VALUES (?, ?, 90, NULL, 0, ?, ?)",
            [(guild.id, m.id, now, now + 86400 * 90) for m in members],
        )
    done = [0]

    async def action() -> None:
        member = members[done[0]]
        shown = await member.slash(channel, "moment add")
        assert shown.modal is not None, "the moment modal did not open"
        await member.submit_modal(shown, {"moment-text": MOMENT})
        done[0] += 1
        if done[0] == len(members):
            await _check_kept(ctx, "moments", members)

    return action


CASES = [
    Case("check-in answer (button + modal)", checkin_answer, Side(bare_factory, checkin_answer), WRITE_TARGET_US),
    Case("good moment (/moment add + modal)", moment, Side(bare_factory, moment), WRITE_TARGET_US),
]


if __name__ == "__main__":
    cli(CASES, "Check-in answers and good moments against a bare bot making the same Discord calls.")
