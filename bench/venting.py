"""Cost of anonymous venting against a bare discord.py bot doing the same Discord work.

    python -m bench.venting            # N = 50
    python -m bench.venting --n 200

Both bots run through SimCord in the same process, one after the other, in the same way: a slash
command opens a modal; submitting it posts a message with two buttons and starts a thread from it.
A button opens a reply modal; submitting it posts the reply into the thread. The bare bot does
exactly that and nothing else; peer-circle adds its checks, keyed hashes and database writes.
"""

from __future__ import annotations

import argparse
import asyncio
import tempfile
import time
from pathlib import Path
from typing import Any

import discord
import simcord
from discord.ext import commands

from bot.app import bot_intents
from bot.testing import SimcordClock, make_bot, make_services

TEXT = "A hard shift today; writing it down helps."


class BareReplyModal(discord.ui.Modal, title="Reply"):
    text: discord.ui.TextInput[Any] = discord.ui.TextInput(
        label="Your reply", style=discord.TextStyle.paragraph, custom_id="vent_reply_text"
    )

    async def on_submit(self, interaction: discord.Interaction[Any]) -> None:
        await interaction.response.defer(ephemeral=True, thinking=True)
        assert isinstance(interaction.message, discord.Message)
        thread = interaction.guild.get_thread(interaction.message.id)  # type: ignore[union-attr]
        assert thread is not None
        await thread.send(content="**Anon 0000**", embed=discord.Embed(description=self.text.value))
        await interaction.followup.send("Your reply is up.", ephemeral=True)


class BareButton(discord.ui.DynamicItem[discord.ui.Button[Any]], template=r"bare:(?P<action>reply|delete)"):
    def __init__(self, action: str) -> None:
        super().__init__(discord.ui.Button(label=action, custom_id=f"bare:{action}"))
        self.action = action

    @classmethod
    async def from_custom_id(cls, interaction: Any, item: Any, match: Any) -> BareButton:
        return cls(match["action"])

    async def callback(self, interaction: discord.Interaction[Any]) -> None:
        await interaction.response.send_modal(BareReplyModal())


class BareVentModal(discord.ui.Modal, title="Post"):
    post_title: discord.ui.TextInput[Any] = discord.ui.TextInput(label="Title", required=False, custom_id="vent_title")
    text: discord.ui.TextInput[Any] = discord.ui.TextInput(
        label="Text", style=discord.TextStyle.paragraph, custom_id="vent_text"
    )

    async def on_submit(self, interaction: discord.Interaction[Any]) -> None:
        await interaction.response.defer(ephemeral=True, thinking=True)
        channel = interaction.guild.get_channel(interaction.client.vent_channel_id)  # type: ignore[union-attr, attr-defined]
        assert isinstance(channel, discord.TextChannel)
        view = discord.ui.View(timeout=None)
        view.add_item(BareButton("reply"))
        view.add_item(BareButton("delete"))
        message = await channel.send(embed=discord.Embed(description=self.text.value), view=view)
        thread = await message.create_thread(name=self.post_title.value or "Anonymous post")
        await interaction.followup.send(f"Your post is up: {thread.mention}", ephemeral=True)


def bare_bot() -> discord.Client:
    """The baseline: the same Discord calls with no checks, hashes or storage."""
    # Constructed like PeerCircleBot (same intents, mentions, no help command), minus everything venting adds.
    bot = commands.Bot(
        command_prefix=commands.when_mentioned,
        intents=bot_intents(),
        allowed_mentions=discord.AllowedMentions.none(),
        help_command=None,
    )
    bot.vent_channel_id = 0  # type: ignore[attr-defined]

    @bot.tree.command(name="vent")
    async def vent(interaction: discord.Interaction[Any]) -> None:
        await interaction.response.send_modal(BareVentModal())

    async def setup_hook() -> None:
        bot.add_dynamic_items(BareButton)
        await bot.tree.sync()

    bot.setup_hook = setup_hook  # type: ignore[method-assign]
    return bot


Cost = dict[str, float]


def _clocks() -> tuple[float, float]:
    return time.perf_counter(), time.process_time()


def _per_action(start: tuple[float, float], n: int) -> Cost:
    wall, cpu = _clocks()
    return {"wall": (wall - start[0]) / n, "cpu": (cpu - start[1]) / n}


async def measure(bot: discord.Client, n: int, configure: Any) -> tuple[Cost, Cost]:
    """Wall and CPU seconds per vent and per reply for `n` members, each posting once and replying once."""
    async with simcord.run(bot) as env:
        guild = env.create_guild("Bench")
        general = guild.create_text_channel("general")
        vent_channel = guild.create_text_channel("vent")
        mod = guild.add_member(
            env.create_user("mod"), roles=[guild.create_role("M", permissions=discord.Permissions(manage_guild=True))]
        )
        await configure(env, bot, mod, general, vent_channel)
        members = [guild.add_member(env.create_user(f"member{i}")) for i in range(n)]
        start = _clocks()
        for member in members:
            shown = await member.slash(general, "vent")
            await member.submit_modal(shown, {"vent_text": TEXT})
        vent_cost = _per_action(start, n)
        posts = [m for m in vent_channel.history() if m.components]
        assert len(posts) == n and len(vent_channel.threads) == n, "not every vent was posted"
        start = _clocks()
        for member, post in zip(members, reversed(posts), strict=True):
            shown = await member.click(post, custom_id=post.components[0].children[0].custom_id)
            await member.submit_modal(shown, {"vent_reply_text": "Same here."})
        reply_cost = _per_action(start, n)
        assert sum(len(t.history()) for t in vent_channel.threads) == n, "not every reply was posted"
        return vent_cost, reply_cost


async def configure_bare(env: Any, bot: Any, mod: Any, general: Any, vent_channel: Any) -> None:
    bot.vent_channel_id = vent_channel.id


async def configure_peer_circle(env: Any, bot: Any, mod: Any, general: Any, vent_channel: Any) -> None:
    await mod.slash(general, "config feature", feature="venting", enabled=True)
    await mod.slash(general, "config vent-channel", channel=vent_channel)


async def main(n: int) -> None:
    """Run both bots and print the figures."""
    bare_vent, bare_reply = await measure(bare_bot(), n, configure_bare)
    with tempfile.TemporaryDirectory() as folder:
        services = await make_services(db_path=str(Path(folder) / "bench.db"), clock=SimcordClock())
        try:
            ours_vent, ours_reply = await measure(make_bot(services), n, configure_peer_circle)
        finally:
            await services.db.close()
    print(f"N = {n} vents and {n} replies, each through SimCord (slash/button -> modal -> post)")
    print(f"{'':22}{'bare bot':>12}{'peer-circle':>14}{'ratio':>8}")
    for kind in ("cpu", "wall"):
        for label, bare, ours in (("vent", bare_vent, ours_vent), ("reply", bare_reply, ours_reply)):
            name = f"{kind} per {label}"
            b, o = bare[kind], ours[kind]
            print(f"{name:22}{b * 1000:>9.2f} ms{o * 1000:>11.2f} ms{o / b:>7.2f}x")
    overall = (ours_vent["cpu"] + ours_reply["cpu"]) / (bare_vent["cpu"] + bare_reply["cpu"])
    print(f"overall CPU ratio: {overall:.2f}x (target: at most 3x)")
    print(
        "Wall time includes SimCord's 50 ms idle wait, which lands on handlers that answer without awaiting "
        "anything (the bare bot's modal openers); CPU time is the cost the bot itself adds."
    )


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=50, help="vents and replies to post (default 50)")
    asyncio.run(main(parser.parse_args().n))
