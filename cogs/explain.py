"""/explain: "what peer support is and is not", short or one page, to copy and share with coworkers.

Its own cog rather than part of /strategy: it is something to share with people outside the
community, works whether or not Strategies is on, and moderators replace its text with
/explain-manage. The text comes from content/explain.toml unless the server set its own.
"""

from __future__ import annotations

from typing import ClassVar

import discord
from discord import app_commands
from discord.ext import commands

from bot.app import PeerCircleBot
from bot.interactions import require_moderator, services
from bot.library.service import EXPLAIN_LONG_MAX, EXPLAIN_SHORT_MAX
from bot.privacy import DataStatement, StoresNothing
from bot.services.help_tips import Tip, register_tip

# What /help suggests for this feature (bot.services.help_tips).
register_tip(Tip("member", 80, None, "explain", "what peer support is and is not, to copy and share with coworkers"))


Interaction = discord.Interaction[PeerCircleBot]
LENGTHS = [app_commands.Choice(name="short", value="short"), app_commands.Choice(name="one page", value="long")]


class ExplainCog(StoresNothing, commands.Cog):
    """/explain and /explain-manage."""

    DATA_STATEMENT: ClassVar[DataStatement] = DataStatement(
        feature="Explainer",
        what="Nothing about you. Reading it is not recorded; who changed the server's text is not kept.",
        why="",
        who_can_see="",
        how_long="",
        stores_personal_data=False,
    )

    manage = app_commands.Group(
        name="explain-manage",
        description="Moderators: this server's own /explain text",
        guild_only=True,
        default_permissions=discord.Permissions(manage_guild=True),
    )

    def __init__(self, bot: PeerCircleBot) -> None:
        self.bot = bot

    @app_commands.command(name="explain")
    @app_commands.guild_only()
    @app_commands.describe(length="Short, or one page")
    @app_commands.choices(length=LENGTHS)
    async def explain(self, interaction: Interaction, length: app_commands.Choice[str] | None = None) -> None:
        """What peer support is and is not, to copy and share with coworkers."""
        assert interaction.guild_id is not None
        short, long, custom = await services(interaction).entries.explain(interaction.guild_id)
        text = long if length is not None and length.value == "long" else short
        origin = "this server's own text" if custom else "the bot's shared text"
        # A code block keeps the text easy to copy exactly, whatever Markdown it contains.
        body = text.replace("```", "'''")
        message = f"```\n{body}\n```\n-# From {origin}. Copy and share it freely."
        await interaction.response.send_message(message[:2000], ephemeral=True)

    @manage.command(name="set")
    @app_commands.describe(short="A short version", one_page="A one-page version")
    async def set_text(
        self,
        interaction: Interaction,
        short: app_commands.Range[str, 1, EXPLAIN_SHORT_MAX] | None = None,
        one_page: app_commands.Range[str, 1, EXPLAIN_LONG_MAX] | None = None,
    ) -> None:
        """Replace the short and/or one-page text with this server's own."""
        assert interaction.guild_id is not None
        await require_moderator(interaction)
        if short is None and one_page is None:
            await interaction.response.send_message("Give a short text, a one-page text, or both.", ephemeral=True)
            return
        await services(interaction).entries.set_explain(interaction.guild_id, short, one_page)
        await interaction.response.send_message("Saved. /explain now shows this server's text.", ephemeral=True)

    @manage.command(name="reset")
    async def reset(self, interaction: Interaction) -> None:
        """Go back to the bot's shared text."""
        assert interaction.guild_id is not None
        await require_moderator(interaction)
        await services(interaction).entries.reset_explain(interaction.guild_id)
        await interaction.response.send_message("/explain shows the bot's shared text again.", ephemeral=True)


async def setup(bot: PeerCircleBot) -> None:
    """Add the cog."""
    await bot.add_cog(ExplainCog(bot))
