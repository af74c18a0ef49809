"""Strategies: /strategy (cards, favourites, reminders) and /strategy-week (moderators)."""

from __future__ import annotations

from bot.app import PeerCircleBot
from cogs.strategies.cog import StrategyCog
from cogs.strategies.jobs import register_jobs
from cogs.strategies.week import StrategyWeekCog


async def setup(bot: PeerCircleBot) -> None:
    """Register the schedule kinds (before the scheduler starts), then add both cogs."""
    register_jobs(bot)
    await bot.add_cog(StrategyCog(bot))
    await bot.add_cog(StrategyWeekCog(bot))
