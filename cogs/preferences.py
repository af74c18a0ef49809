"""/preferences: a member's own time zone and quiet hours, used by every feature that DMs them."""

from __future__ import annotations

from typing import Any, ClassVar

import discord
from discord import app_commands
from discord.ext import commands

from bot.app import PeerCircleBot
from bot.interactions import services
from bot.privacy import DataStatement
from bot.services import timezones
from bot.services.preferences import PREFERENCES_TTL

Interaction = discord.Interaction[PeerCircleBot]


def _minutes(value: int | None) -> str:
    return "–" if value is None else f"{value // 60:02d}:{value % 60:02d}"


@app_commands.guild_only()
class PreferencesCog(commands.GroupCog, group_name="preferences", group_description="Your time zone and quiet hours"):
    """A member's own preferences; nobody else can see or change them."""

    DATA_STATEMENT: ClassVar[DataStatement] = DataStatement(
        feature="Preferences",
        what="Your time zone and quiet hours, only if you set them.",
        why="So direct messages you asked for arrive at times that suit you.",
        who_can_see="Nobody but you.",
        how_long=f"{PREFERENCES_TTL.days} days after you last set them, or until /preferences clear.",
        tables=("member_preferences",),
    )

    def __init__(self, bot: PeerCircleBot) -> None:
        self.bot = bot

    @app_commands.command(name="timezone")
    @app_commands.describe(name="A region/city name such as Europe/London")
    async def timezone(self, interaction: Interaction, name: app_commands.Range[str, 1, 64]) -> None:
        """Set your own time zone (otherwise the server's is used)."""
        assert interaction.guild_id is not None
        zone = await services(interaction).preferences.set_timezone(interaction.guild_id, interaction.user.id, name)
        await interaction.response.send_message(
            f"Your time zone is now {zone}. /preferences clear removes it.", ephemeral=True
        )

    @timezone.autocomplete("name")
    async def _timezone_complete(self, interaction: Interaction, current: str) -> list[app_commands.Choice[str]]:
        return [app_commands.Choice(name=z, value=z) for z in timezones.autocomplete(current)]

    @app_commands.command(name="show")
    async def show(self, interaction: Interaction) -> None:
        """See your preferences in this server."""
        assert interaction.guild_id is not None
        svc = services(interaction)
        config = await svc.guilds.get(interaction.guild_id)
        prefs = await svc.preferences.effective(interaction.guild_id, interaction.user.id, config.timezone)
        if not prefs.stored:
            text = f"You haven't set any preferences. I use the server's time zone ({config.timezone})."
        else:
            quiet = (
                "none" if prefs.quiet_start is None else f"{_minutes(prefs.quiet_start)} to {_minutes(prefs.quiet_end)}"
            )
            text = f"Time zone: {prefs.timezone}\nQuiet hours: {quiet}"
        await interaction.response.send_message(text, ephemeral=True)

    @app_commands.command(name="clear")
    async def clear(self, interaction: Interaction) -> None:
        """Remove your preferences in this server."""
        assert interaction.guild_id is not None
        removed = await services(interaction).preferences.clear(interaction.user.id, interaction.guild_id)
        text = "Your preferences here are removed." if removed else "You had no preferences stored here."
        await interaction.response.send_message(text, ephemeral=True)

    async def export_user_data(self, user_id: int) -> dict[str, Any]:
        """The member's preferences in every server."""
        return {"preferences": await self.bot.services.preferences.export(user_id)}

    async def delete_user_data(self, user_id: int) -> dict[str, int]:
        """Erase the member's preferences everywhere."""
        return {"preferences": await self.bot.services.preferences.clear(user_id)}


async def setup(bot: PeerCircleBot) -> None:
    """Add the cog."""
    await bot.add_cog(PreferencesCog(bot))
