"""/config: moderators choose features, channels, roles, time zone, retention and wording."""

from __future__ import annotations

from typing import Any, ClassVar

import discord
from discord import app_commands
from discord.ext import commands

from bot.app import PeerCircleBot
from bot.errors import UserFacingError
from bot.interactions import missing_for, require_moderator, services
from bot.privacy import DataStatement, StoresNothing
from bot.services import timezones
from bot.services.guild_settings import (
    REFLECTION_CHANNELS,
    ROLE_WORD_MAX,
    SETTINGS,
    feature_switches,
    find_feature,
)
from bot.services.retention import describe_removed
from bot.setup_check import find_problems
from cogs.admin.guide import render_guide
from cogs.admin.render import render_config

Interaction = discord.Interaction[PeerCircleBot]
RESETTABLE = (
    "vent_channel",
    "notice_channel",
    "facilitator_role",
    "moderator_role",
    "timezone",
    "retention_days",
    "role_word",
)


def _show(key: str, value: Any) -> str:
    """A setting value as moderators read it in a confirmation."""
    if value is None:
        return "not set"
    kind = SETTINGS[key].kind
    if kind == "channel":
        return f"<#{value}>"
    if kind == "role":
        return f"<@&{value}>"
    return str(value)


@app_commands.guild_only()
@app_commands.default_permissions(manage_guild=True)
class Admin(
    StoresNothing,
    commands.GroupCog,
    group_name="config",
    group_description="Moderators: set up the bot for this server",
):
    """Per-server settings, for moderators only."""

    DATA_STATEMENT: ClassVar[DataStatement] = DataStatement.nothing(
        "Server settings",
        "Nothing about you. Settings belong to the server, and the bot does not record who changed them.",
    )

    def __init__(self, bot: PeerCircleBot) -> None:
        self.bot = bot

    async def interaction_check(self, interaction: Interaction) -> bool:  # type: ignore[override]
        """Re-check moderator rights on our side: server admins can change who sees the command."""
        return await require_moderator(interaction)

    async def _confirm(self, interaction: Interaction, what: str, old: str, new: str, more: str = "") -> None:
        # Saying "changed from on to on" reads as a glitch; say plainly that it already was.
        text = f"{what} is already {new}; nothing changed." if old == new else f"{what} changed from {old} to {new}."
        await interaction.response.send_message(text + more, ephemeral=True)

    async def _set(self, interaction: Interaction, key: str, raw: str | None) -> None:
        assert interaction.guild_id is not None
        old, new = await services(interaction).guilds.set(interaction.guild_id, key, raw)
        more = ""
        if key == "retention_days" and new < old:
            # A shorter period applies to what is already stored, not only to new items.
            removed = await interaction.client.enforce_retention(interaction.guild_id)
            more = (
                f" I removed at once everything kept here for longer than {new} days: {describe_removed(removed)}."
                if removed
                else f" Nothing stored here was older than {new} days."
            )
        await self._confirm(interaction, SETTINGS[key].label, _show(key, old), _show(key, new), more)

    @app_commands.command(name="show")
    async def show(self, interaction: Interaction) -> None:
        """Show every setting for this server, and anything that needs fixing."""
        assert interaction.guild is not None
        svc = services(interaction).guilds
        config = await svc.get(interaction.guild.id)
        reflection = await svc.channels(interaction.guild.id, REFLECTION_CHANNELS)
        problems = await find_problems(interaction.guild, svc)
        await interaction.response.send_message(
            embed=render_config(interaction.guild, config, reflection, problems), ephemeral=True
        )

    @app_commands.command(name="setup")
    async def setup_guide(self, interaction: Interaction) -> None:
        """A step-by-step guide: what is off, what needs a channel or role, what to fix next."""
        assert interaction.guild is not None
        embed = await render_guide(interaction.guild, services(interaction).guilds)
        await interaction.response.send_message(embed=embed, ephemeral=True)

    @app_commands.command(name="feature")
    @app_commands.describe(feature="Which feature", enabled="On or off")
    async def feature(self, interaction: Interaction, feature: str, enabled: bool) -> None:
        """Turn a feature on or off in this server."""
        assert interaction.guild_id is not None
        chosen = find_feature(feature)
        old = await services(interaction).guilds.set_feature(interaction.guild_id, chosen, enabled)
        await self._confirm(interaction, chosen.label, "on" if old else "off", "on" if enabled else "off")

    @feature.autocomplete("feature")
    async def feature_names(self, interaction: Interaction, current: str) -> list[app_commands.Choice[str]]:
        """The features loaded in this bot, as each package declared its switch (Discord shows 25 at most)."""
        wanted = current.strip().lower()
        return [
            app_commands.Choice(name=switch.label, value=switch.key)
            for switch in feature_switches()
            if wanted in switch.label.lower() or wanted in switch.key
        ][:25]

    def _check_channel(self, channel: Any, purpose: str) -> None:
        missing = missing_for(channel, purpose)
        if missing:
            raise UserFacingError(
                f"I can't post in {channel.mention}: I'm missing {', '.join(missing)}. "
                "Grant that in the channel's permissions, then try again. Nothing was changed."
            )

    @app_commands.command(name="vent-channel")
    @app_commands.describe(channel="A text or forum channel for anonymous posts")
    async def vent_channel(self, interaction: Interaction, channel: discord.TextChannel | discord.ForumChannel) -> None:
        """Choose the channel where anonymous vent posts go."""
        self._check_channel(channel, "vent")
        await self._set(interaction, "vent_channel", str(channel.id))

    @app_commands.command(name="vent-limits")
    @app_commands.describe(
        posts_per_hour="Anonymous posts one member can make in an hour (default 3)",
        reply_cooldown_seconds="Seconds between one member's anonymous replies (default 30)",
        close_after_days="Archive or delete vent threads this many days after posting (0 = never)",
        close_action="What happens to old vent threads",
    )
    @app_commands.choices(
        close_action=[
            app_commands.Choice(name="archive", value="archive"),
            app_commands.Choice(name="delete", value="delete"),
        ]
    )
    async def vent_limits(
        self,
        interaction: Interaction,
        posts_per_hour: app_commands.Range[int, 1, 30] | None = None,
        reply_cooldown_seconds: app_commands.Range[int, 0, 3600] | None = None,
        close_after_days: app_commands.Range[int, 0, 365] | None = None,
        close_action: app_commands.Choice[str] | None = None,
    ) -> None:
        """Set anonymous venting's flood limits and when old vent threads close."""
        assert interaction.guild_id is not None
        svc = services(interaction).guilds
        given = {
            "vent_posts_per_hour": posts_per_hour,
            "vent_reply_cooldown": reply_cooldown_seconds,
            "vent_close_days": close_after_days,
            "vent_close_action": close_action.value if close_action else None,
        }
        for key, value in given.items():
            if value is not None:
                await svc.set(interaction.guild_id, key, str(value))
        config = await svc.get(interaction.guild_id)
        lines = [f"{SETTINGS[key].label}: {config.get(key)}" for key in given]
        await interaction.response.send_message("Venting limits:\n" + "\n".join(lines), ephemeral=True)

    @app_commands.command(name="vent-role")
    @app_commands.describe(role="Only members with this role can vent or reply anonymously (leave empty: anyone can)")
    async def vent_role(self, interaction: Interaction, role: discord.Role | None = None) -> None:
        """Keep anonymous venting to peers: require a role for /vent and anonymous replies, or clear it."""
        await self._set(interaction, "vent_role", None if role is None else str(role.id))

    @app_commands.command(name="notice-channel")
    @app_commands.describe(channel="Where the bot tells moderators and facilitators about problems")
    async def notice_channel(self, interaction: Interaction, channel: discord.TextChannel) -> None:
        """Choose the channel for bot notices (e.g. a scheduled post that could not be made)."""
        self._check_channel(channel, "notice")
        await self._set(interaction, "notice_channel", str(channel.id))

    @app_commands.command(name="reflection-channel")
    @app_commands.describe(action="Allow or stop allowing", channel="A text or forum channel")
    @app_commands.choices(
        action=[
            app_commands.Choice(name="allow", value="add"),
            app_commands.Choice(name="remove", value="remove"),
        ]
    )
    async def reflection_channel(
        self,
        interaction: Interaction,
        action: app_commands.Choice[str],
        channel: discord.TextChannel | discord.ForumChannel,
    ) -> None:
        """Allow a channel for co-reflection prompts, or stop allowing it."""
        assert interaction.guild_id is not None
        svc = services(interaction).guilds
        if action.value == "add":
            self._check_channel(channel, "reflection")
            changed = await svc.add_channel(interaction.guild_id, REFLECTION_CHANNELS, channel.id)
            text = "is now allowed" if changed else "was already allowed"
        else:
            changed = await svc.remove_channel(interaction.guild_id, REFLECTION_CHANNELS, channel.id)
            text = "is no longer allowed" if changed else "was not allowed"
        await interaction.response.send_message(f"{channel.mention} {text} for reflection prompts.", ephemeral=True)

    @app_commands.command(name="facilitator-role")
    @app_commands.describe(role="Members with this role can schedule co-reflection prompts")
    async def facilitator_role(self, interaction: Interaction, role: discord.Role) -> None:
        """Choose the facilitator role."""
        await self._set(interaction, "facilitator_role", str(role.id))

    @app_commands.command(name="moderator-role")
    @app_commands.describe(role="Members with this role can use /config and moderate anonymous posts")
    async def moderator_role(self, interaction: Interaction, role: discord.Role) -> None:
        """Choose the moderator role (members with Manage Server are always moderators)."""
        await self._set(interaction, "moderator_role", str(role.id))

    @app_commands.command(name="timezone")
    @app_commands.describe(name="A region/city name such as Europe/London")
    async def timezone(self, interaction: Interaction, name: app_commands.Range[str, 1, 64]) -> None:
        """Set the server's default time zone."""
        await self._set(interaction, "timezone", name)

    @timezone.autocomplete("name")
    async def _timezone_complete(self, interaction: Interaction, current: str) -> list[app_commands.Choice[str]]:
        return [app_commands.Choice(name=z, value=z) for z in timezones.autocomplete(current)]

    @app_commands.command(name="retention")
    @app_commands.describe(days="How many days stored personal items are kept by default")
    async def retention(self, interaction: Interaction, days: int) -> None:
        """Set how long stored personal items are kept by default."""
        await self._set(interaction, "retention_days", str(days))

    @app_commands.command(name="role-word")
    @app_commands.describe(
        singular="For example: peer worker, peer supporter, recovery coach",
        plural="Only if the usual plural reads wrong (recovery coach → recovery coaches is made for you)",
    )
    async def role_word(
        self,
        interaction: Interaction,
        singular: app_commands.Range[str, 1, ROLE_WORD_MAX],
        plural: app_commands.Range[str, 1, ROLE_WORD_MAX] | None = None,
    ) -> None:
        """Set the word this server uses for the role, and its plural."""
        await self._set_role_word(interaction, singular, plural)

    async def _set_role_word(self, interaction: Interaction, singular: str | None, plural: str | None) -> None:
        assert interaction.guild_id is not None
        old, new = await services(interaction).guilds.set_role_word(interaction.guild_id, singular, plural)
        await self._confirm(interaction, SETTINGS["role_word"].label, str(old), str(new))

    @app_commands.command(name="reset")
    @app_commands.describe(setting="The setting to put back to its default")
    @app_commands.choices(setting=[app_commands.Choice(name=SETTINGS[k].label, value=k) for k in RESETTABLE])
    async def reset(self, interaction: Interaction, setting: app_commands.Choice[str]) -> None:
        """Put one setting back to its default (unset a channel or role)."""
        if setting.value == "role_word":
            await self._set_role_word(interaction, None, None)  # the plural goes back with it
            return
        await self._set(interaction, setting.value, None)


async def setup(bot: PeerCircleBot) -> None:
    """Add the cog."""
    await bot.add_cog(Admin(bot))
