"""Check-ins: the /checkin commands, the scheduled DM and its persistent buttons."""

from __future__ import annotations

from bot.app import PeerCircleBot
from cogs.checkins.cog import Checkins
from cogs.checkins.service import CheckinService

__all__ = ["Checkins", "setup"]


async def setup(bot: PeerCircleBot) -> None:
    """Build the check-in service and add the cog."""
    await bot.add_cog(Checkins(bot, CheckinService.build(bot.services)))
