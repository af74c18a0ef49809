"""The good-moments log: private, opt-in, encrypted, expiring.

A member writes down good exchanges with coworkers to look back on later; optionally a weekly DM
shows a few of them. No Discord import; bad input raises UserFacingError.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from bot.clock import Clock, from_timestamp, to_timestamp
from bot.delivery.notices import DmNotices
from bot.errors import UserFacingError
from bot.keys import Keys
from bot.scheduling.quiet_hours import in_quiet_hours
from bot.scheduling.recurrence import Recurrence, zone
from bot.scheduling.repository import ScheduleRow
from bot.scheduling.scheduler import Scheduler
from bot.services.guild_settings import FeatureSwitch, GuildSettingsService, register_feature
from bot.services.help_tips import Tip, register_tip
from bot.services.preferences import PreferencesService
from cogs.moments.repository import MomentRepository, MomentSettings, StoredText

if TYPE_CHECKING:
    from bot.app import Services

# Shares the check-ins switch: one setting turns every private check-in tool on or off.
FEATURE = register_feature(FeatureSwitch("checkins", "Check-ins", default=True))
# What /help suggests for this feature (bot.services.help_tips).
register_tip(Tip("member", 30, FEATURE.key, "moment add", "a private note of a good moment at work"))

LOOKBACK_KIND = "moments-lookback"
MOMENT_KEEP_CHOICES = (30, 90, 365)
DEFAULT_MOMENT_KEEP = 90
MOMENT_MAX = 1000
LOOKBACK_COUNT = 3
SETTINGS_TTL = timedelta(days=365)


@dataclass(frozen=True)
class Entry:
    """A moment, decrypted for its owner."""

    id: int
    text: str
    created_at: datetime
    expires_at: datetime


def decrypt_all(keys: Keys, stored: list[StoredText]) -> list[Entry]:
    """Decrypt stored moments for their owner; text under a lost key says so instead of failing."""
    result = []
    for item in stored:
        text = keys.decrypt(item.body)
        result.append(
            Entry(
                item.id,
                text if text is not None else "(can't be read: the bot's key changed)",
                from_timestamp(item.created_at),
                from_timestamp(item.expires_at),
            )
        )
    return result


def _capped(days: int, retention_days: int) -> timedelta:
    # The server's retention period is the upper bound for everything kept in it.
    return timedelta(days=min(days, retention_days))


class MomentService:
    """Opt in, add, list, delete, the weekly look-back, and the privacy contract."""

    @classmethod
    def build(cls, services: Services) -> MomentService:
        """The service over the bot's core services (what the extension's setup and tests use)."""
        return cls(
            MomentRepository(services.db),
            services.clock,
            services.keys,
            services.scheduler,
            services.preferences,
            services.guilds,
            notices=services.notices,
        )

    def __init__(
        self,
        repo: MomentRepository,
        clock: Clock,
        keys: Keys,
        scheduler: Scheduler,
        preferences: PreferencesService,
        guilds: GuildSettingsService,
        rng: random.Random | None = None,
        *,
        notices: DmNotices,
    ) -> None:
        self.repo = repo
        self.clock = clock
        self.keys = keys
        self.scheduler = scheduler
        self.preferences = preferences
        self.guilds = guilds
        self.rng = rng or random.Random()
        self.notices = notices

    async def settings(self, guild_id: int, user_id: int) -> MomentSettings | None:
        """The member's log settings, or None when they haven't turned it on."""
        return await self.repo.settings(guild_id, user_id)

    async def opt_in(self, guild_id: int, user_id: int, keep_days: int = DEFAULT_MOMENT_KEEP) -> MomentSettings:
        """Turn the log on (or keep it on); nothing else is stored."""
        if keep_days not in MOMENT_KEEP_CHOICES:
            raise UserFacingError("Moments can be kept for 30, 90 or 365 days.")
        await self.guilds.ensure_guild(guild_id)
        now = self.clock.now()
        return await self.repo.turn_on(
            guild_id, user_id, keep_days, to_timestamp(now), to_timestamp(now + SETTINGS_TTL)
        )

    async def set_keep(self, guild_id: int, user_id: int, keep_days: int) -> None:
        """Change how long moments added from now on are kept (those already kept keep their date)."""
        if keep_days not in MOMENT_KEEP_CHOICES:
            raise UserFacingError("Moments can be kept for 30, 90 or 365 days.")
        if not await self.repo.set_keep(guild_id, user_id, keep_days):
            raise _log_off()

    async def _require(self, guild_id: int, user_id: int) -> MomentSettings:
        settings = await self.repo.settings(guild_id, user_id)
        if settings is None:
            raise _log_off()
        return settings

    async def add(self, guild_id: int, user_id: int, text: str) -> datetime:
        """Store one moment, encrypted; return when it expires. The text is never logged."""
        if not text.strip():
            raise UserFacingError("That moment was empty, so there was nothing to keep.")
        if len(text) > MOMENT_MAX:
            raise UserFacingError(f"That moment is longer than {MOMENT_MAX} characters; please shorten it.")
        settings = await self._require(guild_id, user_id)
        now = self.clock.now()
        retention = (await self.guilds.get(guild_id)).retention_days
        expires = now + _capped(settings.keep_days, retention)
        body = self.keys.encrypt(text)
        added = await self.repo.add(guild_id, user_id, body, to_timestamp(now), to_timestamp(expires))
        if added is None:
            raise _log_off()  # turned off ("delete all") while this was sent: nothing was kept
        await self.repo.renew(guild_id, user_id, to_timestamp(now + SETTINGS_TTL))
        return expires

    async def entries(self, guild_id: int, user_id: int) -> list[Entry]:
        """The member's moments in a server, newest first."""
        return decrypt_all(self.keys, await self.repo.list(user_id, guild_id))

    async def delete(self, guild_id: int, user_id: int, which: str) -> int:
        """Delete one moment by its number, or "all" (which also turns the log and look-back off)."""
        cleaned = which.strip().lower().lstrip("#")
        if cleaned == "all":
            # The log goes off before its moments are deleted: a moment added at the same moment is kept
            # only while the log is on (MomentRepository.add), so it is either deleted below or never written.
            settings = await self.repo.settings(guild_id, user_id)
            await self.repo.delete_settings(user_id, guild_id)
            if settings is not None and settings.lookback_schedule_id is not None:
                await self.scheduler.remove(settings.lookback_schedule_id)
            removed = await self.repo.delete(user_id, guild_id=guild_id)
            await self.notices.clear(guild_id, user_id, LOOKBACK_KIND)
            return removed
        if not cleaned.isdigit():
            raise UserFacingError("Give the number shown by /moment list (for example 3), or 'all'.")
        ids = {e.id for e in await self.repo.list(user_id, guild_id)}
        if int(cleaned) not in ids:
            raise UserFacingError("I couldn't find that moment in your log here; /moment list shows the numbers.")
        return await self.repo.delete(user_id, item_id=int(cleaned))

    async def set_lookback(self, guild_id: int, user_id: int, on: bool, at: tuple[int, int] = (18, 0)) -> str | None:
        """Turn the weekly look-back DM on (weekly from today, at `at` in the member's zone) or off."""
        settings = await self._require(guild_id, user_id)
        if settings.lookback_schedule_id is not None:
            await self.scheduler.remove(settings.lookback_schedule_id)
        schedule_id = None
        day = None
        if on:
            config = await self.guilds.get(guild_id)
            prefs = await self.preferences.effective(guild_id, user_id, config.timezone)
            today = self.clock.now().astimezone(zone(prefs.timezone)).date()
            row = await self.scheduler.add(
                guild_id, LOOKBACK_KIND, Recurrence.weekly(today, at, prefs.timezone), owner_id=user_id
            )
            await self.scheduler.repository.set_expiry(row.id, from_timestamp(settings.expires_at))
            schedule_id, day = row.id, today.strftime("%A")
        if not await self.repo.set_lookback(guild_id, user_id, schedule_id):
            # The log was turned off ("delete all") meanwhile: its new look-back goes with it.
            if schedule_id is not None:
                await self.scheduler.remove(schedule_id)
            raise _log_off()
        # Turned on again (or off): a notice about the paused look-back has nothing left to say.
        await self.notices.clear(guild_id, user_id, LOOKBACK_KIND)
        return day

    async def lookback_for(self, row: ScheduleRow) -> list[Entry] | None:
        """A few of the member's moments for the weekly look-back, or None when nothing should go out."""
        if row.owner_id is None:
            return None
        settings = await self.repo.settings(row.guild_id, row.owner_id)
        if settings is None or settings.lookback_schedule_id != row.id:
            await self.scheduler.remove(row.id)
            return None
        config = await self.guilds.get(row.guild_id)
        prefs = await self.preferences.effective(row.guild_id, row.owner_id, config.timezone)
        if (
            prefs.quiet_start is not None
            and prefs.quiet_end is not None
            and in_quiet_hours(self.clock.now(), prefs.timezone, prefs.quiet_start, prefs.quiet_end)
        ):
            return None
        moments = await self.entries(row.guild_id, row.owner_id)
        if not moments:
            return None
        return self.rng.sample(moments, min(LOOKBACK_COUNT, len(moments)))

    async def pause_for_closed_dms(self, guild_id: int, user_id: int) -> bool:
        """Discord refused the look-back DM: pause it (no retries); True when there was a log to pause.

        The member is told once, at their next command here (bot.delivery.notices).
        """
        settings = await self.repo.settings(guild_id, user_id)
        if settings is None:
            return False
        if settings.lookback_schedule_id is not None:
            await self.scheduler.pause(settings.lookback_schedule_id)
        return True

    async def notice_told(self, guild_id: int, user_id: int) -> bool:
        """Whether the paused look-back is still there to tell the member about (the log may be gone)."""
        return await self.repo.settings(guild_id, user_id) is not None

    async def export(self, user_id: int) -> dict[str, Any]:
        """The member's log settings and moments everywhere, decrypted for them."""
        settings = [
            {
                "guild_id": str(s.guild_id),
                "keep_days": s.keep_days,
                "weekly_look_back": s.lookback_schedule_id is not None,
            }
            for s in await self.repo.settings_for_user(user_id)
        ]
        moments = [
            {"text": e.text, "created_at": e.created_at.isoformat(), "expires_at": e.expires_at.isoformat()}
            for e in decrypt_all(self.keys, await self.repo.list(user_id))
        ]
        notices = await self.notices.export(user_id, LOOKBACK_KIND)
        return {"moment settings": settings, "moments": moments, "notices": notices}

    async def forget(self, user_id: int) -> dict[str, int]:
        """Erase the member's log, moments and look-back schedules everywhere."""
        schedules = await self.scheduler.remove_owned(user_id, (LOOKBACK_KIND,))
        # The logs go off first, so a moment being added at this moment is deleted below or never written.
        settings = await self.repo.delete_settings(user_id)
        erased = {
            "moments": await self.repo.delete(user_id),
            "moment settings": settings,
            "look-back schedules": schedules,
        }
        # Named only when there was one: the forget reply lists every count it gets.
        notices = await self.notices.forget(user_id, LOOKBACK_KIND)
        if notices:
            erased["notices"] = notices
        return erased


def _log_off() -> UserFacingError:
    return UserFacingError("Your good-moments log is off. /moment add asks before turning it on.")
