"""/events: the server's upcoming Discord scheduled events, with an opt-in reminder an hour before.

Events come from Discord (the GUILD_SCHEDULED_EVENTS intent, not privileged, is in the default
intents); the bot keeps nothing about them but a member's own reminders.
"""

from __future__ import annotations

from typing import Any, ClassVar

import discord
from discord import app_commands
from discord.ext import commands

from bot.app import PeerCircleBot
from bot.delivery.dm import OutgoingDM
from bot.interactions import OwnerView, require_feature, send_ephemeral
from bot.privacy import DataStatement
from bot.scheduling.scheduler import Firing
from cogs.events.service import EVENT_REMINDER_KIND, FEATURE, EventReminderService

Interaction = discord.Interaction[PeerCircleBot]
SHOWN = 10


class RemindSelect(discord.ui.Select[Any]):
    """Pick an event to be reminded of an hour before."""

    def __init__(self, events: list[discord.ScheduledEvent]) -> None:
        options = [
            discord.SelectOption(
                label=e.name[:100], value=str(e.id), description=e.start_time.strftime("%d %b %H:%M UTC")
            )
            for e in events
        ]
        super().__init__(placeholder="Remind me an hour before…", options=options, custom_id="events-remind")
        self.events = {e.id: e for e in events}

    async def callback(self, interaction: discord.Interaction[Any]) -> None:
        """Add the member's own reminder."""
        assert interaction.guild_id is not None
        event = self.events[int(self.values[0])]
        service = interaction.client.features.get(EventReminderService)
        at = await service.remind(interaction.guild_id, interaction.user.id, event.id, event.start_time)
        await send_ephemeral(
            interaction,
            f"I'll DM you at {discord.utils.format_dt(at, 't')} (an hour before **{event.name}**), unless that falls "
            "in your quiet hours. I keep only the event's number and the time, until the event has passed; "
            "/events cancel removes it.",
        )


class EventsView(OwnerView):
    """The remind-me menu under the list."""

    def __init__(self, owner_id: int, events: list[discord.ScheduledEvent]) -> None:
        super().__init__(owner_id, timeout=600)
        self.add_item(RemindSelect(events))


@app_commands.guild_only()
class Events(commands.GroupCog, group_name="events", group_description="Upcoming events in this server"):
    """Upcoming scheduled events and members' own reminders."""

    DATA_STATEMENT: ClassVar[DataStatement] = DataStatement(
        feature="Event reminders",
        what="Only reminders you ask for: the event's number and when to DM you.",
        why="To remind you an hour before an event you chose.",
        who_can_see="Nobody but you.",
        how_long="Until the reminder is sent, or a day after the event at the latest; /events cancel removes them.",
    )

    def __init__(self, bot: PeerCircleBot, service: EventReminderService) -> None:
        self.bot = bot
        self.service = service

    async def cog_load(self) -> None:
        """Make the service reachable and register the reminder kind."""
        self.bot.features.add(self.service)
        self.bot.services.scheduler.register(EVENT_REMINDER_KIND, self.fire, feature=FEATURE, dm=True)

    async def cog_unload(self) -> None:
        """Undo cog_load."""
        self.bot.services.scheduler.unregister(EVENT_REMINDER_KIND)
        self.bot.features.remove(EventReminderService)

    async def interaction_check(self, interaction: Interaction) -> bool:  # type: ignore[override]
        """Only while event reminders are on in this server."""
        return await require_feature(interaction, FEATURE)

    async def fire(self, firing: Firing) -> None:
        """DM the member an hour before the event, if it is still on."""
        event_id = await self.service.due(firing.row)
        guild = self.bot.get_guild(firing.row.guild_id)
        if event_id is None or guild is None or firing.row.owner_id is None:
            return
        try:
            event = await guild.fetch_scheduled_event(event_id)
        except discord.NotFound:
            return  # cancelled or deleted: nothing to remind about
        if event.status is not discord.EventStatus.scheduled:
            return

        async def closed() -> None:
            return None  # a one-off reminder: nothing left to pause

        text = f"Reminder: **{event.name}** starts {discord.utils.format_dt(event.start_time, 'R')}. {event.url}"
        lateness = (self.bot.services.clock.now() - firing.due_at).total_seconds()
        await self.bot.dm.submit(
            OutgoingDM(firing.row.owner_id, text[:2000], None, closed, lateness, receipt=firing.receipt)
        )

    @app_commands.command(name="list")
    async def list_events(self, interaction: Interaction) -> None:
        """Upcoming events here, with an optional reminder an hour before."""
        assert interaction.guild is not None
        now = self.bot.services.clock.now()
        found = await interaction.guild.fetch_scheduled_events()
        upcoming = sorted(
            (e for e in found if e.status is discord.EventStatus.scheduled and e.start_time > now),
            key=lambda e: e.start_time,
        )[:SHOWN]
        if not upcoming:
            await send_ephemeral(interaction, "No upcoming events in this server right now.")
            return
        lines = [f"- **{e.name}**: {discord.utils.format_dt(e.start_time, 'F')}" for e in upcoming]
        await send_ephemeral(
            interaction,
            "Upcoming events:\n" + "\n".join(lines) + "\nPick one below for a DM an hour before (only if you'd like).",
            view=EventsView(interaction.user.id, upcoming),
        )

    @app_commands.command(name="cancel")
    async def cancel(self, interaction: Interaction) -> None:
        """Cancel your event reminders here."""
        assert interaction.guild_id is not None
        removed = await self.service.cancel(interaction.guild_id, interaction.user.id)
        await send_ephemeral(
            interaction, f"Cancelled {removed} reminders." if removed else "You had no reminders here."
        )

    async def export_user_data(self, user_id: int) -> dict[str, Any]:
        """The member's reminders."""
        return await self.service.export(user_id)

    async def delete_user_data(self, user_id: int) -> dict[str, int]:
        """Erase the member's reminders."""
        return await self.service.forget(user_id)


async def setup(bot: PeerCircleBot) -> None:
    """Build the reminders service and add the cog."""
    await bot.add_cog(Events(bot, EventReminderService.build(bot.services)))
