"""Deleting a member's anonymous posts one at a time, at random moments, and ending blocks on time.

When a member asks /privacy forget to delete their anonymous posts, deleting them all in the same
second would tell anyone watching (or Discord's audit log) that they had one author. The service
queues each message at its own random moment within the next hours (in the database, so a restart
finishes the job); this task wakes for each one and deletes it. It also wakes when a block ends, so
the block and the keyed hash it holds go at that moment, not at the next purge.
"""

from __future__ import annotations

import asyncio
import logging
import random

import discord

from bot.app import PeerCircleBot
from bot.errors import frame_trail
from bot.scheduling.scheduler import Wakeup
from cogs.venting.discord_ops import delete_reply, take_down
from cogs.venting.repository import PendingDeletion
from cogs.venting.service import VentingService

log = logging.getLogger(__name__)

IDLE_WAIT = 6 * 3600.0  # nothing queued: anything new wakes the task, so it can sleep long
BUSY_WAIT = 3600.0  # something queued: look again at least hourly, in case the wall clock jumped
ERROR_WAIT = 60.0
_random = random.SystemRandom()


class SpreadDeleter:
    """The background task behind spread-out deletions and block ends."""

    def __init__(self, bot: PeerCircleBot, service: VentingService) -> None:
        self.bot = bot
        self.svc = service
        self._wake = Wakeup()
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        """Start the task (from inside the running loop); it first finishes anything left from before a restart."""
        # Spawned through the bot, so closing the bot stops it too (not only unloading the cog).
        self._task = self.bot.spawn(self._loop(), name="vent-deletions")

    async def stop(self) -> None:
        """Stop the task; queued deletions stay in the database for the next start."""
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)
            self._task = None

    def wake(self) -> None:
        """Something was queued or a block was set: re-read when the next moment is."""
        self._wake.set()

    async def _loop(self) -> None:
        # Before the bot is ready no server is in its cache yet, and every queued message would look orphaned.
        await self.bot.wait_until_ready()
        while True:
            self._wake.clear()
            try:
                delay = await self.run_once()
            except Exception as error:
                # Type and place only: never which message, which could hint at an author.
                log.error("vent deletions pass failed (%s at %s)", type(error).__name__, frame_trail(error))
                delay = ERROR_WAIT
            await self._wake.sleep(delay)

    async def run_once(self) -> float:
        """End finished blocks and delete at most one due message; return how long to wait."""
        await self.svc.end_finished_blocks()
        pending = await self.svc.due_deletion()
        if pending is not None:
            await self._delete(pending)
        delay = await self.svc.seconds_to_next()
        if delay is None:
            return IDLE_WAIT
        if delay == 0:
            # Several overdue after downtime: still one at a time, minutes apart, never in one burst.
            return float(_random.randrange(60, 600)) if pending is not None else 1.0
        return min(delay, BUSY_WAIT)

    async def _delete(self, pending: PendingDeletion) -> None:
        guild = self.bot.get_guild(pending.guild_id)
        post = await self.svc.find_post(pending.post_id)
        if pending.is_post and post is None:
            await self.svc.deletion_done(pending)  # a moderator removed it meanwhile
            return
        if guild is None:
            # Unavailable for now; if the bot really left, leaving purges the server's rows, queue included.
            await self.svc.deletion_refused(pending)
            return
        if pending.is_post:
            try:
                await take_down(guild, post)
                gone = True
            except discord.HTTPException as error:
                log.warning("could not delete a queued anonymous post (HTTP %s); will retry", error.status)
                gone = False
        else:
            gone = await delete_reply(self.bot, pending.post_id, pending.message_id)
        if gone:
            await self.svc.deletion_done(pending)
        elif not await self.svc.deletion_refused(pending):
            log.warning("gave up deleting a queued anonymous message; it stays up, linked to nobody")
