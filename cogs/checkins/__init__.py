"""Check-ins: the /checkin commands, the scheduled DM and its persistent buttons."""

from __future__ import annotations

from bot.app import PeerCircleBot
from cogs.checkins.cog import Checkins

__all__ = ["Checkins", "setup"]


async def setup(bot: PeerCircleBot) -> None:
    """Add the cog."""
    await bot.add_cog(Checkins(bot))
