"""How /config show presents a server's settings, including what is broken and how to fix it."""

from __future__ import annotations

import discord

from bot.interactions import missing_for
from bot.services.guild_settings import SETTINGS, GuildConfig, feature_switches


def describe_channel(guild: discord.Guild, channel_id: int | None, purpose: str) -> str:
    """A channel setting as text, saying when it was deleted or the bot lacks a permission."""
    if channel_id is None:
        return "not set"
    channel = guild.get_channel(channel_id)
    if channel is None:
        return "not set (the chosen channel was deleted; choose another)"
    missing = missing_for(channel, purpose)
    if missing:
        return f"{channel.mention}, but I'm missing: {', '.join(missing)}"
    return channel.mention


def describe_role(guild: discord.Guild, role_id: int | None) -> str:
    """A role setting as text, saying when it was deleted."""
    if role_id is None:
        return "not set"
    role = guild.get_role(role_id)
    if role is None:
        return "not set (the chosen role was deleted; choose another)"
    return role.mention


def render_config(
    guild: discord.Guild, config: GuildConfig, reflection_channels: list[int], problems: list[str]
) -> discord.Embed:
    """The whole configuration of a server as one embed, ending with what needs fixing."""
    embed = discord.Embed(title=f"Settings for {guild.name}", colour=discord.Colour.blurple())
    embed.add_field(
        name="Features",
        value="\n".join(f"{'on ' if config.enabled(f) else 'off'} · {f.label}" for f in feature_switches()),
        inline=False,
    )
    general = [
        f"{SETTINGS['timezone'].label}: {config.timezone}",
        f"{SETTINGS['retention_days'].label}: {config.retention_days}",
        f"{SETTINGS['role_word'].label}: {config.role_words}",
        "Venting limits: "
        f"{config.get('vent_posts_per_hour')} posts an hour, {config.get('vent_reply_cooldown')} s between replies, "
        + (
            f"threads {config.get('vent_close_action')}d after {config.get('vent_close_days')} days"
            if config.get("vent_close_days")
            else "threads never closed"
        ),
    ]
    embed.add_field(name="General", value="\n".join(general), inline=False)
    reflection = [describe_channel(guild, cid, "reflection") for cid in reflection_channels] or ["none yet"]
    channels = [
        f"Vent channel: {describe_channel(guild, config.get('vent_channel'), 'vent')}",
        f"Notices: {describe_channel(guild, config.get('notice_channel'), 'notice')}",
        f"Reflection channels: {', '.join(reflection)}",
    ]
    embed.add_field(name="Channels", value="\n".join(channels)[:1024], inline=False)
    roles = [
        f"Facilitators: {describe_role(guild, config.get('facilitator_role'))}",
        f"Moderators: {describe_role(guild, config.get('moderator_role'))} (and anyone with Manage Server)",
    ]
    if "vent_role" in SETTINGS:  # registered by anonymous venting, when it is loaded
        vent_role = config.get("vent_role")
        roles.append(
            f"Venting: {describe_role(guild, vent_role)} needed to vent or reply anonymously"
            if vent_role is not None
            else "Venting: open to everyone (no role needed; /config vent-role limits it)"
        )
    embed.add_field(name="Roles", value="\n".join(roles), inline=False)
    attention = "\n".join(f"⚠ {problem}" for problem in problems) or "Nothing needs fixing."
    embed.add_field(name="Needs attention", value=attention[:1024], inline=False)
    embed.set_footer(
        text="Change these with the other /config commands; /config setup walks through them. Only moderators see this."
    )
    return embed
