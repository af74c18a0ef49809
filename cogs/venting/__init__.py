"""Anonymous venting: /vent, anonymous replies, author delete and moderation without unmasking."""

from __future__ import annotations

from bot.app import PeerCircleBot
from cogs.venting.cog import Venting
from cogs.venting.modtools import ModeratorTools
from cogs.venting.service import VentingService


async def setup(bot: PeerCircleBot) -> None:
    """Build the venting service and add the cogs (venting registers the post buttons as it loads)."""
    await bot.add_cog(ModeratorTools(bot))
    await bot.add_cog(Venting(bot, VentingService.build(bot.services)))
