"""What runs when a strategy schedule fires: a member's reminder DM, or the server's strategy of the week.

Reminders go through the bot's one bounded, rate-limited DM queue (bot.delivery.dm), shared with
check-ins, so many reminders due in the same minute don't burst past Discord's limit. They follow
the member's quiet hours (an occurrence inside them is skipped, not queued) and a DM Discord
refuses with 50007 pauses the reminder and leaves a notice (bot.delivery.notices) for the member's
next /strategy command: a reminder is never retried. Logs carry schedule ids only.
"""

from __future__ import annotations

import logging

import discord

from bot.app import PeerCircleBot
from bot.delivery.dm import OutgoingDM
from bot.interactions import missing_permissions
from bot.scheduling.scheduler import DEFAULT_GRACE, Firing
from cogs.strategies.reminder_buttons import reminder_view
from cogs.strategies.reminders import REMINDER_KIND, WEEK_KIND, ReminderService
from cogs.strategies.render import card_embed, short_card_text
from cogs.strategies.service import FEATURE, StrategyService

log = logging.getLogger(__name__)
WEEK_PERMISSIONS = ("view_channel", "send_messages", "embed_links")


async def send_reminder(
    bot: PeerCircleBot, strategies: StrategyService, reminders: ReminderService, firing: Firing
) -> None:
    """DM the member their next strategy card."""
    row, svc = firing.row, bot.services
    if row.owner_id is None:
        return
    if await reminders.in_quiet_hours(row):
        log.debug("reminder %d skipped: quiet hours", row.id)
        return
    if reminders.skipping(row):
        log.debug("reminder %d skipped: paused for a week", row.id)
        return
    card = await strategies.reminder_card(
        row.guild_id, row.owner_id, row.target.get("group"), row.target.get("turn", 0)
    )
    if card is None:
        await reminders.pause_with_notice(row, "no_favourites")
        return
    role_word = (await svc.guilds.get(row.guild_id)).role_words
    guild = bot.get_guild(row.guild_id)
    where = f" from {guild.name}" if guild else ""
    text = (
        f"Your strategy reminder{where}:\n{short_card_text(card, role_word)}\n\n"
        "-# The buttons below, or /strategy remind in the server, change this."
    )
    # The card is drawn now, so the turn moves on now; the queue sends it at its own pace.
    await reminders.advance(row)
    schedule_id = row.id

    async def pause(guild_id: int, user_id: int) -> bool:
        # By id: the member may have stopped or replaced the reminder since it fired.
        paused = await reminders.pause_if_still_there(schedule_id)
        if paused:
            log.info("reminder %d paused: DMs closed", schedule_id)
        return paused

    closed = svc.notices.closed(row.guild_id, row.owner_id, REMINDER_KIND, pause)
    lateness = (svc.clock.now() - firing.due_at).total_seconds()
    view = reminder_view(row.guild_id, card.peer.id)
    await bot.dm.submit(OutgoingDM(row.owner_id, text, view, closed, lateness, receipt=firing.receipt))


async def post_week(bot: PeerCircleBot, strategies: StrategyService, firing: Firing) -> None:
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
                "I couldn't post the strategy of the week: "
                + ", ".join(missing or ["that channel can't take posts"])
                + ". Moderators can fix this or choose another channel with /strategy-week set."
            )
        return
    card = strategies.week_card(row.guild_id, firing.due_at.date())
    late = " (posted late)" if firing.late else ""
    embed = card_embed(card, config.role_words, footer="/strategy browse shows more")
    content = f"**Strategy of the week**{late}"
    if firing.nonce is None:
        await channel.send(content=content, embed=embed)
    else:
        # From the outbox: a 5xx or timeout is tried again within the late window, never posted twice.
        await channel.send(content=content, embed=embed, nonce=firing.nonce)


def register_jobs(bot: PeerCircleBot, strategies: StrategyService, reminders: ReminderService) -> None:
    """Tell the scheduler how to run both kinds (gated by the Strategies switch)."""
    scheduler = bot.services.scheduler

    async def reminder(firing: Firing) -> None:
        await send_reminder(bot, strategies, reminders, firing)

    async def week(firing: Firing) -> None:
        await post_week(bot, strategies, firing)

    scheduler.register(REMINDER_KIND, reminder, feature=FEATURE, dm=True)
    scheduler.register(WEEK_KIND, week, feature=FEATURE, deadline=DEFAULT_GRACE)


def unregister_jobs(bot: PeerCircleBot) -> None:
    """Stop running both kinds (the extension was unloaded)."""
    bot.services.scheduler.unregister(REMINDER_KIND)
    bot.services.scheduler.unregister(WEEK_KIND)
