"""Posting reflection prompts at run time, and telling a facilitator when a schedule had to stop.

The scheduler calls `Runner.fire` / `Runner.fire_closing` for due rows (already claimed, so each runs at
most once). A post that cannot be made because the channel is gone, no longer allowed, or the bot lost
a permission pauses the schedule and tells the facilitator what to fix: it is never retried in a loop.
A passing failure (Discord answering 5xx, 429, a timeout) is raised to the scheduler, which tries the
firing again from the outbox within the late window (the prompt then says it is late) and, if it never
gets through, calls `gave_up`: the facilitator is told once (after three in a row the schedule is paused
too). A post is whole or not there: a prompt whose thread cannot be opened is taken down again.
That DM goes through the bot's shared, rate-limited DM queue (bot.delivery.dm); if the facilitator's
DMs are closed, the server's notice channel is told instead.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import TYPE_CHECKING

import discord

from bot.delivery.dm import OutgoingDM
from bot.delivery.outbox import PAUSE_AFTER, RetractedError
from bot.errors import UserFacingError
from bot.interactions import missing_for
from bot.scheduling.quiet_hours import in_quiet_hours
from bot.scheduling.repository import ScheduleRow
from bot.scheduling.scheduler import Firing
from cogs.reflection.service import ReflectionService, render_closing, render_post, thread_name

if TYPE_CHECKING:
    from bot.app import PeerCircleBot

log = logging.getLogger(__name__)


class PostError(Exception):
    """A post that cannot be made until someone changes something; `reason` says what."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


async def post_prompt(
    bot: discord.Client,
    channel_id: int,
    text: str,
    *,
    late: bool = False,
    due_at: datetime | None = None,
    nonce: str | None = None,
) -> discord.Thread:
    """Post a prompt and open its thread (in a forum: a new post); PostError when it can't be done.

    A prompt whose thread cannot be opened is deleted again (RetractedError for a passing failure, so it
    can be tried whole later); any other passing failure is raised as it is.
    """
    channel = bot.get_channel(channel_id)
    if channel is None:
        raise PostError(f"the channel it posts to (<#{channel_id}>) was deleted. Choose another with /reflect edit.")
    if not isinstance(channel, discord.TextChannel | discord.ForumChannel):
        raise PostError(f"<#{channel_id}> is not a text or forum channel. Choose another with /reflect edit.")
    missing = missing_for(channel, "reflection")
    if missing:
        raise PostError(
            f"I'm missing {', '.join(missing)} in {channel.mention}. "
            "A moderator can grant it in the channel's settings."
        )
    content, name = render_post(text, late=late, due_at=due_at), thread_name(text)
    try:
        if isinstance(channel, discord.ForumChannel):
            return (await channel.create_thread(name=name, content=content)).thread
        message = await (channel.send(content) if nonce is None else channel.send(content, nonce=nonce))
        return await _open_thread(message, name)
    except discord.NotFound:
        raise PostError(
            f"the channel it posts to (<#{channel_id}>) was deleted. Choose another with /reflect edit."
        ) from None
    except discord.Forbidden:
        raise PostError(f"Discord refused my post in {channel.mention}. Check my permissions there.") from None


async def _open_thread(message: discord.Message, name: str) -> discord.Thread:
    """Open the prompt's thread, or take the prompt down again: never a prompt left without its thread."""
    try:
        return await message.create_thread(name=name)
    except discord.HTTPException as error:
        try:
            await message.delete()
        except discord.HTTPException as second:
            # Left up: nothing more can be done now; logged by ids only.
            log.warning("prompt %d left without its thread (%s)", message.id, type(second).__name__)
        if isinstance(error, discord.NotFound | discord.Forbidden):
            raise
        raise RetractedError(error) from error


class Runner:
    """The scheduler's handlers for reflection schedules."""

    def __init__(self, bot: PeerCircleBot, service: ReflectionService) -> None:
        self.bot = bot
        self.service = service

    async def fire(self, firing: Firing) -> None:
        """Post the schedule's prompt (labelled late when it is) and queue its closing prompt."""
        row = firing.row
        try:
            await self.service.check_channel(row.guild_id, int(row.target["channel"]))
        except UserFacingError:
            await self.report(
                row,
                f"moderators no longer allow <#{row.target['channel']}> for reflection prompts. "
                "Choose an allowed channel with /reflect edit.",
            )
            return
        prompt = await self.service.find_prompt(row.guild_id, str(row.target.get("prompt", "")))
        if prompt is None:
            await self.report(row, "its prompt no longer exists. Choose another with /reflect edit.")
            return
        try:
            thread = await post_prompt(
                self.bot,
                int(row.target["channel"]),
                prompt.text,
                late=firing.late,
                due_at=firing.due_at,
                nonce=firing.nonce,
            )
        except PostError as problem:
            await self.report(row, problem.reason)
            return
        await self.service.schedule_closing(row, thread.id)

    async def fire_closing(self, firing: Firing) -> None:
        """Post the closing prompt into the thread; a one-off, removed once it has run or failed for good.

        A passing failure is raised, leaving the one-off for the scheduler to try again (or give up).
        """
        row = firing.row
        try:
            prompt = await self.service.find_prompt(row.guild_id, str(row.target.get("prompt", "")))
            thread = self.bot.get_channel(int(row.target["thread"]))
            if thread is None:
                thread = await self.bot.fetch_channel(int(row.target["thread"]))
            if prompt is not None and isinstance(thread, discord.Thread):
                text = render_closing(prompt.text)
                await (thread.send(text) if firing.nonce is None else thread.send(text, nonce=firing.nonce))
        except (discord.NotFound, discord.Forbidden) as error:
            # The thread was deleted or locked: the conversation is over, nothing to fix.
            log.info("closing prompt for schedule %d not posted (%s)", row.id, type(error).__name__)
        await self.service.scheduler.remove(row.id)

    async def closing_given_up(self, firing: Firing, reason: str, paused: bool) -> None:
        """A closing prompt Discord never took: the conversation goes on without it; the one-off goes."""
        await self.service.scheduler.remove(firing.row.id)

    async def gave_up(self, firing: Firing, reason: str, paused: bool) -> None:
        """A prompt Discord never took within the late window: tell the facilitator once, in plain words."""
        row = firing.row
        if paused:
            await self.report(
                row,
                f"Discord didn't take its last {PAUSE_AFTER} prompts, though I kept trying each one for as long "
                "as it could still be posted. Check that Discord works again for you.",
            )
            return
        guild = self.bot.get_guild(row.guild_id)
        where = f" in {guild.name}" if guild is not None else ""
        due = firing.due_at.strftime("%Y-%m-%d %H:%M UTC")
        text = (
            f"The co-reflection prompt of schedule #{row.id}{where}, due {due}, wasn't posted: Discord "
            "didn't take it while I kept trying, and later it would no longer fit. Nothing needs doing; "
            "the schedule goes on as planned. You could post the prompt by hand if you'd like."
        )
        await self.tell(row, text, text)

    async def report(self, row: ScheduleRow, reason: str) -> None:
        """Pause the schedule, then tell its facilitator (DM) or the server's notice channel what to fix."""
        await self.service.record_problem(row.id, reason)
        guild = self.bot.get_guild(row.guild_id)
        where = f" in {guild.name}" if guild is not None else ""
        text = (
            f"Your co-reflection schedule #{row.id}{where} is paused: {reason} "
            f"Then turn it back on with /reflect resume number:{row.id}."
        )
        await self.tell(row, text, text.replace("Your co-reflection", "A co-reflection", 1))

    async def tell(self, row: ScheduleRow, text: str, notice: str) -> None:
        """Tell the schedule's facilitator by DM, or the server's notice channel when that can't be done."""

        async def tell_server() -> None:
            if not await self._notice(row.guild_id, notice):
                # Logs carry ids only; /reflect list still shows the reason to every facilitator.
                log.warning("reflection schedule %d: nobody could be told what happened", row.id)

        if row.owner_id is not None and await self._dm(row, text, tell_server):
            return
        await tell_server()

    async def _dm(self, row: ScheduleRow, text: str, on_closed: Callable[[], Awaitable[None]]) -> bool:
        assert row.owner_id is not None
        svc = self.bot.services
        config = await svc.guilds.get(row.guild_id)
        prefs = await svc.preferences.effective(row.guild_id, row.owner_id, config.timezone)
        start, end = prefs.quiet_start, prefs.quiet_end
        if start is not None and end is not None and in_quiet_hours(svc.clock.now(), prefs.timezone, start, end):
            return False  # never a DM in quiet hours: the notice channel (or /reflect list) says it
        # Queued, not sent here: the notice channel is told instead if Discord refuses the DM (50007).
        await self.bot.dm.submit(OutgoingDM(row.owner_id, text, None, on_closed))
        return True

    async def _notice(self, guild_id: int, text: str) -> bool:
        channel_id = (await self.bot.services.guilds.get(guild_id)).get("notice_channel")
        channel = self.bot.get_channel(channel_id) if channel_id else None
        if not isinstance(channel, discord.TextChannel):
            return False
        try:
            await channel.send(text)
        except discord.HTTPException:
            return False
        return True
