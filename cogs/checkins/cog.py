"""/checkin: private, opt-in check-ins a member sets up for themself, and the scheduled DM.

Every command acts on the member who uses it; none takes another member as an option, so nobody
(moderators included) can start, change or see someone else's check-ins. Moderators can only add or
hide the server's prompts.
"""

from __future__ import annotations

import logging
from typing import Any, ClassVar

import discord
from discord import app_commands
from discord.ext import commands

from bot.app import PeerCircleBot
from bot.clock import from_timestamp
from bot.delivery.dm import OutgoingDM
from bot.delivery.notices import DM_CLOSED, NoticeSpec
from bot.interactions import require_feature, require_moderator, send_ephemeral
from bot.privacy import DataStatement
from bot.scheduling.scheduler import Firing
from bot.services import timezones
from cogs.checkins.plan import CADENCE_LABELS, PROMPT_SET_LABELS, Choices, statement
from cogs.checkins.service import FEATURE, KIND, PAUSE_MAX_DAYS, CheckinService, new_token
from cogs.checkins.views import ConfirmView, HistoryView, PromptButton, ask_stop, prompt_view

log = logging.getLogger(__name__)
Interaction = discord.Interaction[PeerCircleBot]

CADENCE_CHOICES: list[app_commands.Choice[str]] = [
    app_commands.Choice(name="Every day", value="daily"),
    app_commands.Choice(name="Weekdays (Monday to Friday)", value="weekdays"),
    app_commands.Choice(name="Days I choose (use the days option)", value="days"),
    app_commands.Choice(name="Once a week", value="weekly"),
]
SET_CHOICES: list[app_commands.Choice[str]] = [
    app_commands.Choice(name=label.capitalize(), value=key) for key, label in PROMPT_SET_LABELS.items()
]
KEEP_CHOICES: list[app_commands.Choice[int]] = [
    app_commands.Choice(name="Don't keep my answers", value=0),
    app_commands.Choice(name="Keep for 7 days", value=7),
    app_commands.Choice(name="Keep for 30 days", value=30),
    app_commands.Choice(name="Keep for 90 days", value=90),
    app_commands.Choice(name="Keep for 365 days", value=365),
]
DM_CLOSED_NOTICE = (
    "I tried to send you a check-in, but your direct messages from this server are closed, so I paused "
    "your check-ins rather than keep trying. If you'd like them back, allow direct messages from server "
    "members and use /checkin resume."
)


@app_commands.guild_only()
class Checkins(commands.GroupCog, group_name="checkin", group_description="Your own private check-ins"):
    """Check-ins: opt-in, private, and never visible to anyone but the member."""

    DATA_STATEMENT: ClassVar[DataStatement] = DataStatement(
        feature="Check-ins",
        what="Only if you start them: your check-in choices and, if you turn keeping on, your answers "
        "(encrypted). Nothing about whether you answered or skipped.",
        why="So a prompt reaches you when you asked, and you can read your own answers back.",
        who_can_see="Nobody but you. Moderators and server owners cannot see your check-ins or answers.",
        how_long="Answers: 7, 30, 90 or 365 days, as you choose (off by default), but never longer than the "
        "server's retention period. Choices: until you stop, or a year unused.",
        tables=("checkin_plans", "checkin_answers", "schedules", "dm_notices"),
    )

    prompts = app_commands.Group(name="prompts", description="Moderators: the server's check-in prompts")

    def __init__(self, bot: PeerCircleBot, service: CheckinService) -> None:
        self.bot = bot
        self.service = service

    async def cog_load(self) -> None:
        """Make the service reachable; register the schedule kind, the closed-DMs notice and the buttons."""
        self.bot.features.add(self.service)
        self.bot.services.scheduler.register(KIND, self.fire, feature=FEATURE, dm=True)
        self.bot.services.notices.register(
            NoticeSpec(KIND, FEATURE, {DM_CLOSED: DM_CLOSED_NOTICE}, on_told=self.service.notice_told)
        )
        self.bot.add_dynamic_items(PromptButton)

    async def cog_unload(self) -> None:
        """Undo cog_load."""
        self.bot.remove_dynamic_items(PromptButton)
        self.bot.services.notices.unregister(KIND)
        self.bot.services.scheduler.unregister(KIND)
        self.bot.features.remove(CheckinService)

    async def interaction_check(self, interaction: Interaction) -> bool:  # type: ignore[override]
        """Every check-in command needs the feature on in this server."""
        return await require_feature(interaction, FEATURE)

    # -- the scheduled DM ------------------------------------------------------------------------------

    async def fire(self, firing: Firing) -> None:
        """Send one check-in prompt by DM through the shared, rate-limited queue."""
        delivery = await self.service.delivery_for(firing.row)
        if delivery is None:
            return
        guild = self.bot.get_guild(delivery.guild_id)
        where = f" from **{guild.name}**" if guild is not None else ""
        content = (
            f"Your check-in{where}:\n> {delivery.prompt.text}\n\n"
            "Answer if you'd like, or let it pass. Either is fine, and nothing about skipping is recorded."
        )
        # Refused DMs pause the check-ins; the member is told once, after their next command here.
        closed = self.bot.services.notices.closed(
            delivery.guild_id, delivery.user_id, KIND, self.service.pause_for_closed_dms
        )
        lateness = (self.bot.services.clock.now() - firing.due_at).total_seconds()
        view = prompt_view(delivery.guild_id, delivery.token, delivery.prompt.id)
        await self.bot.dm.submit(OutgoingDM(delivery.user_id, content, view, closed, lateness, receipt=firing.receipt))

    # -- commands ---------------------------------------------------------------------------------------

    @app_commands.command(name="start")
    @app_commands.describe(
        time="When, in your time zone (for example 19:00 or 7pm)",
        cadence="How often",
        days="For chosen days or weekly: which days (for example mon, wed, fri)",
        timezone="Your time zone (default: yours from /preferences, else the server's)",
        prompts="Which prompts",
        keep="Whether to keep your answers, and for how long (off unless you choose)",
        quiet_start="Quiet hours start (no DMs from then), for example 22:00",
        quiet_end="Quiet hours end, for example 07:00",
    )
    @app_commands.choices(cadence=CADENCE_CHOICES, prompts=SET_CHOICES)
    @app_commands.choices(keep=KEEP_CHOICES)
    async def start(
        self,
        interaction: Interaction,
        time: app_commands.Range[str, 1, 20],
        cadence: str = "daily",
        days: app_commands.Range[str, 1, 60] | None = None,
        timezone: app_commands.Range[str, 1, 64] | None = None,
        prompts: str = "daily",
        keep: int = 0,
        quiet_start: app_commands.Range[str, 1, 20] | None = None,
        quiet_end: app_commands.Range[str, 1, 20] | None = None,
    ) -> None:
        """Set up a private check-in for yourself: you choose when, which prompts, and what is kept."""
        assert interaction.guild_id is not None
        choices = await self.service.choose(
            interaction.guild_id,
            interaction.user.id,
            cadence=cadence,
            time=time,
            days=days,
            timezone=timezone,
            prompt_set=prompts,
            keep_days=keep,
            quiet_start=quiet_start,
            quiet_end=quiet_end,
        )
        existing = await self.service.plan(interaction.guild_id, interaction.user.id)
        intro = "This replaces your current check-in choices.\n\n" if existing else ""
        await self._confirm(
            interaction,
            choices,
            intro + "Here is what you chose. Nothing is stored until you press Start.\n\n",
            "Start",
        )

    async def _confirm(self, interaction: Interaction, choices: Choices, intro: str, label: str) -> None:
        assert interaction.guild_id is not None
        today = self.bot.services.clock.now().date()
        text = intro + statement(choices, today, await self.service.retention_days(interaction.guild_id))
        view = ConfirmView(self.service, interaction.guild_id, interaction.user.id, choices, label)
        await interaction.response.send_message(text[:2000], view=view, ephemeral=True)

    @app_commands.command(name="settings")
    @app_commands.describe(
        time="New time (for example 19:00)",
        cadence="How often",
        days="Which days (for example mon, wed, fri)",
        timezone="Your time zone",
        prompts="Which prompts",
        keep="Whether to keep your answers, and for how long",
        quiet_start="Quiet hours start",
        quiet_end="Quiet hours end",
    )
    @app_commands.choices(cadence=CADENCE_CHOICES, prompts=SET_CHOICES)
    @app_commands.choices(keep=KEEP_CHOICES)
    async def settings(
        self,
        interaction: Interaction,
        time: app_commands.Range[str, 1, 20] | None = None,
        cadence: str | None = None,
        days: app_commands.Range[str, 1, 60] | None = None,
        timezone: app_commands.Range[str, 1, 64] | None = None,
        prompts: str | None = None,
        keep: int | None = None,
        quiet_start: app_commands.Range[str, 1, 20] | None = None,
        quiet_end: app_commands.Range[str, 1, 20] | None = None,
    ) -> None:
        """See your check-in choices, or change any of them."""
        assert interaction.guild_id is not None
        plan = await self.service.plan(interaction.guild_id, interaction.user.id)
        if plan is None:
            await send_ephemeral(
                interaction, "You don't have check-ins here. /checkin start sets them up, if you'd like."
            )
            return
        options = (time, cadence, days, timezone, prompts, keep, quiet_start, quiet_end)
        if all(value is None for value in options):
            choices = await self.service.choices_of(plan)
            paused = ""
            if plan.paused_until is not None:
                until = discord.utils.format_dt(from_timestamp(plan.paused_until), "D")
                paused = f"**Paused until** {until}.\n"
            text = paused + statement(
                choices, self.bot.services.clock.now().date(), await self.service.retention_days(interaction.guild_id)
            )
            await send_ephemeral(interaction, (f"Your check-ins ({CADENCE_LABELS[plan.cadence]}):\n" + text)[:2000])
            return
        choices = await self.service.choose(
            interaction.guild_id,
            interaction.user.id,
            cadence=cadence,
            time=time,
            days=days,
            timezone=timezone,
            prompt_set=prompts,
            keep_days=keep,
            quiet_start=quiet_start,
            quiet_end=quiet_end,
        )
        await self._confirm(interaction, choices, "Your check-ins with these changes:\n\n", "Save changes")

    @start.autocomplete("timezone")
    @settings.autocomplete("timezone")
    async def _timezone_complete(self, interaction: Interaction, current: str) -> list[app_commands.Choice[str]]:
        return [app_commands.Choice(name=z, value=z) for z in timezones.autocomplete(current)]

    @app_commands.command(name="now")
    async def now(self, interaction: Interaction) -> None:
        """Get a check-in prompt right now, just for you."""
        assert interaction.guild_id is not None
        plan = await self.service.plan(interaction.guild_id, interaction.user.id)
        prompt = await self.service.pick(interaction.guild_id, plan.prompt_set if plan else "daily")
        if prompt is None:
            await send_ephemeral(interaction, "There are no check-in prompts available here yet.")
            return
        view = prompt_view(interaction.guild_id, new_token(), prompt.id, with_plan=plan is not None)
        await send_ephemeral(interaction, f"> {prompt.text}\n\nAnswer if you'd like, or let it pass.", view=view)

    @app_commands.command(name="pause")
    @app_commands.describe(days=f"How many days (1 to {PAUSE_MAX_DAYS}; default 7)")
    async def pause(self, interaction: Interaction, days: app_commands.Range[int, 1, PAUSE_MAX_DAYS] = 7) -> None:
        """Pause your check-ins for a while."""
        assert interaction.guild_id is not None
        until = await self.service.pause(interaction.guild_id, interaction.user.id, days)
        await send_ephemeral(
            interaction, f"Paused until {discord.utils.format_dt(until, 'D')}. /checkin resume starts them sooner."
        )

    @app_commands.command(name="resume")
    async def resume(self, interaction: Interaction) -> None:
        """Resume paused check-ins."""
        assert interaction.guild_id is not None
        await self.service.resume(interaction.guild_id, interaction.user.id)
        await send_ephemeral(interaction, "Your check-ins are back on, from the next chosen time.")

    @app_commands.command(name="stop")
    async def stop(self, interaction: Interaction) -> None:
        """End your check-ins (you choose whether kept answers are deleted too)."""
        assert interaction.guild_id is not None
        guild_id, user_id = interaction.guild_id, interaction.user.id
        if await self.service.plan(guild_id, user_id) is None and not await self.service.has_answers(guild_id, user_id):
            await send_ephemeral(interaction, "You don't have check-ins here, so there was nothing to stop.")
            return
        await ask_stop(interaction, self.service, interaction.guild_id)

    @app_commands.command(name="history")
    async def history(self, interaction: Interaction) -> None:
        """Read your own kept answers, newest first (only you can see them)."""
        assert interaction.guild_id is not None
        view = HistoryView(self.service, interaction.guild_id, interaction.user.id)
        await send_ephemeral(interaction, await view.render(), view=view)

    # -- moderators: the server's prompts -----------------------------------------------------------------

    @prompts.command(name="add")
    @app_commands.describe(kind="Daily or weekly", text="The prompt, invitational and skippable")
    @app_commands.choices(
        kind=[
            app_commands.Choice(name="Short daily", value="daily"),
            app_commands.Choice(name="Weekly", value="weekly"),
        ]
    )
    async def prompts_add(self, interaction: Interaction, kind: str, text: app_commands.Range[str, 10, 300]) -> None:
        """Add a check-in prompt for this server (moderators)."""
        await require_moderator(interaction)
        assert interaction.guild_id is not None
        prompt_id = await self.service.add_prompt(interaction.guild_id, kind, text)
        await send_ephemeral(interaction, f"Added as `{prompt_id}`.")

    @prompts.command(name="hide")
    @app_commands.describe(prompt="The prompt id shown by /checkin prompts list")
    async def prompts_hide(self, interaction: Interaction, prompt: app_commands.Range[str, 1, 80]) -> None:
        """Stop using a prompt in this server (moderators)."""
        await require_moderator(interaction)
        assert interaction.guild_id is not None
        if not await self.service.hide_prompt(interaction.guild_id, prompt):
            await send_ephemeral(interaction, "I don't know that prompt id here; /checkin prompts list shows them.")
            return
        await send_ephemeral(interaction, f"`{prompt}` is no longer used here.")

    @prompts.command(name="list")
    async def prompts_list(self, interaction: Interaction) -> None:
        """See the check-in prompts this server uses (moderators)."""
        await require_moderator(interaction)
        assert interaction.guild_id is not None
        lines = []
        for kind in ("daily", "weekly"):
            pool = await self.service.pool(interaction.guild_id, kind)
            lines.append(f"**{kind.capitalize()}** ({len(pool)})")
            lines += [f"`{p.id}` {p.text[:80]}" for p in pool]
        await send_ephemeral(interaction, "\n".join(lines)[:2000])

    # -- privacy contract -----------------------------------------------------------------------------------

    async def export_user_data(self, user_id: int) -> dict[str, Any]:
        """The member's check-in choices and kept answers, everywhere."""
        return await self.service.export(user_id)

    async def delete_user_data(self, user_id: int) -> dict[str, int]:
        """Erase the member's check-ins everywhere."""
        return await self.service.forget(user_id)
