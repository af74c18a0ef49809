"""Members' own time zone and quiet hours: stored only when they set them, expiring when unused."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from bot.clock import Clock, from_timestamp, to_timestamp
from bot.errors import UserFacingError
from bot.repositories.preferences import PreferencesRepository
from bot.services.guild_settings import GuildSettingsService
from bot.services.timezones import validate_zone

PREFERENCES_TTL = timedelta(days=365)


@dataclass(frozen=True)
class EffectivePreferences:
    """What DM features should use: the member's choices, or the server's defaults."""

    timezone: str
    quiet_start: int | None
    quiet_end: int | None
    stored: bool


class PreferencesService:
    """Set, read and clear a member's preferences."""

    def __init__(self, repo: PreferencesRepository, clock: Clock, guilds: GuildSettingsService) -> None:
        self.repo = repo
        self.clock = clock
        self.guilds = guilds

    def _stamp(self) -> tuple[int, int]:
        now = self.clock.now()
        return to_timestamp(now), to_timestamp(now + PREFERENCES_TTL)

    async def set_timezone(self, guild_id: int, user_id: int, zone: str) -> str:
        """Validate and store the member's zone; return its canonical name."""
        name = validate_zone(zone)
        await self.guilds.ensure_guild(guild_id)
        # Only the zone is written: quiet hours set at the same moment are not read and written back.
        await self.repo.set_timezone(guild_id, user_id, name, *self._stamp())
        return name

    async def set_quiet_hours(self, guild_id: int, user_id: int, start: int | None, end: int | None) -> None:
        """Store quiet hours as minutes after midnight (None, None clears them)."""
        if (start is None) != (end is None):
            raise UserFacingError("Give both a start and an end for quiet hours, or neither to clear them.")
        if start is not None and start == end:
            raise UserFacingError(
                "Quiet hours can't cover the whole day, or nothing could ever reach you. "
                "Pick an end time different from the start, for example 22:00 to 07:00."
            )
        await self.guilds.ensure_guild(guild_id)
        await self.repo.set_quiet_hours(guild_id, user_id, start, end, *self._stamp())

    async def effective(self, guild_id: int, user_id: int, server_zone: str) -> EffectivePreferences:
        """The member's preferences with the server's zone as the fallback."""
        prefs = await self.repo.get(guild_id, user_id)
        if prefs is None:
            return EffectivePreferences(server_zone, None, None, stored=False)
        return EffectivePreferences(prefs.timezone or server_zone, prefs.quiet_start, prefs.quiet_end, True)

    async def export(self, user_id: int) -> list[dict[str, object]]:
        """The member's preferences in every server, for /privacy export."""
        return [
            {
                "guild_id": str(p.guild_id),
                "timezone": p.timezone,
                "quiet_start_minute": p.quiet_start,
                "quiet_end_minute": p.quiet_end,
                "updated_at": p.updated_at,
                "expires_at": p.expires_at,
            }
            for p in await self.repo.for_user(user_id)
        ]

    async def kept_until(self, guild_id: int, user_id: int) -> datetime | None:
        """When the member's stored preferences in a server are deleted unless used again (None: none kept)."""
        prefs = await self.repo.get(guild_id, user_id)
        return None if prefs is None else from_timestamp(prefs.expires_at)

    async def clear(self, user_id: int, guild_id: int | None = None) -> int:
        """Erase the member's preferences (in one server, or everywhere)."""
        return await self.repo.delete_for_user(user_id, guild_id)
