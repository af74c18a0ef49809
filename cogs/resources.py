"""/resources for members, and /resources-manage for moderators to add, edit, hide and remove entries."""

from __future__ import annotations

from typing import ClassVar

import discord
from discord import app_commands
from discord.ext import commands

from bot.app import PeerCircleBot
from bot.interactions import ModeratorFeatureGate, require_feature, services
from bot.library.service import DESCRIPTION_MAX, NAME_MAX, RESOURCE, TOPIC_MAX, URL_MAX, ResourceItem
from bot.links import link_host
from bot.privacy import DataStatement, StoresNothing
from bot.services.guild_settings import FeatureSwitch, register_feature
from bot.services.help_tips import Tip, register_tip

Interaction = discord.Interaction[PeerCircleBot]
NOTHING_STORED = DataStatement(
    feature="Resources",
    what="Nothing about you. Looking at resources is not recorded, and who added a server resource is not kept.",
    why="",
    who_can_see="",
    how_long="",
    stores_personal_data=False,
)


FEATURE = register_feature(FeatureSwitch("resources", "Resources", default=True))
# What /help suggests for this feature (bot.services.help_tips).
register_tip(Tip("member", 50, FEATURE.key, "resources", "movement and peer-run resources"))


def render_item(item: ResourceItem) -> str:
    """One resource as a few lines: linked name with its real host, description, any note on debate."""
    # The host beside the masked link shows where it really goes, whatever the name says.
    name = f"**[{item.name}]({item.url})** ({link_host(item.url)})" if item.url else f"**{item.name}**"
    lines = [f"{name}: {item.description}"]
    if item.contested:
        lines.append(f"-# Debated: {item.contested}")
    lines.append(f"-# {', '.join(item.topics) or 'no topic'} · {item.origin}")
    return "\n".join(lines)


def render_resources(title: str, items: list[ResourceItem]) -> discord.Embed:
    """As many resources as fit one embed; the rest are named so the member can narrow the topic."""
    parts: list[str] = []
    used = 0
    for index, item in enumerate(items):
        block = render_item(item)
        if used + len(block) + 2 > 3900:
            parts.append(f"…and {len(items) - index} more. Pick a topic or a name to narrow the list.")
            break
        parts.append(block)
        used += len(block) + 2
    return discord.Embed(title=title[:256], description="\n\n".join(parts) or "No resources to show.")


class ResourcesCog(StoresNothing, commands.Cog):
    """/resources: movement resources and the server's own."""

    DATA_STATEMENT: ClassVar[DataStatement] = NOTHING_STORED

    def __init__(self, bot: PeerCircleBot) -> None:
        self.bot = bot

    async def interaction_check(self, interaction: Interaction) -> bool:  # type: ignore[override]
        """Refuse while Resources is off in this server."""
        return await require_feature(interaction, FEATURE)

    @app_commands.command(name="resources")
    @app_commands.guild_only()
    @app_commands.describe(topic="A topic or a resource's name (leave empty for all)")
    async def resources(self, interaction: Interaction, topic: str | None = None) -> None:
        """Movement and peer-run resources, built in and added by this server."""
        assert interaction.guild_id is not None
        label, items = await services(interaction).entries.find(interaction.guild_id, topic)
        title = "Resources" if label == "all" else f"Resources: {label}"
        await interaction.response.send_message(embed=render_resources(title, items), ephemeral=True)

    @resources.autocomplete("topic")
    async def _topic_complete(self, interaction: Interaction, current: str) -> list[app_commands.Choice[str]]:
        assert interaction.guild_id is not None
        entries = services(interaction).entries
        needle = current.lower()
        topics = [f"topic: {t}" for t in await entries.topics(interaction.guild_id)]
        values = [t.removeprefix("topic: ") for t in topics]
        names = [r.name for r in await entries.resources(interaction.guild_id)]
        choices = [(label, value) for label, value in zip(topics, values, strict=True)] + [(n, n) for n in names]
        return [
            app_commands.Choice(name=label[:100], value=value[:100])
            for label, value in choices
            if needle in label.lower()
        ][:25]


@app_commands.guild_only()
@app_commands.default_permissions(manage_guild=True)
class ResourcesManageCog(
    ModeratorFeatureGate,
    StoresNothing,
    commands.GroupCog,
    group_name="resources-manage",
    group_description="Moderators: this server's resources",
):
    """Moderators add, edit, hide, show and remove the server's resources."""

    GATE_FEATURE = FEATURE

    DATA_STATEMENT: ClassVar[DataStatement] = DataStatement.nothing(
        "Managing resources",
        "Nothing about you: who added or changed a resource is not recorded.",
    )

    def __init__(self, bot: PeerCircleBot) -> None:
        self.bot = bot

    @app_commands.command(name="add")
    @app_commands.describe(name="Its name", url="An https link", description="A sentence or two", topic="One topic")
    async def add(
        self,
        interaction: Interaction,
        name: app_commands.Range[str, 1, NAME_MAX],
        url: app_commands.Range[str, 1, URL_MAX],
        description: app_commands.Range[str, 1, DESCRIPTION_MAX[RESOURCE]],
        topic: app_commands.Range[str, 1, TOPIC_MAX] | None = None,
    ) -> None:
        """Add a resource for this server."""
        assert interaction.guild_id is not None
        entry = await services(interaction).entries.add(interaction.guild_id, RESOURCE, name, url, description, topic)
        await interaction.response.send_message(f"Added '{entry.name}' to /resources.", ephemeral=True)

    @app_commands.command(name="edit")
    @app_commands.describe(
        name="The resource to change",
        new_name="A new name",
        url="A new https link",
        description="A new sentence or two",
        topic="A new topic",
    )
    async def edit(
        self,
        interaction: Interaction,
        name: str,
        new_name: app_commands.Range[str, 1, NAME_MAX] | None = None,
        url: app_commands.Range[str, 1, URL_MAX] | None = None,
        description: app_commands.Range[str, 1, DESCRIPTION_MAX[RESOURCE]] | None = None,
        topic: app_commands.Range[str, 1, TOPIC_MAX] | None = None,
    ) -> None:
        """Change a resource this server added."""
        assert interaction.guild_id is not None
        entry = await services(interaction).entries.edit(
            interaction.guild_id, RESOURCE, name, new_name=new_name, url=url, description=description, topic=topic
        )
        await interaction.response.send_message(f"Updated '{entry.name}'.", ephemeral=True)

    @app_commands.command(name="hide")
    @app_commands.describe(name="A resource (built in or this server's)")
    async def hide(self, interaction: Interaction, name: str) -> None:
        """Stop showing a resource in /resources (it can be shown again)."""
        assert interaction.guild_id is not None
        shown = await services(interaction).entries.set_hidden(interaction.guild_id, RESOURCE, name, True)
        await interaction.response.send_message(f"'{shown}' is hidden from /resources.", ephemeral=True)

    @app_commands.command(name="show")
    @app_commands.describe(name="A hidden resource")
    async def show(self, interaction: Interaction, name: str) -> None:
        """Show a hidden resource again."""
        assert interaction.guild_id is not None
        shown = await services(interaction).entries.set_hidden(interaction.guild_id, RESOURCE, name, False)
        await interaction.response.send_message(f"'{shown}' is shown in /resources again.", ephemeral=True)

    @app_commands.command(name="remove")
    @app_commands.describe(name="A resource this server added")
    async def remove(self, interaction: Interaction, name: str) -> None:
        """Delete a resource this server added."""
        assert interaction.guild_id is not None
        removed = await services(interaction).entries.remove(interaction.guild_id, RESOURCE, name)
        await interaction.response.send_message(f"Removed '{removed}'.", ephemeral=True)

    @edit.autocomplete("name")
    @remove.autocomplete("name")
    async def _own_complete(self, interaction: Interaction, current: str) -> list[app_commands.Choice[str]]:
        assert interaction.guild_id is not None
        names = await services(interaction).entries.names(interaction.guild_id, RESOURCE, builtin=False)
        return [app_commands.Choice(name=n, value=n) for n in names if current.lower() in n.lower()][:25]

    @hide.autocomplete("name")
    @show.autocomplete("name")
    async def _any_complete(self, interaction: Interaction, current: str) -> list[app_commands.Choice[str]]:
        assert interaction.guild_id is not None
        names = await services(interaction).entries.names(interaction.guild_id, RESOURCE, builtin=True)
        return [app_commands.Choice(name=n[:100], value=n[:100]) for n in names if current.lower() in n.lower()][:25]


async def setup(bot: PeerCircleBot) -> None:
    """Add both cogs."""
    await bot.add_cog(ResourcesCog(bot))
    await bot.add_cog(ResourcesManageCog(bot))
