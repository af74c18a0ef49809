"""Event reminders: a member's own "remind me an hour before" for a Discord scheduled event.

A reminder is one schedule owned by the member (kind EVENT_REMINDER_KIND) holding only the event's
id; the event's name and time are read from Discord when the reminder goes out. No Discord import.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from bot.clock import Clock
from bot.errors import UserFacingError
from bot.scheduling.quiet_hours import in_quiet_hours
from bot.scheduling.recurrence import Recurrence
from bot.scheduling.repository import ScheduleRow
from bot.scheduling.scheduler import Scheduler
from bot.services.guild_settings import FeatureSwitch, GuildSettingsService, register_feature
from bot.services.help_tips import Tip, register_tip
from bot.services.preferences import PreferencesService

if TYPE_CHECKING:
    from bot.app import Services

FEATURE = register_feature(FeatureSwitch("events", "Event reminders", default=True))
# What /help suggests for this feature (bot.services.help_tips).
register_tip(
    Tip(
        "member",
        75,
        FEATURE.key,
        "events list",
        "the server's upcoming events, with an optional reminder an hour before",
    )
)
EVENT_REMINDER_KIND = "event-reminder"
BEFORE = timedelta(hours=1)
MAX_REMINDERS = 20


class EventReminderService:
    """Add, list and cancel a member's event reminders, and the privacy contract."""

    @classmethod
    def build(cls, services: Services) -> EventReminderService:
        """The service over the bot's core services."""
        return cls(services.clock, services.scheduler, services.guilds, services.preferences)

    def __init__(
        self, clock: Clock, scheduler: Scheduler, guilds: GuildSettingsService, preferences: PreferencesService
    ) -> None:
        self.clock = clock
        self.scheduler = scheduler
        self.guilds = guilds
        self.preferences = preferences

    async def reminders(self, guild_id: int, user_id: int) -> list[ScheduleRow]:
        """The member's pending reminders in a server."""
        rows = await self.scheduler.owned_by(user_id, (EVENT_REMINDER_KIND,), guild_id)
        return [r for r in rows if r.next_run_at is not None]

    async def remind(self, guild_id: int, user_id: int, event_id: int, starts_at: datetime) -> datetime:
        """Remind the member an hour before the event starts; return when the DM will go out."""
        at = (starts_at - BEFORE).replace(second=0, microsecond=0)
        if at <= self.clock.now():
            raise UserFacingError("That event starts within the hour, so there's no time left for a reminder.")
        await self.guilds.ensure_guild(guild_id)
        rule = Recurrence.once(at.date(), (at.hour, at.minute), "UTC")
        # Checked and added in one transaction: a double press of "remind me" would otherwise find no
        # reminder twice and set two (two DMs), and two presses at once could pass the limit.
        async with self.scheduler.repository.db.transaction():
            mine = await self.reminders(guild_id, user_id)
            if any(int(r.target.get("event", 0)) == event_id for r in mine):
                raise UserFacingError("You already have a reminder for that event.")
            if len(mine) >= MAX_REMINDERS:
                raise UserFacingError(f"You have {MAX_REMINDERS} reminders already; /events cancel clears them.")
            row = await self.scheduler.add(
                guild_id, EVENT_REMINDER_KIND, rule, target={"event": event_id}, owner_id=user_id
            )
            # Nothing outlives the event by more than a day.
            await self.scheduler.repository.set_expiry(row.id, starts_at + timedelta(days=1))
        return at

    async def cancel(self, guild_id: int, user_id: int) -> int:
        """Cancel all the member's reminders in a server."""
        return await self.scheduler.remove_owned(user_id, (EVENT_REMINDER_KIND,), guild_id)

    async def due(self, row: ScheduleRow) -> int | None:
        """The event id to remind about now, or None (quiet hours); the spent schedule is removed either way."""
        await self.scheduler.remove(row.id)
        if row.owner_id is None:
            return None
        config = await self.guilds.get(row.guild_id)
        prefs = await self.preferences.effective(row.guild_id, row.owner_id, config.timezone)
        if (
            prefs.quiet_start is not None
            and prefs.quiet_end is not None
            and in_quiet_hours(self.clock.now(), prefs.timezone, prefs.quiet_start, prefs.quiet_end)
        ):
            return None
        return int(row.target["event"])

    async def export(self, user_id: int) -> dict[str, Any]:
        """The member's reminders everywhere (the event's id and when the DM goes out)."""
        rows = await self.scheduler.owned_by(user_id, (EVENT_REMINDER_KIND,))
        return {
            "event reminders": [
                {
                    "guild_id": str(r.guild_id),
                    "event_id": str(r.target.get("event")),
                    "at": r.next_run_at.isoformat() if r.next_run_at else None,
                }
                for r in rows
            ]
        }

    async def forget(self, user_id: int) -> dict[str, int]:
        """Erase the member's reminders everywhere."""
        return {"event reminders": await self.scheduler.remove_owned(user_id, (EVENT_REMINDER_KIND,))}
