"""Opt-in strategy reminders by DM and the server's strategy of the week, on the shared scheduler.

A member's reminder is one schedule row (kind `strategy_reminder`, owner = the member). Its target
holds which group to draw from (none: the member's favourites) and a turn counter. When a reminder
is paused for a reason the member should hear (closed DMs, no favourites left), the core notice
store (bot.delivery.notices) keeps it, and the member's next /strategy reply starts with it, once.
No Discord import.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from bot.clock import Clock, to_timestamp
from bot.delivery.notices import DM_CLOSED, DmNotices
from bot.errors import UserFacingError
from bot.scheduling.quiet_hours import in_quiet_hours
from bot.scheduling.recurrence import Recurrence, describe, parse_time
from bot.scheduling.repository import ScheduleRow
from bot.scheduling.scheduler import Scheduler
from bot.services.guild_settings import GuildSettingsService
from bot.services.preferences import PreferencesService
from bot.services.timezones import validate_zone

if TYPE_CHECKING:
    from bot.app import Services


REMINDER_KIND = "strategy_reminder"
WEEK_KIND = "strategy_week"
CADENCES = ("daily", "weekdays", "weekly")
PAUSE_DAYS = 7  # "Pause for a week" under a reminder DM
WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
NOTICES = {
    DM_CLOSED: "Your strategy reminders are paused: I couldn't send you a direct message (your DMs from "
    "this server may be closed). Open them and use /strategy remind resume to start again.",
    "no_favourites": "Your strategy reminders are paused: they draw from your saved strategies, and none are "
    "saved now. Save one with /strategy save, then /strategy remind resume.",
}


def build_recurrence(cadence: str, time_text: str, zone_name: str, weekday: int | None) -> Recurrence:
    """The rule for a cadence, a typed time and a zone; UserFacingError naming what to fix."""
    zone = validate_zone(zone_name)
    try:
        at = parse_time(time_text)
    except ValueError as error:
        raise UserFacingError(f"That time didn't work: {error}") from None
    if cadence == "daily":
        return Recurrence.daily(at, zone)
    if cadence == "weekdays":
        return Recurrence.on_weekdays((0, 1, 2, 3, 4), at, zone)
    if cadence == "weekly":
        return Recurrence.on_weekdays((0 if weekday is None else weekday,), at, zone)
    raise UserFacingError(f"Choose how often: {', '.join(CADENCES)}.")


class ReminderService:
    """Start, pause, resume and stop a member's reminder, and the server's strategy of the week."""

    @classmethod
    def build(cls, services: Services) -> ReminderService:
        """The service over the bot's core services (what the extension's setup and tests use)."""
        return cls(services.scheduler, services.clock, services.guilds, services.preferences, services.notices)

    def __init__(
        self,
        scheduler: Scheduler,
        clock: Clock,
        guilds: GuildSettingsService,
        preferences: PreferencesService,
        notices: DmNotices,
    ) -> None:
        self.scheduler = scheduler
        self.clock = clock
        self.guilds = guilds
        self.preferences = preferences
        self.notices = notices

    async def mine(self, guild_id: int, user_id: int) -> ScheduleRow | None:
        """The member's reminder in this server, if any."""
        rows = await self.scheduler.owned_by(user_id, (REMINDER_KIND,), guild_id)
        return next(iter(rows), None)

    async def get(self, schedule_id: int) -> ScheduleRow | None:
        """A reminder as it is now (the member may have stopped or replaced it since it fired)."""
        return await self.scheduler.repository.get(schedule_id)

    async def export(self, user_id: int) -> list[dict[str, Any]]:
        """The member's reminders in every server, for /privacy export."""
        return [
            {
                "guild_id": str(r.guild_id),
                "when": describe(r.recurrence),
                "group": r.target.get("group"),
                "paused": r.paused,
                "skipping_until": r.target.get("skip_until"),
                "expires_at": r.expires_at.isoformat() if r.expires_at else None,
            }
            for r in await self.scheduler.owned_by(user_id, (REMINDER_KIND,))
        ]

    async def forget(self, user_id: int) -> int:
        """Remove the member's reminders everywhere; return how many went."""
        return await self.scheduler.remove_owned(user_id, (REMINDER_KIND,))

    async def export_notices(self, user_id: int) -> list[dict[str, Any]]:
        """Notices about paused reminders the member hasn't been told yet, in every server."""
        return await self.notices.export(user_id, REMINDER_KIND)

    async def forget_notices(self, user_id: int) -> int:
        """Erase those notices everywhere; return how many went."""
        return await self.notices.forget(user_id, REMINDER_KIND)

    async def start(
        self, guild_id: int, user_id: int, recurrence: Recurrence, group_id: str | None
    ) -> tuple[ScheduleRow, int, bool]:
        """Create or replace the member's reminder; return (row, days kept, falls in quiet hours)."""
        await self.guilds.ensure_guild(guild_id)
        target = {"group": group_id, "turn": 0}
        # Replaced in one transaction: a double press would otherwise find no reminder twice and set two.
        async with self.scheduler.repository.db.transaction():
            current = await self.mine(guild_id, user_id)
            if current is not None:
                await self.scheduler.remove(current.id)
            # A new reminder replaces the paused one: nothing is left to tell about it.
            await self.notices.clear(guild_id, user_id, REMINDER_KIND)
            row = await self.scheduler.add(guild_id, REMINDER_KIND, recurrence, target=target, owner_id=user_id)
            days = await self.renew(guild_id, row.id)
        return row, days, await self._quiet_at(guild_id, user_id, row)

    async def _quiet_at(self, guild_id: int, user_id: int, row: ScheduleRow) -> bool:
        config = await self.guilds.get(guild_id)
        prefs = await self.preferences.effective(guild_id, user_id, config.timezone)
        if row.next_run_at is None or prefs.quiet_start is None or prefs.quiet_end is None:
            return False
        return in_quiet_hours(row.next_run_at, prefs.timezone, prefs.quiet_start, prefs.quiet_end)

    async def renew(self, guild_id: int, schedule_id: int) -> int:
        """Keep the reminder for another retention period from now; return the days."""
        days = (await self.guilds.get(guild_id)).retention_days
        now = self.clock.now()
        await self.scheduler.repository.set_expiry(schedule_id, now + timedelta(days=days), renewed_at=now)
        return days

    async def _require(self, guild_id: int, user_id: int) -> ScheduleRow:
        row = await self.mine(guild_id, user_id)
        if row is None:
            raise UserFacingError("You have no strategy reminder here. /strategy remind start sets one up.")
        return row

    async def pause(self, guild_id: int, user_id: int) -> None:
        """Pause the member's reminder."""
        await self.scheduler.pause((await self._require(guild_id, user_id)).id)

    async def pause_for(self, guild_id: int, user_id: int, days: int = PAUSE_DAYS) -> datetime:
        """Skip the reminder for `days` days; it keeps its rule and starts again by itself afterwards."""
        row = await self._require(guild_id, user_id)
        until = self.clock.now() + timedelta(days=days)
        await self.scheduler.update(row.id, target={**row.target, "skip_until": to_timestamp(until)})
        return until

    def skipping(self, row: ScheduleRow) -> bool:
        """Whether the member asked to skip this reminder for now (Pause for a week)."""
        until = row.target.get("skip_until")
        return until is not None and to_timestamp(self.clock.now()) < int(until)

    async def resume(self, guild_id: int, user_id: int) -> ScheduleRow:
        """Resume it from its next occurrence, clearing any notice and any week's pause."""
        row = await self._require(guild_id, user_id)
        if "skip_until" in row.target:
            target = {key: value for key, value in row.target.items() if key != "skip_until"}
            await self.scheduler.update(row.id, target=target)
        await self.notices.clear(guild_id, user_id, REMINDER_KIND)
        resumed = await self.scheduler.resume(row.id)
        assert resumed is not None
        await self.renew(guild_id, row.id)
        return resumed

    async def stop(self, guild_id: int, user_id: int) -> None:
        """Delete the member's reminder."""
        await self.scheduler.remove((await self._require(guild_id, user_id)).id)
        await self.notices.clear(guild_id, user_id, REMINDER_KIND)

    async def pause_with_notice(self, row: ScheduleRow, reason: str) -> None:
        """Pause after a failed delivery and remember to tell the member; never retried in a loop."""
        await self.scheduler.pause(row.id)
        if row.owner_id is not None:
            await self.notices.record(row.guild_id, row.owner_id, REMINDER_KIND, reason)

    async def pause_if_still_there(self, schedule_id: int) -> bool:
        """Pause a reminder whose DM was refused; False when it was stopped or replaced meanwhile."""
        current = await self.get(schedule_id)
        if current is None:
            return False
        await self.scheduler.pause(current.id)
        return True

    async def take_notice(self, guild_id: int, user_id: int) -> str | None:
        """The text of a pending notice for the member (shown once, with their next /strategy reply)."""
        return await self.notices.take(guild_id, user_id, REMINDER_KIND)

    async def notice_told(self, guild_id: int, user_id: int) -> bool:
        """Whether the paused reminder is still there to tell the member about."""
        return await self.mine(guild_id, user_id) is not None

    async def advance(self, row: ScheduleRow) -> None:
        """Move the member's reminder to its next card."""
        await self.scheduler.update(row.id, target={**row.target, "turn": int(row.target.get("turn", 0)) + 1})

    async def in_quiet_hours(self, row: ScheduleRow) -> bool:
        """Whether the member is in their quiet hours right now."""
        assert row.owner_id is not None
        config = await self.guilds.get(row.guild_id)
        prefs = await self.preferences.effective(row.guild_id, row.owner_id, config.timezone)
        if prefs.quiet_start is None or prefs.quiet_end is None:
            return False
        return in_quiet_hours(self.clock.now(), prefs.timezone, prefs.quiet_start, prefs.quiet_end)

    # -- strategy of the week ----------------------------------------------------------------------

    async def week(self, guild_id: int) -> ScheduleRow | None:
        """The server's strategy-of-the-week schedule, if set."""
        rows = await self.scheduler.repository.list_by_guild(guild_id, WEEK_KIND)
        return rows[0] if rows else None

    async def set_week(self, guild_id: int, channel_id: int, weekday: int, time_text: str) -> ScheduleRow:
        """Post a card every week on `weekday` at the server's local time (replacing any earlier choice).

        No owner is stored: the schedule belongs to the server, not to the moderator who set it.
        """
        config = await self.guilds.get(guild_id)
        recurrence = build_recurrence("weekly", time_text, config.timezone, weekday)
        await self.guilds.ensure_guild(guild_id)
        # Replaced in one transaction: two at once would otherwise leave two weekly posts.
        async with self.scheduler.repository.db.transaction():
            current = await self.week(guild_id)
            if current is not None:
                await self.scheduler.remove(current.id)
            return await self.scheduler.add(guild_id, WEEK_KIND, recurrence, target={"channel_id": channel_id})

    async def stop_week(self, guild_id: int) -> bool:
        """Stop the strategy of the week; False if none was set."""
        current = await self.week(guild_id)
        return current is not None and await self.scheduler.remove(current.id)


__all__ = ["CADENCES", "NOTICES", "PAUSE_DAYS", "REMINDER_KIND", "WEEKDAYS", "WEEK_KIND", "ReminderService", "describe"]
