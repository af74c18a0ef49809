"""/reflect: facilitators and moderators schedule co-reflection prompts into allowed channels.

Taking part is voluntary: the bot posts a prompt and opens a thread; nothing records who answered.
"""

from __future__ import annotations

import logging
from typing import Any, ClassVar

import discord
from discord import app_commands
from discord.ext import commands

from bot.app import PeerCircleBot
from bot.errors import UserFacingError
from bot.interactions import (
    is_facilitator,
    missing_for,
    require_facilitator,
    require_feature,
    send_ephemeral,
)
from bot.privacy import DataStatement
from bot.scheduling.recurrence import describe
from bot.scheduling.scheduler import DEFAULT_GRACE
from bot.services import timezones
from bot.ui import send_lines
from cogs.reflection.options import WEEK_CHOICES, Repeat, ScheduleOptions
from cogs.reflection.posting import PostError, Runner, post_prompt
from cogs.reflection.service import (
    CLOSE_KIND,
    FEATURE,
    KIND,
    MAX_CLOSE_AFTER,
    ReflectionService,
    local_time,
    render_closing,
    render_post,
    thread_name,
)

log = logging.getLogger(__name__)
Interaction = discord.Interaction[PeerCircleBot]
Channel = discord.TextChannel | discord.ForumChannel
REPEAT_CHOICES = [app_commands.Choice(name=r.value, value=r.value) for r in Repeat]
WEEK_OPTION = [app_commands.Choice(name=w, value=w) for w in WEEK_CHOICES]
RECURRENCE_HELP = {
    "repeat": "How often: once, daily, weekdays, weekly, every-2-weeks, monthly-day or monthly-nth",
    "time": "Local time, e.g. 19:00 or 7pm",
    "date": "For once (and the first weekly post): year-month-day, e.g. 2026-03-14, or tomorrow",
    "weekdays": "For weekdays, weekly or monthly-nth: e.g. tue, or mon, wed, fri",
    "day": "For monthly-day: the day of the month (1-31)",
    "week": "For monthly-nth: which week of the month",
    "zone": "Time zone (default: the server's), e.g. Europe/London",
    "closing": "Optional closing prompt for the thread later: a key (b:… or s:3) or your own words",
    "close_after": f"Hours after the post for the closing prompt (1-{MAX_CLOSE_AFTER}, default 24)",
}
Hours = app_commands.Range[int, 1, MAX_CLOSE_AFTER]
Day = app_commands.Range[int, 1, 31]


def _check_bot_can_post(channel: Any) -> None:
    missing = missing_for(channel, "reflection")
    if missing:
        raise UserFacingError(
            f"I can't post in {channel.mention}: I'm missing {', '.join(missing)}. "
            "A moderator can grant that in the channel's permissions. Nothing was changed."
        )


@app_commands.guild_only()
class Reflection(
    commands.GroupCog, group_name="reflect", group_description="Facilitators: schedule co-reflection prompts"
):
    """Co-reflection prompts, for facilitators and moderators."""

    DATA_STATEMENT: ClassVar[DataStatement] = DataStatement(
        feature="Co-reflection",
        what="For schedules and prompts a facilitator makes: who made them. Nothing about who reads or answers.",
        why="So the facilitator who made a schedule can be told if it stops (for example, its channel was deleted).",
        who_can_see="The server's facilitators and moderators see schedules and prompts, not who made them.",
        how_long="Until the schedule or prompt is deleted. /privacy forget removes your name from them; "
        "they belong to the server and keep running.",
        tables=("schedules", "server_items"),
    )

    prompts = app_commands.Group(name="prompts", description="Facilitators: the server's reflection prompt library")

    def __init__(self, bot: PeerCircleBot) -> None:
        self.bot = bot
        svc = bot.services
        # Built-in prompts come from the content store, loaded and validated once at start-up.
        builtins = [(p.id, p.text) for p in svc.content.prompts_in("reflection")]
        self.service = ReflectionService(
            svc.db, svc.clock, svc.scheduler, svc.guilds, svc.library, builtins=lambda: list(builtins)
        )
        self.runner = Runner(bot, self.service)

    async def cog_load(self) -> None:
        """Register both schedule kinds (before the bot starts the dispatcher)."""
        self.bot.features.add(self.service)
        scheduler = self.bot.services.scheduler
        # Through the outbox: tried again within the late window (the documented grace), then given up.
        scheduler.register(
            KIND, self.runner.fire, feature=FEATURE, deadline=DEFAULT_GRACE, on_give_up=self.runner.gave_up
        )
        scheduler.register(
            CLOSE_KIND,
            self.runner.fire_closing,
            feature=FEATURE,
            deadline=DEFAULT_GRACE,
            on_give_up=self.runner.closing_given_up,
        )

    async def cog_unload(self) -> None:
        """Undo cog_load."""
        self.bot.services.scheduler.unregister(KIND)
        self.bot.services.scheduler.unregister(CLOSE_KIND)
        self.bot.features.remove(ReflectionService)

    async def interaction_check(self, interaction: Interaction) -> bool:  # type: ignore[override]
        """Facilitators and moderators only, and only while co-reflection is on in this server."""
        return await require_facilitator(interaction) and await require_feature(interaction, FEATURE)

    @staticmethod
    def _guild(interaction: Interaction) -> int:
        assert interaction.guild_id is not None
        return interaction.guild_id

    # -- schedules ----------------------------------------------------------------------------------

    @app_commands.command(name="schedule")
    @app_commands.describe(
        channel="An allowed text or forum channel",
        prompt="A key from /reflect prompts list (b:… or s:3), or your own words",
        **RECURRENCE_HELP,
    )
    @app_commands.choices(repeat=REPEAT_CHOICES, week=WEEK_OPTION)
    async def schedule(
        self,
        interaction: Interaction,
        channel: Channel,
        prompt: str,
        repeat: app_commands.Choice[str],
        time: str,
        date: str | None = None,
        weekdays: str | None = None,
        day: Day | None = None,
        week: app_commands.Choice[str] | None = None,
        zone: str | None = None,
        closing: str | None = None,
        close_after: Hours | None = None,
    ) -> None:
        """Schedule a reflection prompt in an allowed channel."""
        guild_id = self._guild(interaction)
        options = ScheduleOptions(repeat.value, time, date, weekdays, day, week.value if week else None, zone)
        await self.service.check_channel(guild_id, channel.id)
        _check_bot_can_post(channel)
        row, chosen = await self.service.create(
            guild_id, interaction.user.id, channel.id, prompt, options, closing, close_after
        )
        zone_name = (await self.bot.services.guilds.get(guild_id)).timezone
        first = local_time(row.next_run_at, zone_name) if row.next_run_at else "never"
        await send_ephemeral(
            interaction,
            f"Scheduled **#{row.id}**: {describe(row.recurrence)} in {channel.mention}, prompt {chosen.key}. "
            f"First post: {first}. /reflect preview number:{row.id} shows exactly what will be posted.",
        )

    @app_commands.command(name="list")
    async def list_schedules(self, interaction: Interaction) -> None:
        """List this server's reflection schedules with their next run in the server's time."""
        guild_id = self._guild(interaction)
        zone_name = (await self.bot.services.guilds.get(guild_id)).timezone
        rows = await self.service.schedules(guild_id)
        if not rows:
            await send_ephemeral(interaction, "No reflection schedules yet. /reflect schedule makes one.")
            return
        lines = [self.service.describe_schedule(row, zone_name) for row in rows]
        # Up to 25 schedules can exceed one message: send them in message-sized parts.
        await send_lines(interaction, f"Reflection schedules (times in {zone_name}):", lines)

    @app_commands.command(name="pause")
    @app_commands.describe(number="The schedule's number from /reflect list (not a prompt key)")
    async def pause(self, interaction: Interaction, number: int) -> None:
        """Pause a schedule until you resume it."""
        await self.service.pause(self._guild(interaction), number)
        await send_ephemeral(interaction, f"Schedule #{number} is paused. /reflect resume number:{number} restarts it.")

    @app_commands.command(name="resume")
    @app_commands.describe(number="The schedule's number from /reflect list (not a prompt key)")
    async def resume(self, interaction: Interaction, number: int) -> None:
        """Resume a paused schedule from its next time (missed ones are not posted)."""
        guild_id = self._guild(interaction)
        row = await self.service.schedule(guild_id, number)
        channel = self.bot.get_channel(int(row.target["channel"]))
        if channel is None:
            raise UserFacingError(f"Schedule #{number}'s channel was deleted. Choose another with /reflect edit first.")
        _check_bot_can_post(channel)
        row = await self.service.resume(guild_id, number)
        zone_name = (await self.bot.services.guilds.get(guild_id)).timezone
        assert row.next_run_at is not None
        await send_ephemeral(
            interaction, f"Schedule #{number} is on again. Next post: {local_time(row.next_run_at, zone_name)}."
        )

    @app_commands.command(name="edit")
    @app_commands.describe(
        number="The schedule's number from /reflect list (not a prompt key)",
        channel="A new allowed channel",
        prompt="A new prompt: a key from /reflect prompts list, or your own words",
        **{**RECURRENCE_HELP, "closing": "A new closing prompt (a key or your own words), or 'none' for none"},
    )
    @app_commands.choices(repeat=REPEAT_CHOICES, week=WEEK_OPTION)
    async def edit(
        self,
        interaction: Interaction,
        number: int,
        channel: Channel | None = None,
        prompt: str | None = None,
        repeat: app_commands.Choice[str] | None = None,
        time: str | None = None,
        date: str | None = None,
        weekdays: str | None = None,
        day: Day | None = None,
        week: app_commands.Choice[str] | None = None,
        zone: str | None = None,
        closing: str | None = None,
        close_after: Hours | None = None,
    ) -> None:
        """Change a schedule; options you leave out stay as they are."""
        guild_id = self._guild(interaction)
        if channel is not None:
            _check_bot_can_post(channel)
        options = ScheduleOptions(
            repeat.value if repeat else None, time, date, weekdays, day, week.value if week else None, zone
        )
        row = await self.service.edit(
            guild_id,
            number,
            interaction.user.id,
            channel_id=channel.id if channel else None,
            prompt=prompt,
            options=options,
            closing=closing,
            close_after=close_after,
        )
        zone_name = (await self.bot.services.guilds.get(guild_id)).timezone
        await send_ephemeral(
            interaction, f"Schedule #{number} changed.\n{self.service.describe_schedule(row, zone_name)}"
        )

    @app_commands.command(name="delete")
    @app_commands.describe(number="The schedule's number from /reflect list (not a prompt key)")
    async def delete(self, interaction: Interaction, number: int) -> None:
        """Delete a schedule (posts already made stay in their channel)."""
        await self.service.delete(self._guild(interaction), number)
        await send_ephemeral(interaction, f"Schedule #{number} is deleted. Posts it already made stay where they are.")

    @app_commands.command(name="now")
    @app_commands.describe(number="The schedule whose prompt to post now (its next time does not change)")
    async def now(self, interaction: Interaction, number: int) -> None:
        """Post a schedule's prompt right away, with its thread."""
        guild_id = self._guild(interaction)
        row = await self.service.schedule(guild_id, number)
        await self.service.check_channel(guild_id, int(row.target["channel"]))
        prompt = await self.service.find_prompt(guild_id, str(row.target["prompt"]))
        if prompt is None:
            raise UserFacingError(f"Schedule #{number}'s prompt no longer exists. Choose another with /reflect edit.")
        await interaction.response.defer(ephemeral=True, thinking=True)
        try:
            thread = await post_prompt(self.bot, int(row.target["channel"]), prompt.text)
        except PostError as problem:
            raise UserFacingError(f"I couldn't post it: {problem.reason}") from None
        await self.service.schedule_closing(row, thread.id)
        await send_ephemeral(interaction, f"Posted, with a thread: {thread.mention}.")

    @app_commands.command(name="preview")
    @app_commands.describe(number="The schedule to preview (see /reflect list)")
    async def preview(self, interaction: Interaction, number: int) -> None:
        """See exactly what a schedule will post, visible only to you."""
        guild_id = self._guild(interaction)
        row = await self.service.schedule(guild_id, number)
        prompt = await self.service.find_prompt(guild_id, str(row.target["prompt"]))
        if prompt is None:
            raise UserFacingError(f"Schedule #{number}'s prompt no longer exists. Choose another with /reflect edit.")
        await send_ephemeral(interaction, render_post(prompt.text))
        await send_ephemeral(
            interaction, f"↑ posted in <#{row.target['channel']}>, opening a thread named “{thread_name(prompt.text)}”."
        )
        closing = await self.service.find_prompt(guild_id, str(row.target.get("closing") or ""))
        if closing is not None:
            await send_ephemeral(interaction, render_closing(closing.text))
            await send_ephemeral(interaction, f"↑ posted into that thread {row.target['close_after']} hours later.")

    # -- the prompt library -------------------------------------------------------------------------

    @prompts.command(name="list")
    async def prompts_list(self, interaction: Interaction) -> None:
        """List the server's reflection prompts, hidden ones included."""
        library = await self.service.library(self._guild(interaction), include_hidden=True)
        if not library:
            await send_ephemeral(interaction, "The library is empty. /reflect prompts add adds a prompt.")
            return
        lines = [f"{'(hidden) ' if p.hidden else ''}{'(changed) ' if p.changed else ''}{p.label}" for p in library]
        await send_lines(
            interaction,
            "Reflection prompts. Use a prompt's key (b:… built-in, s:3 this server's own) where a command asks "
            "for a prompt; schedules have numbers instead (#4 in /reflect list):",
            lines,
        )

    @prompts.command(name="add")
    @app_commands.describe(text="The prompt (at most 1000 characters); never ask about the people members support")
    async def prompts_add(self, interaction: Interaction, text: str) -> None:
        """Add a prompt to this server's library."""
        prompt = await self.service.add_prompt(self._guild(interaction), interaction.user.id, text)
        await send_ephemeral(interaction, f"Added as {prompt.key}.")

    @prompts.command(name="edit")
    @app_commands.describe(
        prompt="The prompt's key from /reflect prompts list, e.g. s:3", text="Its new wording (at most 1000 characters)"
    )
    async def prompts_edit(self, interaction: Interaction, prompt: str, text: str) -> None:
        """Change a prompt's wording in this server (built-in ones too)."""
        changed = await self.service.edit_prompt(self._guild(interaction), prompt, text, interaction.user.id)
        await send_ephemeral(interaction, f"{changed.key} now reads: {changed.text}")

    @prompts.command(name="hide")
    @app_commands.describe(prompt="The key of the prompt to hide, e.g. s:3")
    async def prompts_hide(self, interaction: Interaction, prompt: str) -> None:
        """Hide a prompt from the library (schedules already using it keep posting it)."""
        hidden = await self.service.set_hidden(self._guild(interaction), prompt, True, interaction.user.id)
        await send_ephemeral(interaction, f"{hidden.key} is hidden. /reflect prompts unhide brings it back.")

    @prompts.command(name="unhide")
    @app_commands.describe(prompt="The key of the hidden prompt to offer again")
    async def prompts_unhide(self, interaction: Interaction, prompt: str) -> None:
        """Offer a hidden prompt in the library again."""
        shown = await self.service.set_hidden(self._guild(interaction), prompt, False, interaction.user.id)
        await send_ephemeral(interaction, f"{shown.key} is back in the library.")

    # -- autocomplete (not covered by interaction_check, so each one checks the role itself) ---------

    async def _prompt_choices(
        self, interaction: Interaction, current: str, *, hidden: bool
    ) -> list[app_commands.Choice[str]]:
        if interaction.guild_id is None or not await is_facilitator(interaction):
            return []
        query = current.strip().lower()
        library = await self.service.library(interaction.guild_id, include_hidden=hidden)
        found = [p for p in library if query in p.text.lower() or query == p.key]
        return [app_commands.Choice(name=p.label, value=p.key) for p in found[:25]]

    @schedule.autocomplete("prompt")
    @schedule.autocomplete("closing")
    @edit.autocomplete("prompt")
    @edit.autocomplete("closing")
    async def _library_complete(self, interaction: Interaction, current: str) -> list[app_commands.Choice[str]]:
        return await self._prompt_choices(interaction, current, hidden=False)

    @prompts_edit.autocomplete("prompt")
    @prompts_hide.autocomplete("prompt")
    @prompts_unhide.autocomplete("prompt")
    async def _any_prompt_complete(self, interaction: Interaction, current: str) -> list[app_commands.Choice[str]]:
        return await self._prompt_choices(interaction, current, hidden=True)

    @schedule.autocomplete("zone")
    @edit.autocomplete("zone")
    async def _zone_complete(self, interaction: Interaction, current: str) -> list[app_commands.Choice[str]]:
        return [app_commands.Choice(name=z, value=z) for z in timezones.autocomplete(current)]

    @pause.autocomplete("number")
    @resume.autocomplete("number")
    @edit.autocomplete("number")
    @delete.autocomplete("number")
    @now.autocomplete("number")
    @preview.autocomplete("number")
    async def _number_complete(self, interaction: Interaction, current: str) -> list[app_commands.Choice[int]]:
        if interaction.guild_id is None or not await is_facilitator(interaction):
            return []
        choices = []
        for row in await self.service.schedules(interaction.guild_id):
            label = f"#{row.id} · {describe(row.recurrence)}"
            if current.strip() in label:
                choices.append(app_commands.Choice(name=label[:100], value=row.id))
        return choices[:25]

    # -- privacy ------------------------------------------------------------------------------------

    async def export_user_data(self, user_id: int) -> dict[str, Any]:
        """The reflection schedules and prompts the member made."""
        return await self.service.export(user_id)

    async def delete_user_data(self, user_id: int) -> dict[str, int]:
        """Unlink the member from them; they belong to the server and keep running."""
        return await self.service.forget(user_id)
