"""Anonymous venting: /vent, anonymous replies, author delete and moderation without unmasking."""

from __future__ import annotations

from bot.app import PeerCircleBot
from cogs.venting.cog import Venting
from cogs.venting.views import PostButton


async def setup(bot: PeerCircleBot) -> None:
    """Add the cog and register the post buttons, so buttons on old posts keep working after a restart."""
    bot.add_dynamic_items(PostButton)
    await bot.add_cog(Venting(bot))
