"""What a circle does on Discord when the scheduler says so: post a meeting, close it, end the circle.

The scheduler calls `Runner.fire` (a meeting, regular or moved) and `Runner.fire_close` (the end of
a meeting's window) for rows it has already claimed, so each runs at most once. A meeting that cannot
be posted because the channel is gone, no longer allowed, or the bot lost a permission pauses the
circle and tells the notice channel what to fix: it is never retried in a loop. A passing failure
(5xx, 429, a timeout) is raised to the scheduler, which tries again within the late window. A
meeting post is whole or not there: one whose thread cannot be opened is taken down again.
A thread deleted or locked by hand ends that meeting quietly; the next meeting still happens.
Logs carry ids and error types only.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

import discord

from bot.delivery.outbox import PAUSE_AFTER, RetractedError
from bot.errors import UserFacingError
from bot.interactions import TEXT_THREAD_PERMS, missing_permissions
from bot.scheduling.scheduler import Firing
from cogs.circles import plan
from cogs.circles.repository import Circle
from cogs.circles.service import MOVED_KIND, CircleService, Meeting
from cogs.circles.views import join_view

if TYPE_CHECKING:
    from bot.app import PeerCircleBot

log = logging.getLogger(__name__)
# A circle also closes and locks its meeting threads.
CIRCLE_PERMS = (*TEXT_THREAD_PERMS, "manage_threads")


class PostError(Exception):
    """A meeting that cannot be posted until someone changes something; `reason` says what."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def channel_problem(channel: Any, channel_id: int) -> str | None:
    """Why the bot cannot hold meetings in a channel, or None when it can."""
    if channel is None:
        return f"its channel (<#{channel_id}>) was deleted. End the circle and set it up in another channel."
    if not isinstance(channel, discord.TextChannel):
        return f"<#{channel_id}> is not a text channel."
    missing = missing_permissions(channel, CIRCLE_PERMS)
    if missing:
        needed = ", ".join(missing)
        return f"I'm missing {needed} in {channel.mention}. A moderator can grant it in the channel's settings."
    return None


def mention_only(role_id: int) -> discord.AllowedMentions:
    """Allowed mentions for a meeting post: the circle's role, nobody and nothing else."""
    return discord.AllowedMentions(everyone=False, users=False, roles=[discord.Object(role_id)], replied_user=False)


async def post_meeting(channel: discord.TextChannel, meeting: Meeting, nonce: str | None) -> discord.Thread:
    """Post the meeting and open its thread; a post whose thread cannot be opened is taken down again."""
    kwargs: dict[str, Any] = {
        "view": join_view(meeting.circle.id),
        "allowed_mentions": mention_only(meeting.circle.role_id),
    }
    if nonce is not None:
        kwargs["nonce"] = nonce
    try:
        message = await channel.send(meeting.text, **kwargs)
    except discord.NotFound:
        raise PostError(f"its channel (<#{channel.id}>) was deleted.") from None
    except discord.Forbidden:
        raise PostError(f"Discord refused my post in {channel.mention}. Check my permissions there.") from None
    try:
        return await message.create_thread(name=meeting.title, auto_archive_duration=1440)
    except discord.HTTPException as error:
        try:
            await message.delete()
        except discord.HTTPException as second:
            log.warning("circle post %d left without its thread (%s)", message.id, type(second).__name__)
        if isinstance(error, discord.NotFound | discord.Forbidden):
            raise PostError(
                f"Discord refused to open a thread in {channel.mention}. Check my permissions there."
            ) from None
        raise RetractedError(error) from error


class Runner:
    """The scheduler's handlers for circles."""

    def __init__(self, bot: PeerCircleBot, service: CircleService) -> None:
        self.bot = bot
        self.service = service

    async def fire(self, firing: Firing) -> None:
        """Hold a meeting: post the agreement and prompt, open the thread, queue its end."""
        action, meeting, circle = await self.service.meeting(firing.row, firing.due_at, firing.late)
        if circle is None or action == "skipped":
            return
        if action == "ended" or meeting is None:
            await self.end(circle)
            return
        try:
            await self.service.check_channel(circle.guild_id, circle.channel_id)
        except UserFacingError:
            await self.report(circle, f"moderators no longer allow <#{circle.channel_id}> for co-reflection.")
            return
        channel = self.bot.get_channel(circle.channel_id)
        problem = channel_problem(channel, circle.channel_id)
        if problem is not None:
            await self.report(circle, problem)
            return
        assert isinstance(channel, discord.TextChannel)
        try:
            thread = await post_meeting(channel, meeting, firing.nonce)
        except PostError as error:
            await self.report(circle, error.reason)
            return
        moved = firing.row.id if firing.row.kind == MOVED_KIND else None
        await self.service.held(meeting, thread.id, moved)

    async def fire_close(self, firing: Firing) -> None:
        """End a meeting: the closing round, then archive and lock the thread; after the last, end the circle."""
        row = firing.row
        circle, closing, last = await self.service.closing(row)
        await self.close_thread(int(row.target.get("thread", 0)), closing, firing.nonce)
        if circle is not None and last:
            await self.say_ended(circle)
        await self.service.closed(row, circle, last)

    async def close_thread(self, thread_id: int, closing: str | None, nonce: str | None = None) -> None:
        """Post the closing round (if any) and archive and lock the thread; a thread deleted by hand is let be."""
        try:
            thread = self.bot.get_channel(thread_id) or await self.bot.fetch_channel(thread_id)
            if not isinstance(thread, discord.Thread) or (thread.archived and thread.locked):
                return
            if closing:
                text = plan.render_closing(closing)
                await (thread.send(text) if nonce is None else thread.send(text, nonce=nonce))
            await thread.edit(archived=True, locked=True)
        except (discord.NotFound, discord.Forbidden) as error:
            # Deleted or locked by hand: that meeting is over; nothing to fix, nothing to retry.
            log.info("circle thread %d not closed (%s)", thread_id, type(error).__name__)

    async def close_given_up(self, firing: Firing, reason: str, paused: bool) -> None:
        """A meeting's end Discord never took: drop it; after the last meeting the circle still ends."""
        circle, _, last = await self.service.closing(firing.row)
        if circle is not None and last:
            await self.say_ended(circle)
        await self.service.closed(firing.row, circle, last)

    async def gave_up(self, firing: Firing, reason: str, paused: bool) -> None:
        """A meeting Discord never took within the late window: tell the notice channel once."""
        circle = await self.service.lookup(int(firing.row.target.get("circle", 0)))
        if circle is None:
            return
        if paused:
            await self.report(circle, f"Discord didn't take its last {PAUSE_AFTER} meetings, though I kept trying.")
            return
        due = firing.due_at.strftime("%Y-%m-%d %H:%M UTC")
        await self.notice(
            circle.guild_id,
            f"The meeting of {circle.name} due {due} wasn't posted: Discord didn't take it while I kept trying. "
            "Nothing needs doing; the circle goes on with its next meeting.",
        )

    async def end(self, circle: Circle) -> None:
        """End a circle now: close any open meeting, say so in its channel, remove a role the bot made."""
        _, closes = await self.service.end(circle)
        for row in closes:
            await self.close_thread(int(row.target.get("thread", 0)), circle.closing)
        await self.say_ended(circle)

    async def say_ended(self, circle: Circle) -> None:
        """Tell the channel the circle has ended and delete the role the bot made (best effort, never retried)."""
        channel = self.bot.get_channel(circle.channel_id)
        try:
            if isinstance(channel, discord.TextChannel):
                await channel.send(plan.render_end(circle.name, circle.role_made))
            guild = self.bot.get_guild(circle.guild_id)
            role = guild.get_role(circle.role_id) if guild is not None else None
            if circle.role_made and role is not None:
                await role.delete(reason="Its co-reflection circle ended")
        except discord.HTTPException as error:
            log.warning("circle %d: end not fully announced (%s)", circle.id, type(error).__name__)

    async def report(self, circle: Circle, reason: str) -> None:
        """Pause the circle and tell the notice channel what to fix (/circle list shows it too)."""
        await self.service.record_problem(circle.id, reason)
        await self.notice(
            circle.guild_id,
            f"The circle {circle.name} is paused: {reason} Then turn it back on with /circle resume.",
        )

    async def notice(self, guild_id: int, text: str) -> None:
        """Post to the server's notice channel, if it has one the bot can use."""
        channel_id = (await self.bot.services.guilds.get(guild_id)).get("notice_channel")
        channel = self.bot.get_channel(channel_id) if channel_id else None
        if not isinstance(channel, discord.TextChannel):
            log.info("circle notice in guild %d: no notice channel", guild_id)
            return
        try:
            await channel.send(text)
        except discord.HTTPException as error:
            log.warning("circle notice not posted (%s)", type(error).__name__)
