"""Anonymous venting (writes) against a bare discord.py bot making the same Discord calls.

    python -m bench.venting [--members 1000,10000,100000] [--n 40] [--rounds 6] [--profile]

A vent: a slash command opens a modal; submitting it posts a message with two buttons and starts a thread
from it. An anonymous reply: the reply button opens a modal; submitting it posts the reply into the thread.
The bare bot does exactly that and nothing else; ours adds its checks, keyed hashes and database writes.
Each timed action is one member's whole exchange (two interactions), by a member who has not posted yet.
See bench/harness.py for the method.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import discord
from discord.ext import commands

from bench.core import WRITE_TARGET_US, Case, cli
from bench.harness import Ctx, Side, nothing, world
from bot.app import bot_intents

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


async def bare_factory() -> tuple[discord.Client, Any, Callable[[], Awaitable[None]]]:
    """The bare venting bot."""
    return bare_bot(), None, nothing


async def _channels(ctx: Ctx) -> tuple[Any, Any, Any]:
    """The server, with venting set up on each side (ours through /config, as a moderator would)."""
    guild, general, mod = world(ctx.env)
    vent_channel = guild.create_text_channel("vent")
    if ctx.services is None:
        ctx.bot.vent_channel_id = vent_channel.id  # type: ignore[attr-defined]
    else:
        await mod.slash(general, "config feature", feature="venting", enabled=True)
        await mod.slash(general, "config vent-channel", channel=vent_channel)
    return guild, general, vent_channel


async def post_vent(member: Any, general: Any) -> None:
    """One member's vent: /vent, then the modal."""
    shown = await member.slash(general, "vent")
    await member.submit_modal(shown, {"vent_text": TEXT})


async def vent(ctx: Ctx, n: int) -> Callable[[], Awaitable[Any]]:
    """Each action: a new member posts a vent."""
    guild, general, vent_channel = await _channels(ctx)
    members = [guild.add_member(ctx.env.create_user(f"member{i}")) for i in range(n + 1)]
    done = [0]

    async def action() -> None:
        await post_vent(members[done[0]], general)
        done[0] += 1
        if done[0] == len(members):  # after the last: a scenario that silently did nothing would time nothing
            assert len([m for m in vent_channel.history() if m.components]) == done[0], "not every vent was posted"

    return action


async def vent_reply(ctx: Ctx, n: int) -> Callable[[], Awaitable[Any]]:
    """Each action: a new member replies anonymously to a different post (the posts are made untimed)."""
    guild, general, vent_channel = await _channels(ctx)
    for i in range(n + 1):
        await post_vent(guild.add_member(ctx.env.create_user(f"poster{i}")), general)
    posts = [m for m in vent_channel.history() if m.components]
    members = [guild.add_member(ctx.env.create_user(f"member{i}")) for i in range(n + 1)]
    done = [0]

    async def reply() -> None:
        member, post = members[done[0]], posts[done[0]]
        shown = await member.click(post, custom_id=post.components[0].children[0].custom_id)
        await member.submit_modal(shown, {"vent_reply_text": "Same here."})
        done[0] += 1
        if done[0] == len(members):
            assert sum(len(t.history()) for t in vent_channel.threads) == done[0], "not every reply was posted"

    return reply


CASES = [
    Case("vent post (/vent + modal)", vent, Side(bare_factory, vent), WRITE_TARGET_US),
    Case("anonymous reply (button + modal)", vent_reply, Side(bare_factory, vent_reply), WRITE_TARGET_US),
]


if __name__ == "__main__":
    cli(CASES, "Anonymous venting against a bare bot making the same Discord calls.")
