"""A minimal feature cog used to test the feature switch in commands and listeners.

It uses exactly the mechanism real feature cogs use: `require_feature` in `interaction_check`
for commands, and `GuildSettingsService.is_enabled` at the top of listeners.
"""

from __future__ import annotations

from typing import Any, ClassVar

import discord
from discord import app_commands
from discord.ext import commands

from bot.interactions import require_feature
from bot.privacy import DataStatement
from cogs.reflection.service import FEATURE as REFLECTION


class Gated(commands.GroupCog, group_name="gated", group_description="test"):
    """Test cog."""

    DATA_STATEMENT: ClassVar[DataStatement] = DataStatement("Gated", "Nothing.", "", "", "", False)

    def __init__(self, bot: Any) -> None:
        self.bot = bot
        self.listener_runs = 0

    async def interaction_check(self, interaction: discord.Interaction) -> bool:  # type: ignore[override]
        return await require_feature(interaction, REFLECTION)

    @app_commands.command(name="ping")
    async def ping(self, interaction: discord.Interaction) -> None:
        """Answer."""
        await interaction.response.send_message("pong", ephemeral=True)

    @commands.Cog.listener()
    async def on_guild_channel_create(self, channel: discord.abc.GuildChannel) -> None:
        if not await self.bot.services.guilds.is_enabled(channel.guild.id, REFLECTION):
            return
        self.listener_runs += 1

    async def export_user_data(self, user_id: int) -> dict[str, Any]:
        return {}

    async def delete_user_data(self, user_id: int) -> dict[str, int]:
        return {}


async def setup(bot: commands.Bot) -> None:
    await bot.add_cog(Gated(bot))
