"""/support: the options moderators set up and members who volunteered, with a fixed statement that
the bot never contacts or reports anyone. Nothing is recorded about who asked.

Discord can't run a command group by itself, so `/support` is one command and volunteering is
`/support-volunteer`; moderators use `/support-manage`.
"""

from __future__ import annotations

from typing import Any, ClassVar

import discord
from discord import app_commands
from discord.ext import commands

from bot.app import PeerCircleBot
from bot.interactions import ModeratorFeatureGate, require_feature, services
from bot.library.service import DESCRIPTION_MAX, NAME_MAX, SUPPORT, URL_MAX
from bot.privacy import DataStatement, StoresNothing
from cogs.support.repository import VOLUNTEER_DAYS
from cogs.support.service import FEATURE, STATEMENT, SupportService

Interaction = discord.Interaction[PeerCircleBot]
JOIN_CHOICES = [
    app_commands.Choice(name="join the list", value="join"),
    app_commands.Choice(name="leave the list", value="leave"),
]


def _is_leave(interaction: Interaction) -> bool:
    """Whether this is /support-volunteer action:leave."""
    command = interaction.command
    action = getattr(interaction.namespace, "action", None)
    value = action.value if isinstance(action, app_commands.Choice) else action
    return command is not None and command.qualified_name == "support-volunteer" and value == "leave"


class SupportCog(commands.Cog):
    """/support and /support-volunteer."""

    DATA_STATEMENT: ClassVar[DataStatement] = DataStatement(
        feature="Support on request",
        what="Only if you volunteer with /support-volunteer: that you are on this server's list. Using /support "
        "is never recorded.",
        why="So members who use /support can see your mention and reach out to you themselves.",
        who_can_see="Your mention is shown to members who use /support in that server.",
        how_long=f"{VOLUNTEER_DAYS} days after you join the list, or until you leave it or use /privacy forget.",
        tables=("support_volunteers",),
    )

    def __init__(self, bot: PeerCircleBot, support: SupportService) -> None:
        self.bot = bot
        self.service = support

    async def cog_load(self) -> None:
        """Make the service reachable by type."""
        self.bot.features.add(self.service)

    async def cog_unload(self) -> None:
        """Undo cog_load."""
        self.bot.features.remove(SupportService)

    async def interaction_check(self, interaction: Interaction) -> bool:  # type: ignore[override]
        """Refuse while Support on request is off in this server, except leaving the volunteer list:
        a member can always take themselves off it, whatever the switch says."""
        if _is_leave(interaction):
            return True
        return await require_feature(interaction, FEATURE)

    @app_commands.command(name="support")
    @app_commands.guild_only()
    async def support(self, interaction: Interaction) -> None:
        """Support options this community chose, and members who offered to be reachable."""
        assert interaction.guild_id is not None
        svc = services(interaction)
        options = await svc.entries.support_options(interaction.guild_id)
        people = await self.service.listed(interaction.guild_id)
        role = (await svc.guilds.get(interaction.guild_id)).role_words
        embed = discord.Embed(title="Support, if and when you want it", description=STATEMENT)
        if options:
            text = "\n".join(f"**{o.name}**{f' ({o.url})' if o.url else ''}: {o.text}" for o in options)
            embed.add_field(name="Options this community chose", value=text[:1024], inline=False)
        else:
            embed.add_field(
                name="Options this community chose", value="Moderators haven't added any yet.", inline=False
            )
        value = " ".join(f"<@{uid}>" for uid in people) if people else "Nobody has volunteered yet."
        embed.add_field(name=f"{role.plural_title} who offered to be reachable", value=value[:1024], inline=False)
        embed.set_footer(text="Volunteers are members like you, not a crisis service. /support-volunteer to join.")
        # The bot's default AllowedMentions.none() means listing volunteers pings nobody.
        await interaction.response.send_message(embed=embed, ephemeral=True)

    @app_commands.command(name="support-volunteer")
    @app_commands.guild_only()
    @app_commands.describe(action="Join or leave the list")
    @app_commands.choices(action=JOIN_CHOICES)
    async def volunteer(self, interaction: Interaction, action: app_commands.Choice[str]) -> None:
        """Offer to be reachable by members who use /support, or stop offering."""
        assert interaction.guild_id is not None
        svc = self.service
        if action.value == "join":
            added, days = await svc.volunteer(interaction.guild_id, interaction.user.id)
            text = (
                ("You're on the list. " if added else "You were already on the list; I renewed it. ")
                + f"Members who use /support see your mention. I keep this for {days} days, then take you off "
                "the list unless you join again. Leave at any time with /support-volunteer."
            )
        else:
            left = await svc.leave(interaction.guild_id, interaction.user.id)
            text = "You're off the list." if left else "You weren't on the list."
        await interaction.response.send_message(text, ephemeral=True)

    async def export_user_data(self, user_id: int) -> dict[str, Any]:
        """Where the member volunteered."""
        return {"volunteer listings": await self.service.export(user_id)}

    async def delete_user_data(self, user_id: int) -> dict[str, int]:
        """Take the member off every list."""
        return {"volunteer listings": await self.service.forget(user_id)}


@app_commands.guild_only()
@app_commands.default_permissions(manage_guild=True)
class SupportManageCog(
    ModeratorFeatureGate,
    StoresNothing,
    commands.GroupCog,
    group_name="support-manage",
    group_description="Moderators: support options in /support",
):
    """Moderators add, edit, hide, show and remove the server's support options."""

    GATE_FEATURE = FEATURE

    DATA_STATEMENT: ClassVar[DataStatement] = DataStatement.nothing(
        "Managing support options",
        "Nothing about you: who added or changed an option is not recorded.",
    )

    def __init__(self, bot: PeerCircleBot) -> None:
        self.bot = bot

    @app_commands.command(name="add")
    @app_commands.describe(
        name="For example a peer-run warmline",
        details="What it is, when, how to reach it",
        url="An https link (optional)",
    )
    async def add(
        self,
        interaction: Interaction,
        name: app_commands.Range[str, 1, NAME_MAX],
        details: app_commands.Range[str, 1, DESCRIPTION_MAX[SUPPORT]],
        url: app_commands.Range[str, 1, URL_MAX] | None = None,
    ) -> None:
        """Add a support option your community vetted."""
        assert interaction.guild_id is not None
        entry = await services(interaction).entries.add(interaction.guild_id, SUPPORT, name, url, details)
        await interaction.response.send_message(f"Added '{entry.name}' to /support.", ephemeral=True)

    @app_commands.command(name="edit")
    @app_commands.describe(
        name="The support option to change",
        new_name="A new name",
        details="New details: what it is, when, how to reach it",
        url="A new https link",
    )
    async def edit(
        self,
        interaction: Interaction,
        name: str,
        new_name: app_commands.Range[str, 1, NAME_MAX] | None = None,
        details: app_commands.Range[str, 1, DESCRIPTION_MAX[SUPPORT]] | None = None,
        url: app_commands.Range[str, 1, URL_MAX] | None = None,
    ) -> None:
        """Change a support option."""
        assert interaction.guild_id is not None
        entry = await services(interaction).entries.edit(
            interaction.guild_id, SUPPORT, name, new_name=new_name, url=url, description=details
        )
        await interaction.response.send_message(f"Updated '{entry.name}'.", ephemeral=True)

    @app_commands.command(name="hide")
    @app_commands.describe(name="A support option shown in /support")
    async def hide(self, interaction: Interaction, name: str) -> None:
        """Stop showing a support option (it can be shown again)."""
        assert interaction.guild_id is not None
        hidden = await services(interaction).entries.set_hidden(interaction.guild_id, SUPPORT, name, True)
        await interaction.response.send_message(f"'{hidden}' is hidden from /support.", ephemeral=True)

    @app_commands.command(name="show")
    @app_commands.describe(name="A hidden support option")
    async def show(self, interaction: Interaction, name: str) -> None:
        """Show a hidden support option again."""
        assert interaction.guild_id is not None
        shown = await services(interaction).entries.set_hidden(interaction.guild_id, SUPPORT, name, False)
        await interaction.response.send_message(f"'{shown}' is shown in /support again.", ephemeral=True)

    @app_commands.command(name="remove")
    @app_commands.describe(name="A support option this server added")
    async def remove(self, interaction: Interaction, name: str) -> None:
        """Delete a support option."""
        assert interaction.guild_id is not None
        removed = await services(interaction).entries.remove(interaction.guild_id, SUPPORT, name)
        await interaction.response.send_message(f"Removed '{removed}'.", ephemeral=True)

    @edit.autocomplete("name")
    @hide.autocomplete("name")
    @show.autocomplete("name")
    @remove.autocomplete("name")
    async def _name_complete(self, interaction: Interaction, current: str) -> list[app_commands.Choice[str]]:
        assert interaction.guild_id is not None
        names = await services(interaction).entries.names(interaction.guild_id, SUPPORT, builtin=False)
        return [app_commands.Choice(name=n, value=n) for n in names if current.lower() in n.lower()][:25]


async def setup(bot: PeerCircleBot) -> None:
    """Build the support service and add both cogs."""
    await bot.add_cog(SupportCog(bot, SupportService.build(bot.services)))
    await bot.add_cog(SupportManageCog(bot))
