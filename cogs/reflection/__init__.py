"""The co-reflection feature: /reflect and the scheduled posts it makes."""

from __future__ import annotations

from bot.app import PeerCircleBot
from cogs.reflection.cog import Reflection


async def setup(bot: PeerCircleBot) -> None:
    """Add the cog (which registers its schedule kinds with the scheduler)."""
    await bot.add_cog(Reflection(bot))
