"""Co-reflection circles: /circle, its meetings and its join button."""

from __future__ import annotations

from bot.app import PeerCircleBot
from cogs.circles.cog import Circles
from cogs.circles.service import CircleService


async def setup(bot: PeerCircleBot) -> None:
    """Build the service and add the cog (which registers its schedule kinds)."""
    await bot.add_cog(Circles(bot, CircleService.build(bot.services)))
