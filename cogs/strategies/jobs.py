"""What runs when a strategy schedule fires: a member's reminder DM, or the server's strategy of the week.

Reminders follow the member's quiet hours (an occurrence inside them is skipped, not queued) and a
closed DM pauses the reminder and leaves a note for the member's next /strategy command: a
reminder is never retried in a loop. Logs carry schedule ids only.
"""

from __future__ import annotations

import logging

import discord

from bot.app import PeerCircleBot
from bot.interactions import missing_permissions
from bot.services.guild_settings import Feature
from bot.services.scheduler import Firing
from bot.services.strategy_reminders import REMINDER_KIND, WEEK_KIND
from cogs.strategies.render import card_embed, short_card_text

log = logging.getLogger(__name__)
WEEK_PERMISSIONS = ("view_channel", "send_messages", "embed_links")


async def send_reminder(bot: PeerCircleBot, firing: Firing) -> None:
    """DM the member their next strategy card."""
    row, svc = firing.row, bot.services
    if row.owner_id is None:
        return
    if await svc.reminders.in_quiet_hours(row):
        log.debug("reminder %d skipped: quiet hours", row.id)
        return
    card = await svc.strategies.reminder_card(
        row.guild_id, row.owner_id, row.target.get("group"), row.target.get("turn", 0)
    )
    if card is None:
        await svc.reminders.pause_with_notice(row, "no_favourites")
        return
    role_word = (await svc.guilds.get(row.guild_id)).role_word
    guild = bot.get_guild(row.guild_id)
    where = f" from {guild.name}" if guild else ""
    text = (
        f"Your strategy reminder{where}:\n{short_card_text(card, role_word)}\n\n"
        "-# /strategy remind pause or stop in the server changes this."
    )
    try:
        user = bot.get_user(row.owner_id) or await bot.fetch_user(row.owner_id)
        await user.send(text)
    except discord.Forbidden:
        await svc.reminders.pause_with_notice(row, "dm_closed")
        log.info("reminder %d paused: DMs closed", row.id)
        return
    except discord.NotFound:
        await svc.scheduler.remove(row.id)  # the account is gone
        return
    await svc.reminders.advance(row)


async def post_week(bot: PeerCircleBot, firing: Firing) -> None:
    """Post the strategy of the week in the chosen channel, or tell moderators why it could not be."""
    row, svc = firing.row, bot.services
    channel = bot.get_channel(int(row.target.get("channel_id", 0)))
    config = await svc.guilds.get(row.guild_id)
    missing = missing_permissions(channel, WEEK_PERMISSIONS) if channel is not None else ["the channel was deleted"]
    if channel is None or missing or not isinstance(channel, discord.TextChannel):
        log.warning("strategy of the week %d not posted: channel unusable", row.id)
        notice = bot.get_channel(int(config.get("notice_channel") or 0))
        if isinstance(notice, discord.TextChannel):
            await notice.send(
                "I couldn't post the strategy of the week: " + ", ".join(missing or ["that channel can't take posts"])
                + ". Moderators can fix this or choose another channel with /strategy-week set."
            )  # fmt: skip
        return
    card = svc.strategies.week_card(row.guild_id, firing.due_at.date())
    late = " (posted late)" if firing.late else ""
    await channel.send(
        content=f"**Strategy of the week**{late}",
        embed=card_embed(card, config.role_word, footer="/strategy browse shows more"),
    )


def register_jobs(bot: PeerCircleBot) -> None:
    """Tell the scheduler how to run both kinds (gated by the Strategies switch)."""
    scheduler = bot.services.scheduler

    async def reminder(firing: Firing) -> None:
        await send_reminder(bot, firing)

    async def week(firing: Firing) -> None:
        await post_week(bot, firing)

    if scheduler.kind(REMINDER_KIND) is None:
        scheduler.register(REMINDER_KIND, reminder, feature=Feature.STRATEGIES.value, dm=True)
    if scheduler.kind(WEEK_KIND) is None:
        scheduler.register(WEEK_KIND, week, feature=Feature.STRATEGIES.value)
