"""/strategy-week: moderators choose a channel, day and time for the strategy of the week."""

from __future__ import annotations

from typing import ClassVar

import discord
from discord import app_commands
from discord.ext import commands

from bot.app import PeerCircleBot
from bot.errors import UserFacingError
from bot.interactions import ModeratorFeatureGate, feature, missing_permissions
from bot.privacy import DataStatement, StoresNothing
from bot.scheduling.recurrence import describe
from cogs.strategies.jobs import WEEK_PERMISSIONS
from cogs.strategies.reminders import WEEKDAYS, ReminderService
from cogs.strategies.service import FEATURE

Interaction = discord.Interaction[PeerCircleBot]


@app_commands.guild_only()
@app_commands.default_permissions(manage_guild=True)
class StrategyWeekCog(
    ModeratorFeatureGate,
    StoresNothing,
    commands.GroupCog,
    group_name="strategy-week",
    group_description="Moderators: a strategy card posted every week",
):
    """The server's strategy of the week."""

    GATE_FEATURE = FEATURE

    DATA_STATEMENT: ClassVar[DataStatement] = DataStatement.nothing(
        "Strategy of the week",
        "Nothing about you: the channel, day and time belong to the server, and who set them is not recorded.",
    )

    def __init__(self, bot: PeerCircleBot) -> None:
        self.bot = bot

    @app_commands.command(name="set")
    @app_commands.describe(channel="Where to post", day="Which day", time="Server time, for example 10:00")
    @app_commands.choices(day=[app_commands.Choice(name=d, value=i) for i, d in enumerate(WEEKDAYS)])
    async def set_week(
        self,
        interaction: Interaction,
        channel: discord.TextChannel,
        day: app_commands.Choice[int],
        time: app_commands.Range[str, 1, 20] = "10:00",
    ) -> None:
        """Post one strategy card in a channel every week (replaces an earlier choice)."""
        assert interaction.guild_id is not None
        missing = missing_permissions(channel, WEEK_PERMISSIONS)
        if missing:
            raise UserFacingError(
                f"I can't post in {channel.mention}: I'm missing {', '.join(missing)}. Nothing was changed."
            )
        row = await feature(interaction, ReminderService).set_week(interaction.guild_id, channel.id, day.value, time)
        await interaction.response.send_message(
            f"The strategy of the week will be posted in {channel.mention} {describe(row.recurrence)}.", ephemeral=True
        )

    @app_commands.command(name="stop")
    async def stop_week(self, interaction: Interaction) -> None:
        """Stop posting the strategy of the week."""
        assert interaction.guild_id is not None
        stopped = await feature(interaction, ReminderService).stop_week(interaction.guild_id)
        text = "The strategy of the week is stopped." if stopped else "There was no strategy of the week set."
        await interaction.response.send_message(text, ephemeral=True)
