"""Strategies: /strategy (cards, favourites, reminders) and /strategy-week (moderators)."""

from __future__ import annotations

from bot.app import PeerCircleBot
from cogs.strategies.cog import StrategyCog
from cogs.strategies.reminders import ReminderService
from cogs.strategies.service import StrategyService
from cogs.strategies.week import StrategyWeekCog


async def setup(bot: PeerCircleBot) -> None:
    """Build the strategy and reminder services, then add both cogs (the first registers the schedule kinds)."""
    strategies = StrategyService.build(bot.services)
    reminders = ReminderService.build(bot.services)
    await bot.add_cog(StrategyCog(bot, strategies, reminders))
    await bot.add_cog(StrategyWeekCog(bot))
