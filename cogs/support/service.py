"""Support on request: options moderators set up and members who volunteered to be reachable.

Nothing here records who asked. The bot never contacts, alerts or reports anyone on its own;
`STATEMENT` says so every time /support is shown. No Discord import.
"""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING

from bot.clock import Clock, to_timestamp
from bot.services.guild_settings import FeatureSwitch, GuildSettingsService, register_feature
from bot.services.help_tips import Tip, register_tip
from cogs.support.repository import VOLUNTEER_DAYS, VolunteerRepository

if TYPE_CHECKING:
    from bot.app import Services

# Enough names to choose from without turning /support into a directory.
MAX_LISTED = 25
STATEMENT = (
    "This bot never contacts anyone, alerts anyone or reports anything on its own. "
    "Nobody is told that you looked at this, and it is not recorded. Reaching out is up to you."
)


FEATURE = register_feature(FeatureSwitch("support", "Support on request", default=True))
# What /help suggests for this feature (bot.services.help_tips).
register_tip(
    Tip(
        "member",
        60,
        FEATURE.key,
        "support",
        "support options your community chose; the bot never contacts anyone for you",
    )
)


class SupportService:
    """Volunteer listing and the /support view."""

    @classmethod
    def build(cls, services: Services) -> SupportService:
        """The service over the bot's core services (what the extension's setup and tests use)."""
        return cls(VolunteerRepository(services.db), services.clock, services.guilds)

    def __init__(self, volunteers: VolunteerRepository, clock: Clock, guilds: GuildSettingsService) -> None:
        self.volunteers = volunteers
        self.clock = clock
        self.guilds = guilds

    async def volunteer(self, guild_id: int, user_id: int) -> tuple[bool, int]:
        """List the member as reachable (renewing if listed); return (newly listed, days kept)."""
        await self.guilds.ensure_guild(guild_id)
        now = self.clock.now()
        expires = now + timedelta(days=VOLUNTEER_DAYS)
        added = await self.volunteers.join(guild_id, user_id, to_timestamp(now), to_timestamp(expires))
        return added, VOLUNTEER_DAYS

    async def leave(self, guild_id: int, user_id: int) -> bool:
        """Take the member off the list at once."""
        return await self.volunteers.leave(guild_id, user_id)

    async def listed(self, guild_id: int) -> list[int]:
        """Ids of members currently listed in a server (their listing has not expired)."""
        return await self.volunteers.listed(guild_id, to_timestamp(self.clock.now()), MAX_LISTED)

    async def export(self, user_id: int) -> list[dict[str, object]]:
        """Where the member volunteered, for /privacy export."""
        return await self.volunteers.for_user(user_id)

    async def forget(self, user_id: int) -> int:
        """Take the member off every list (privacy forget); return how many listings went."""
        return await self.volunteers.delete_for_user(user_id)
