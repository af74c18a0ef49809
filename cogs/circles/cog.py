"""/circle: facilitators run co-reflection circles, a series of meetings each with its own thread.

Taking part is voluntary: members who want a mention press a button that gives them the circle's
role; pressing it again takes the role away. The bot keeps no list of them, nor who set a circle up.
"""

from __future__ import annotations

import logging
from typing import ClassVar

import discord
from discord import app_commands
from discord.ext import commands

from bot.app import PeerCircleBot
from bot.errors import UserFacingError
from bot.interactions import is_facilitator, require_facilitator, require_feature, send_ephemeral
from bot.privacy import DataStatement, StoresNothing
from bot.scheduling.recurrence import describe
from bot.scheduling.scheduler import DEFAULT_GRACE
from bot.services import timezones
from bot.ui import send_lines
from cogs.circles import plan
from cogs.circles.posting import Runner, channel_problem
from cogs.circles.repository import Circle
from cogs.circles.service import (
    CLOSE_KIND,
    FEATURE,
    MEETING_KIND,
    MOVED_KIND,
    CircleService,
    Draft,
    Options,
    when_text,
)
from cogs.circles.views import EditModal, JoinButton, join_view

log = logging.getLogger(__name__)
Interaction = discord.Interaction[PeerCircleBot]
CADENCE_CHOICES = [app_commands.Choice(name=c, value=c) for c in plan.CADENCES]
CIRCLE_HELP = "The circle (its name)"
Meetings = app_commands.Range[int, 1, plan.MAX_MEETINGS]
Minutes = app_commands.Range[int, plan.MIN_MINUTES, plan.MAX_MINUTES]
# Anyone may see which circles there are; everything else is for facilitators.
OPEN_TO_ALL = {"list"}
# The most a form's text field holds (Discord's limit).
FORM_MAX = 4000


async def choose_role(guild: discord.Guild, given: discord.Role | None, name: str) -> tuple[discord.Role, bool]:
    """The role to mention: the one given if the bot can hand it out, else a new one it makes."""
    me = guild.me
    if not me.guild_permissions.manage_roles:
        raise UserFacingError(
            "I need the Manage Roles permission to give people the circle's role. A moderator can grant it "
            "in Server Settings → Roles. Nothing was changed."
        )
    if given is None:
        made = await guild.create_role(name=name, mentionable=True, reason="A co-reflection circle's mention role")
        return made, True
    if given.is_default() or given.managed:
        raise UserFacingError(f"{given.name} can't be handed out by a button. Choose another `role`, or leave it out.")
    if given >= me.top_role:
        raise UserFacingError(
            f"I can't give people {given.name}: it is not below my own highest role ({me.top_role.name}). A moderator "
            "can move my role above it in Server Settings → Roles, or leave `role` out and I'll make one. "
            "Nothing was changed."
        )
    return given, False


def announcement(draft: Draft, circle: Circle, first: str) -> str:
    """The post that introduces a circle in its channel, above the join button."""
    end = f"{draft.plan.meetings} meetings" if draft.plan.meetings else f"until {draft.plan.ends_on}"
    return (
        f"**{circle.name}**: a co-reflection circle meets here {describe(draft.plan.rule)}, {end}. "
        f"First meeting: {first}. Each meeting opens a thread for {draft.minutes} minutes, with a prompt to "
        "answer if you'd like. Taking part is up to you.\n"
        "If you'd like a mention when it meets, press the button; press it again to stop. The role shows on "
        "your profile, as Discord roles do; the bot keeps no list of who pressed it."
    )


@app_commands.guild_only()
class Circles(StoresNothing, commands.GroupCog, group_name="circle", group_description="Co-reflection circles"):
    """Co-reflection circles, run by facilitators and moderators."""

    DATA_STATEMENT: ClassVar[DataStatement] = DataStatement.nothing(
        "Co-reflection circles",
        "Keeps each circle's set-up (name, channel, role, prompts, times), not who made it. Who wants a "
        "mention is only Discord's role, which you add or remove with the circle's button; no list is kept.",
    )

    def __init__(self, bot: PeerCircleBot, service: CircleService) -> None:
        self.bot = bot
        self.service = service
        self.runner = Runner(bot, service)

    async def cog_load(self) -> None:
        """Register the service, the join button and the schedule kinds."""
        self.bot.features.add(self.service)
        self.bot.add_dynamic_items(JoinButton)
        scheduler = self.bot.services.scheduler
        for kind in (MEETING_KIND, MOVED_KIND):
            scheduler.register(
                kind, self.runner.fire, feature=FEATURE, deadline=DEFAULT_GRACE, on_give_up=self.runner.gave_up
            )
        scheduler.register(
            CLOSE_KIND,
            self.runner.fire_close,
            feature=FEATURE,
            deadline=DEFAULT_GRACE,
            on_give_up=self.runner.close_given_up,
        )

    async def cog_unload(self) -> None:
        """Undo cog_load."""
        for kind in (MEETING_KIND, MOVED_KIND, CLOSE_KIND):
            self.bot.services.scheduler.unregister(kind)
        self.bot.remove_dynamic_items(JoinButton)
        self.bot.features.remove(CircleService)

    async def interaction_check(self, interaction: Interaction) -> bool:  # type: ignore[override]
        """Only while circles are on; all but /circle list for facilitators and moderators."""
        await require_feature(interaction, FEATURE)
        name = interaction.command.name if interaction.command else ""
        return name in OPEN_TO_ALL or await require_facilitator(interaction)

    async def _circle(self, interaction: Interaction, ref: str) -> Circle:
        assert interaction.guild_id is not None
        return await self.service.find(interaction.guild_id, ref)

    @app_commands.command(name="create")
    @app_commands.describe(
        name="A name members will know it by, e.g. Tuesday circle",
        channel="An allowed co-reflection channel",
        start="The first meeting's date, year-month-day, e.g. 2026-03-03",
        time="Local time of each meeting, e.g. 18:00 or 6pm",
        cadence="How often it meets (monthly: the same weekday of the month as the start)",
        prompts="In order, separated by |: keys from /reflect prompts list (s:3, b:…) or your own words",
        meetings="How many meetings in all (or give until)",
        until="The last date it can meet, year-month-day (or give meetings)",
        zone="Time zone (default: the server's), e.g. Europe/London",
        minutes=f"How long each meeting's thread stays open ({plan.MIN_MINUTES}-{plan.MAX_MINUTES}, default 90)",
        role="A role to mention (default: I make one named after the circle and delete it at the end)",
        agreement="Your own opening agreement (default: the server's standard one)",
        closing="A closing round posted when each meeting ends (default: none)",
    )
    @app_commands.choices(cadence=CADENCE_CHOICES)
    async def create(
        self,
        interaction: Interaction,
        name: str,
        channel: discord.TextChannel,
        start: str,
        time: str,
        cadence: app_commands.Choice[str],
        prompts: str,
        meetings: Meetings | None = None,
        until: str | None = None,
        zone: str | None = None,
        minutes: Minutes | None = None,
        role: discord.Role | None = None,
        agreement: str | None = None,
        closing: str | None = None,
    ) -> None:
        """Set up a circle: its meetings, prompts and texts, with a button for members who want a mention."""
        assert interaction.guild is not None
        options = Options(
            name, channel.id, cadence.value, start, time, prompts, zone, meetings, until, minutes, agreement, closing
        )
        draft = await self.service.prepare(interaction.guild.id, options)
        problem = channel_problem(channel, channel.id)
        if problem is not None:
            raise UserFacingError(f"I can't hold meetings in {channel.mention}: {problem} Nothing was changed.")
        chosen, made = await choose_role(interaction.guild, role, draft.name)
        await self._store(interaction, draft, channel, chosen, made)

    async def _store(
        self, interaction: Interaction, draft: Draft, channel: discord.TextChannel, role: discord.Role, made: bool
    ) -> None:
        """Store the circle and post its announcement; undo both (and a made role) if either fails."""
        try:
            circle, row = await self.service.store(draft, role.id, made)
        except Exception:
            if made:
                await role.delete(reason="Setting up its circle failed")
            raise
        zone = draft.plan.rule.tz
        first = when_text(row.next_run_at, zone) if row.next_run_at else "none"
        try:
            await channel.send(announcement(draft, circle, first), view=join_view(circle.id))
        except discord.HTTPException:
            await self.service.finish(circle)
            if made:
                await role.delete(reason="Setting up its circle failed")
            raise UserFacingError(
                f"I couldn't post the circle's announcement in {channel.mention}, so I set nothing up. "
                "Check my permissions there and try again."
            ) from None
        role_note = (
            f"I made the role {role.mention}; it is deleted when the circle ends."
            if made
            else f"It mentions {role.mention}, which stays when the circle ends."
        )
        await send_ephemeral(
            interaction,
            f"Set up **{circle.name}**: {describe(draft.plan.rule)} in {channel.mention}. First meeting: {first}. "
            f"{role_note} /circle preview shows the first meeting exactly.",
        )

    @app_commands.command(name="list")
    async def list_circles(self, interaction: Interaction) -> None:
        """The circles in this server and when they meet next."""
        assert interaction.guild_id is not None
        circles = await self.service.circles(interaction.guild_id)
        if not circles:
            await send_ephemeral(interaction, "No circles here yet. A facilitator can set one up with /circle create.")
            return
        lines = [await self.service.describe(c) for c in circles]
        await send_lines(
            interaction, "Co-reflection circles (press the button in a circle's channel for a mention):", lines
        )

    @app_commands.command(name="preview")
    @app_commands.describe(circle=CIRCLE_HELP)
    async def preview(self, interaction: Interaction, circle: str) -> None:
        """See the next meeting exactly as it will be posted, visible only to you."""
        found = await self._circle(interaction, circle)
        meeting = await self.service.preview(found)
        if meeting is None:
            raise UserFacingError(f"{found.name} has no coming meeting" + (" (it is paused)." if found.paused else "."))
        zone = (await self.service.rule(found)).tz
        await send_ephemeral(interaction, meeting.text)
        dates = ", ".join(when_text(m, zone) for m in await self.service.next_meetings(found, 3))
        coming = "\n".join(f"{n}. {text}" for n, text in enumerate(self.service.coming_prompts(found)[:10], start=1))
        closing = plan.render_closing(found.closing) if found.closing else "(no closing round)"
        await send_ephemeral(
            interaction,
            f"↑ posted in <#{found.channel_id}>, opening a thread named “{meeting.title}”.\n"
            f"When the thread closes (then archived and locked):\n{closing}\n\n"
            f"Next meetings: {dates}\nComing prompts, in order:\n{coming}"[:2000],
        )

    @app_commands.command(name="pause")
    @app_commands.describe(circle=CIRCLE_HELP)
    async def pause(self, interaction: Interaction, circle: str) -> None:
        """Pause a circle: no meetings until you resume it."""
        found = await self._circle(interaction, circle)
        await self.service.pause(found)
        await send_ephemeral(interaction, f"{found.name} is paused. /circle resume starts it again.")

    @app_commands.command(name="resume")
    @app_commands.describe(circle=CIRCLE_HELP)
    async def resume(self, interaction: Interaction, circle: str) -> None:
        """Resume a paused circle from its next meeting (missed ones are not made up)."""
        found = await self._circle(interaction, circle)
        problem = channel_problem(self.bot.get_channel(found.channel_id), found.channel_id)
        if problem is not None:
            raise UserFacingError(f"{found.name} can't meet yet: {problem}")
        nxt = await self.service.resume(found)
        zone = (await self.service.rule(found)).tz
        after = f"Next meeting: {when_text(nxt, zone)}." if nxt else "It has no meetings left; /circle end ends it."
        await send_ephemeral(interaction, f"{found.name} is on again. {after}")

    @app_commands.command(name="skip")
    @app_commands.describe(circle=CIRCLE_HELP)
    async def skip(self, interaction: Interaction, circle: str) -> None:
        """Skip the next meeting only (it does not count towards the number of meetings)."""
        found = await self._circle(interaction, circle)
        skipped, after = await self.service.skip(found)
        zone = (await self.service.rule(found)).tz
        then = f"The one after is {when_text(after, zone)}." if after else "There is no meeting after it."
        await send_ephemeral(
            interaction, f"The meeting of {found.name} on {when_text(skipped, zone)} is skipped. {then}"
        )

    @app_commands.command(name="move")
    @app_commands.describe(
        circle=CIRCLE_HELP,
        date="Its new date, year-month-day",
        time="Its new local time, e.g. 18:00",
        meeting="Which meeting to move, by its date (default: the next one)",
    )
    async def move(
        self, interaction: Interaction, circle: str, date: str, time: str, meeting: str | None = None
    ) -> None:
        """Move one meeting to another date or time; the others stay as they are."""
        found = await self._circle(interaction, circle)
        old, new = await self.service.move(found, date, time, meeting)
        zone = (await self.service.rule(found)).tz
        await send_ephemeral(
            interaction, f"The meeting of {found.name} on {when_text(old, zone)} moves to {when_text(new, zone)}."
        )

    @app_commands.command(name="edit")
    @app_commands.describe(circle=CIRCLE_HELP)
    async def edit(self, interaction: Interaction, circle: str) -> None:
        """Change the coming prompts, the opening agreement and the closing round in a form."""
        found = await self._circle(interaction, circle)
        agreement = found.agreement or self.service.texts.agreement
        if len("\n".join(self.service.coming_prompts(found))) > FORM_MAX:
            raise UserFacingError(
                f"{found.name}'s coming prompts are longer than one form can hold ({FORM_MAX} characters), so "
                "editing them here could cut one off. End the circle and set it up again with shorter prompts."
            )
        await interaction.response.send_modal(EditModal(found, self.service.coming_prompts(found), agreement))

    @app_commands.command(name="end")
    @app_commands.describe(circle=CIRCLE_HELP)
    async def end(self, interaction: Interaction, circle: str) -> None:
        """End a circle now: no more meetings; an open meeting is closed; a role I made is deleted."""
        found = await self._circle(interaction, circle)
        await self.runner.end(found)
        role = "Its role is deleted." if found.role_made else "Its role stays as it was."
        await send_ephemeral(interaction, f"{found.name} has ended, and its channel has been told. {role}")

    @preview.autocomplete("circle")
    @pause.autocomplete("circle")
    @resume.autocomplete("circle")
    @skip.autocomplete("circle")
    @move.autocomplete("circle")
    @edit.autocomplete("circle")
    @end.autocomplete("circle")
    async def _circle_complete(self, interaction: Interaction, current: str) -> list[app_commands.Choice[str]]:
        if interaction.guild_id is None or not await is_facilitator(interaction):
            return []
        found = [c for c in await self.service.circles(interaction.guild_id) if current.lower() in c.name.lower()]
        return [app_commands.Choice(name=c.name, value=str(c.id)) for c in found[:25]]

    @create.autocomplete("zone")
    async def _zone_complete(self, interaction: Interaction, current: str) -> list[app_commands.Choice[str]]:
        return [app_commands.Choice(name=z, value=z) for z in timezones.autocomplete(current)]
