"""/config setup: a first-run guide for moderators, built from what is loaded and what is set.

It says what is off, which features need a channel or a role, how to keep /vent and co-reflection to
a peer role with Discord's own permissions, what needs fixing, and the one next step.
"""

from __future__ import annotations

import discord

from bot.services.channel_needs import CHANNEL_NEEDS
from bot.services.guild_settings import FEATURES, GuildConfig, GuildSettingsService, feature_switches
from bot.services.help_tips import Tip, register_tip
from bot.setup_check import chosen_channels, find_problems

# What /help suggests for this feature (bot.services.help_tips).
register_tip(
    Tip("moderator", 10, None, "config setup", "a step-by-step guide: what is off, what needs a channel or a role")
)
register_tip(Tip("moderator", 20, None, "config show", "every setting, and anything that needs fixing"))


FIELD_MAX = 1024  # Discord's limit for one embed field

PEER_ONLY = (
    "Discord's own permissions do this; the bot stores nothing about who may post.\n"
    "1. **The channels**: in the vent and co-reflection channels' settings → Permissions, turn off "
    "View Channel for @everyone and turn it on for your peer role and for this bot's role.\n"
    "2. **The command**: Server Settings → Integrations → peer-circle → /vent: turn off @everyone and "
    "add your peer role, so only peers see /vent.\n"
    "3. Run /config show afterwards: it says if the bot lost a permission it needs there."
)


def clip(lines: list[str]) -> str:
    """Lines joined into one embed field, cut to Discord's limit at a line boundary."""
    text = ""
    for line in lines:
        if len(text) + len(line) + 2 > FIELD_MAX:
            return text + "…"
        text = f"{text}\n{line}" if text else line
    return text or "—"


async def channel_lines(guild: discord.Guild, settings: GuildSettingsService, config: GuildConfig) -> list[str]:
    """Each loaded feature that posts into a channel, whether it is on and which channel it uses."""
    lines = []
    for need in CHANNEL_NEEDS.values():
        if need.feature is not None and need.feature not in FEATURES:
            continue
        chosen = await chosen_channels(settings, config, need)
        where = ", ".join(f"<#{cid}>" for cid in chosen) if chosen else "not chosen yet"
        if need.feature is None:
            lines.append(
                f"**Optional**: {need.what}, where I tell moderators about problems: {where}. "
                f"Set it with {need.command}."
            )
        else:
            lines.append(f"**{FEATURES[need.feature].label}** needs {need.what}: {where}. Set it with {need.command}.")
    return lines


def role_lines(config: GuildConfig) -> list[str]:
    """The two roles, what each is for, and whether it is chosen."""
    facilitator = config.get("facilitator_role")
    moderator = config.get("moderator_role")
    return [
        "**Facilitator role**: who may schedule co-reflection prompts (without one, only moderators can): "
        + (f"<@&{facilitator}>" if facilitator else "not chosen yet")
        + ". Set it with /config facilitator-role.",
        "**Moderator role** (optional): moderators besides members with Manage Server: "
        + (f"<@&{moderator}>" if moderator else "not chosen")
        + ". Set it with /config moderator-role, and allow that role for /config under Server Settings → "
        "Integrations → peer-circle.",
    ]


def next_step(config: GuildConfig, problems: list[str]) -> str:
    """The one thing to do next: fix the first problem, else turn on a feature that is off, else done."""
    if problems:
        return problems[0]
    off = [switch for switch in feature_switches() if not config.enabled(switch)]
    if off:
        return (
            f"Nothing is broken. {off[0].label} is off: if your community wants it, turn it on with "
            "/config feature (and choose its channel if it needs one)."
        )
    return "Everything is set. Members can run /help to see what is here and what to try first."


async def render_guide(guild: discord.Guild, settings: GuildSettingsService) -> discord.Embed:
    """The whole first-run guide as one private embed."""
    config = await settings.get(guild.id)
    problems = await find_problems(guild, settings)
    embed = discord.Embed(title=f"Setting up peer-circle in {guild.name}", colour=discord.Colour.blurple())
    embed.add_field(name="Next step", value=clip([next_step(config, problems)]), inline=False)
    features = [f"{'on ' if config.enabled(s) else 'off'} · {s.label}" for s in feature_switches()]
    features.append(
        "Turn one on or off with /config feature. Features that keep something about a member "
        "still wait for that member to turn them on for themself."
    )
    embed.add_field(name="1. Features", value=clip(features), inline=False)
    embed.add_field(name="2. Channels", value=clip(await channel_lines(guild, settings, config)), inline=False)
    embed.add_field(name="3. Roles", value=clip(role_lines(config)), inline=False)
    embed.add_field(name="4. Keeping /vent and co-reflection to peers", value=clip([PEER_ONLY]), inline=False)
    embed.add_field(
        name="Needs attention", value=clip([f"• {p}" for p in problems] or ["Nothing needs fixing."]), inline=False
    )
    embed.set_footer(text="Only you see this. Run /config setup again at any time; /config show lists every setting.")
    return embed
