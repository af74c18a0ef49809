"""/help and /about: what is on in this server and what to try first; what this bot is and never does.

/help differs for a member, a facilitator and a moderator. It reads the feature switches and channel
settings from the core, and names a command only when that command is loaded, so it never suggests
something this bot does not have. It imports no other feature: each feature declares its own tips
(bot.services.help_tips), and a test checks every command named there exists.
"""

from __future__ import annotations

from dataclasses import dataclass
from importlib import metadata
from typing import Any, ClassVar

import discord
from discord import app_commands
from discord.ext import commands

from bot.app import PeerCircleBot
from bot.interactions import is_facilitator, is_moderator, services
from bot.privacy import DataStatement, StoresNothing
from bot.services.guild_settings import FEATURES, REFLECTION_CHANNELS, GuildConfig
from bot.services.help_tips import Tip, tips_for
from bot.setup_check import find_problems

Interaction = discord.Interaction[PeerCircleBot]
PACKAGE = "peer-circle"
FIELD_MAX = 1024


NEVER = (
    "reads messages in channels (it has no access to what people write there)",
    "reports, escalates or contacts anyone on its own, or looks for 'crisis' words",
    "scores, rates or tracks anyone: no mood scores, streaks or progress",
    "shows moderators, supervisors or employers anyone's check-ins, notes or DMs",
    "reveals who wrote an anonymous post, to anyone, including the people who run it",
)


def clip(lines: list[str]) -> str:
    """Lines joined into one embed field, cut to Discord's limit at a line boundary."""
    text = ""
    for line in lines:
        if len(text) + len(line) + 2 > FIELD_MAX:
            return text + "…"
        text = f"{text}\n{line}" if text else line
    return text or "—"


def is_on(config: GuildConfig, feature: str | None) -> bool:
    """Whether a tip's feature is on here (a feature this bot did not load is off)."""
    return feature is None or (feature in FEATURES and config.enabled(feature))


@dataclass(frozen=True)
class Place:
    """What /help needs to know about one server."""

    config: GuildConfig
    vent_channel: Any
    reflection_channels: list[int]
    loaded: set[str]

    def tips(self, tips: tuple[Tip, ...]) -> list[Tip]:
        """The tips whose feature is on and whose command is loaded."""
        return [tip for tip in tips if is_on(self.config, tip.feature) and tip.command in self.loaded]

    def ready(self, tip: Tip) -> bool:
        """A feature that posts into a channel is ready only once a moderator chose one."""
        if tip.command == "vent":
            return self.vent_channel is not None
        if tip.command == "reflect schedule":
            return bool(self.reflection_channels)
        return True


def tip_line(place: Place, tip: Tip) -> str:
    """One tip as a line; a feature still waiting for its channel says so instead."""
    if not place.ready(tip):
        return f"/{tip.command}: not ready yet (a moderator still has to choose its channel)"
    return f"/{tip.command}: {tip.text}"


def member_fields(place: Place) -> list[tuple[str, str]]:
    """What every member sees: what is on, what is off, and where co-reflection happens."""
    lines = [tip_line(place, tip) for tip in place.tips(tips_for("member"))]
    if is_on(place.config, "reflection") and place.reflection_channels:
        rooms = ", ".join(f"<#{cid}>" for cid in place.reflection_channels)
        lines.append(f"Co-reflection prompts are posted in {rooms}; answer in their threads if you wish.")
    fields = [("On in this server", clip(lines))]
    off = sorted(s.label for key, s in FEATURES.items() if not place.config.enabled(key))
    if off:
        fields.append(("Off here", clip([", ".join(off) + " (moderators choose what is on in this server)."])))
    return fields


def facilitator_fields(place: Place) -> list[tuple[str, str]]:
    """What a facilitator can do with co-reflection, or why they cannot yet."""
    if not is_on(place.config, "reflection"):
        return [("As a facilitator", "Co-reflection is off here. A moderator can turn it on with /config feature.")]
    if not place.reflection_channels:
        text = "No channel allows co-reflection prompts yet. A moderator allows one with /config reflection-channel."
        return [("As a facilitator", text)]
    return [("As a facilitator", clip([tip_line(place, tip) for tip in place.tips(tips_for("facilitator"))]))]


def first_thing(role: str, place: Place, problems: list[str]) -> str:
    """The one thing to try first, for this person in this server."""
    if role == "moderator":
        if problems:
            return problems[0]
        return "Run /config setup for a step-by-step guide to what is on, what is off and what each needs."
    if role == "facilitator" and is_on(place.config, "reflection") and place.reflection_channels:
        return "Look through /reflect prompts list, then post one with /reflect schedule (try it once first)."
    for tip in place.tips(tips_for("member")):
        if place.ready(tip):
            return f"Try /{tip.command}: {tip.text}."
    return "Try /explain, or ask a moderator what this server has set up."


def loaded_commands(bot: PeerCircleBot) -> set[str]:
    """Every loaded slash command and subcommand by its full name, e.g. 'checkin start'."""
    return {command.qualified_name for command in bot.tree.walk_commands()}


def project_links() -> dict[str, str]:
    """The links the installed package declares ([project.urls] in pyproject.toml), by label."""
    try:
        entries = metadata.metadata(PACKAGE).get_all("Project-URL") or []
    except metadata.PackageNotFoundError:
        return {}
    links = {}
    for entry in entries:
        label, _, url = entry.partition(",")
        links[label.strip().lower()] = url.strip()
    return links


def version() -> str:
    """The installed version, from the package metadata."""
    try:
        return metadata.version(PACKAGE)
    except metadata.PackageNotFoundError:
        return "unknown (not installed as a package)"


def about_embed() -> discord.Embed:
    """What this bot is, what it never does, where its code and privacy statement are, how to give feedback."""
    links = project_links()
    source = links.get("source")
    embed = discord.Embed(
        title=f"peer-circle {version()}",
        description="A self-hosted Discord bot for communities of peer workers, "
        "with a few quiet tools for supporting each other.",
        colour=discord.Colour.blurple(),
    )
    embed.add_field(name="It never does these", value=clip([f"• It never {line}." for line in NEVER]), inline=False)
    code = (
        f"Source code: {source}"
        if source
        else "Ask the people who run this bot for its source code: the licence gives you the right to a copy."
    )
    embed.add_field(
        name="Code and privacy",
        value=clip(
            [
                "Free software under AGPL-3.0-or-later; its strategies, prompts and resources under CC BY-SA 4.0.",
                code,
                "The privacy statement is docs/PRIVACY.md in the source. /privacy show says what is kept about you.",
            ]
        ),
        inline=False,
    )
    issues = links.get("issues")
    feedback = [
        "About this server's set-up: tell your moderators.",
        f"About the bot itself: {issues}" if issues else "About the bot itself: tell the people who run it.",
    ]
    embed.add_field(name="Feedback", value=clip(feedback), inline=False)
    embed.set_footer(text="Only you see this. Using /help or /about keeps nothing.")
    return embed


async def role_of(interaction: Interaction) -> str:
    """Which /help this person sees: moderator, facilitator or member."""
    if await is_moderator(interaction):
        return "moderator"
    return "facilitator" if await is_facilitator(interaction) else "member"


class Help(StoresNothing, commands.Cog):
    """/help and /about."""

    DATA_STATEMENT: ClassVar[DataStatement] = DataStatement.nothing(
        "Help and about", "Nothing about you. Asking for help is not recorded."
    )

    def __init__(self, bot: PeerCircleBot) -> None:
        self.bot = bot

    async def _place(self, guild: discord.Guild) -> Place:
        svc = self.bot.services.guilds
        config = await svc.get(guild.id)
        reflection = await svc.channels(guild.id, REFLECTION_CHANNELS)
        return Place(config, config.get("vent_channel"), reflection, loaded_commands(self.bot))

    @app_commands.command(name="help")
    @app_commands.guild_only()
    async def help(self, interaction: Interaction) -> None:
        """What is on in this server and the first thing to try (only you see it)."""
        assert interaction.guild is not None
        place = await self._place(interaction.guild)
        role = await role_of(interaction)
        problems = await find_problems(interaction.guild, services(interaction).guilds) if role == "moderator" else []
        embed = discord.Embed(title=f"What's here in {interaction.guild.name}", colour=discord.Colour.blurple())
        embed.add_field(name="First thing to try", value=clip([first_thing(role, place, problems)]), inline=False)
        for name, value in member_fields(place):
            embed.add_field(name=name, value=value, inline=False)
        if role == "facilitator":
            for name, value in facilitator_fields(place):
                embed.add_field(name=name, value=value, inline=False)
        if role == "moderator":
            lines = [tip_line(place, tip) for tip in place.tips(tips_for("moderator"))]
            lines += [f"⚠ {problem}" for problem in problems] or ["Nothing in the set-up needs fixing."]
            embed.add_field(name="As a moderator", value=clip(lines), inline=False)
        embed.set_footer(
            text=f"Seen as: {role}. Only you see this, and asking keeps nothing. /about: what the bot never does."
        )
        await interaction.response.send_message(embed=embed, ephemeral=True)

    @app_commands.command(name="about")
    async def about(self, interaction: Interaction) -> None:
        """What this bot is, what it never does, where its code is, and how to give feedback."""
        await interaction.response.send_message(embed=about_embed(), ephemeral=True)


async def setup(bot: PeerCircleBot) -> None:
    """Add the cog."""
    await bot.add_cog(Help(bot))
