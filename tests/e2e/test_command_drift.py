"""The start-up comparison of published slash commands with the code's, against SimCord's application."""

from __future__ import annotations

import discord
from discord import app_commands

from bot.command_drift import command_drift


async def test_no_difference_right_after_a_sync(simcord_env, simcord_bot):
    assert await command_drift(simcord_bot) == []


async def test_new_removed_and_changed_commands_are_named(simcord_env, simcord_bot):
    async def extra(interaction: discord.Interaction) -> None:
        """Not published yet."""

    tree = simcord_bot.tree
    tree.add_command(app_commands.Command(name="extra", description="Not published yet", callback=extra))
    tree.remove_command("resources")
    vent = tree.get_command("vent")
    assert vent is not None
    vent.description = "Worded differently in the new version"
    assert await command_drift(simcord_bot) == ["new /extra", "removed /resources", "changed /vent"]
