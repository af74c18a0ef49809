"""What a server still has to fix: a feature on without its channel, a channel the bot cannot post in.

Features declare their channels in `bot.services.channel_needs`; /config show, /config setup and
/help all ask `find_problems`, so they agree.
"""

from __future__ import annotations

import discord

from bot.interactions import missing_for
from bot.services.channel_needs import CHANNEL_NEEDS, ChannelNeed
from bot.services.guild_settings import FEATURES, GuildConfig, GuildSettingsService


def _label(feature: str) -> str:
    switch = FEATURES.get(feature)
    return switch.label if switch is not None else feature


def _feature_on(config: GuildConfig, need: ChannelNeed) -> bool:
    # A need whose feature is not loaded in this bot is nobody's problem.
    return need.feature is not None and need.feature in FEATURES and config.enabled(need.feature)


def _channel_problems(guild: discord.Guild, need: ChannelNeed, channel_ids: list[int]) -> list[str]:
    problems = []
    for channel_id in channel_ids:
        channel = guild.get_channel(channel_id)
        if channel is None:
            problems.append(f"The channel chosen as {need.what} was deleted. Choose another with {need.command}.")
            continue
        missing = missing_for(channel, need.purpose)
        if missing:
            problems.append(
                f"I can't post in {channel.mention} ({need.what}): I'm missing {', '.join(missing)}. "
                "Grant that in the channel's permissions."
            )
    return problems


async def chosen_channels(settings: GuildSettingsService, config: GuildConfig, need: ChannelNeed) -> list[int]:
    """The channels a server chose for a need (none, one, or a set)."""
    if need.setting is not None:
        value = config.get(need.setting)
        return [] if value is None else [int(value)]
    if need.channel_set is not None:
        return await settings.channels(config.guild_id, need.channel_set)
    return []


async def find_problems(guild: discord.Guild, settings: GuildSettingsService) -> list[str]:
    """Everything inconsistent in a server's set-up: a feature on without its channel, a channel the
    bot cannot use (deleted, or missing a permission)."""
    config = await settings.get(guild.id)
    problems: list[str] = []
    for need in CHANNEL_NEEDS.values():
        channels = await chosen_channels(settings, config, need)
        if not channels and _feature_on(config, need):
            assert need.feature is not None
            problems.append(
                f"{_label(need.feature)} is on, but no channel is chosen as {need.what}, so it can't be used yet. "
                f"Choose one with {need.command}, or turn the feature off."
            )
        problems.extend(_channel_problems(guild, need, channels))
    return problems
