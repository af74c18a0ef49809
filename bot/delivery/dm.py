"""Scheduled direct messages through one bounded, rate-limited queue shared by every feature.

Many members can be due in the same minute (everyone's 09:00 check-in). Instead of one burst, each
DM goes through bot.delivery.queue.DeliveryQueue, whose token bucket uses Discord's whole global
budget and no more. A DM costs one request: the member's DM channel id is stored (dm_channels; Discord
gives the bot the same channel for a member every time) and the message is posted to it through a
`PartialMessageable`, without discord.py's cache of 128 DM channels. A member whose id isn't stored
yet costs one more request, to open the channel; the maintenance pass opens those ahead of a wave
(`open_ahead`), while the queue is idle. Ids are stored only for members with a scheduled DM (which
they turned on themselves), and go once they have none left or a month after the last DM. A stored
id that turns out stale (404, or 50007) is dropped and the channel opened again, once.

A DM that comes from a schedule carries its outbox `Receipt` (bot.delivery.outbox): it is sent with
the row's nonce and reported to the receipt once over, so a 5xx, a 429 or a timeout is tried again
later (by the scheduler, from the outbox) and a crash never loses it. A 429, whether it reaches us or
only discord.py's log (`RateLimitWatch`, for the global limit), holds the whole queue for its
`retry_after`.

A DM Discord refuses with 50007 ("Cannot send messages to this user") on a freshly opened channel is
never retried: the item's `on_closed` (usually made by bot.delivery.notices.DmNotices.closed) pauses
what sent it and the member is told once, at their next command. Logs carry counts and lateness in
seconds only, never who or what.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import discord

from bot.delivery.outbox import Receipt, retry_after
from bot.delivery.queue import DEFAULT_BURST, DEFAULT_RATE, DeliveryQueue
from bot.delivery.repository import DmChannelRepository

log = logging.getLogger(__name__)

CANNOT_DM = 50007
UNKNOWN_CHANNEL = 10003
# A stored DM channel id goes this long after the last DM sent through it.
CHANNEL_KEPT = timedelta(days=30)
TOUCH_EVERY = timedelta(days=7)


@dataclass(frozen=True)
class OutgoingDM:
    """One DM to send: to whom, what, and what to do if their DMs are closed."""

    user_id: int
    content: str
    view: discord.ui.View | None
    on_closed: Callable[[], Awaitable[None]]
    lateness: float = 0.0
    # Called with the sent message (e.g. to record the ids of a DM that quotes what a member kept).
    on_sent: Callable[[discord.Message], Awaitable[None]] | None = None
    # A scheduled DM's outbox receipt (Firing.receipt): its nonce, and where to report the outcome.
    receipt: Receipt | None = None


class DmSender:
    """Owns the delivery queue and the stored DM channel ids; features submit OutgoingDM items."""

    def __init__(
        self,
        client: discord.Client,
        *,
        channels: DmChannelRepository,
        rate: float = DEFAULT_RATE,
        burst: float = DEFAULT_BURST,
        maxsize: int = 10_000,
        workers: int | None = None,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Awaitable[None]] | None = None,
        now: Callable[[], int] = lambda: int(time.time()),
        dm_kinds: Callable[[], tuple[str, ...]] = tuple,
    ) -> None:
        self.client = client
        self.channels = channels
        # The schedule kinds that DM their owner (Scheduler.dm_kinds): an id is stored only for their owners.
        self._dm_kinds = dm_kinds
        # Unix seconds for stored rows (the bot's clock); `clock` only paces the queue.
        self._now = now
        self.rate = rate
        options: dict[str, Any] = {
            "rate": rate,
            "burst": burst,
            "maxsize": maxsize,
            "clock": clock,
            "linger": False,
            # Each request takes its token just before it goes: the channel lookup happens first.
            "self_paced": True,
        }
        if workers is not None:
            options["workers"] = workers
        if sleep is not None:
            options["sleep"] = sleep
        self.queue: DeliveryQueue[OutgoingDM] = DeliveryQueue(self._send, **options)
        self.closed = 0
        # Requests made, for monitoring and the benchmark: channels opened and messages posted.
        self.opened = 0
        self.posted = 0

    def start(self) -> None:
        """Make sure workers are sending (inside the running loop); they leave again once the queue is empty.

        Workers live only while there is something to send: idle tasks parked forever on an empty
        queue would hold shutdown up and look like stuck work to test simulators.
        """
        self.queue.ensure_workers()

    async def stop(self) -> None:
        """Stop the workers (anything still queued is abandoned; scheduled DMs stay owed in the outbox)."""
        await self.queue.stop()

    def backlog_seconds(self) -> float:
        """How long the DMs waiting in the queue take to send at this queue's rate."""
        return self.queue.waiting() / self.rate

    async def submit(self, item: OutgoingDM) -> None:
        """Queue a DM (waits for room when the queue is full: back-pressure on the scheduler)."""
        if item.receipt is not None:
            item.receipt.hand_over()
        if item.lateness > 60:
            # A figure only: never who it was for or what it says.
            log.info("scheduled DM queued %.0f s after its time", item.lateness)
        await self.queue.submit(item)
        self.start()

    def rate_limited(self, seconds: float) -> None:
        """Discord answered 429: hold every DM for `seconds`, then carry on at the same pace."""
        log.warning("rate limited: holding direct messages for %.2f s", seconds)
        self.queue.drain(seconds)

    async def open_ahead(self, user_ids: Iterable[int]) -> int:
        """Open and store the DM channels of members whose scheduled DM is due soon; return how many.

        Only while nothing is waiting to be sent: a wave already under way opens its own channels.
        """
        opened = 0
        for user_id in user_ids:
            if not self.queue.idle():
                break
            try:
                channel_id = await self._open(user_id)
            except discord.NotFound:
                continue  # an account that no longer exists: its schedules will fail on their own
            except discord.HTTPException as error:
                self._note_rate_limit(error)
                break  # try the rest on the next pass
            opened += await self.channels.put(user_id, channel_id, *self._stamps(), self._dm_kinds())
        return opened

    def _stamps(self) -> tuple[int, int]:
        now = self._now()
        return now, now + int(CHANNEL_KEPT.total_seconds())

    def _note_rate_limit(self, error: BaseException) -> None:
        limited = isinstance(error, discord.RateLimited) or getattr(error, "status", None) == 429
        if limited:
            self.rate_limited(retry_after(error) or 1.0)

    async def _send(self, item: OutgoingDM) -> None:
        receipt = item.receipt
        try:
            message = await self._post(item)
        except discord.Forbidden as error:
            if error.code != CANNOT_DM:
                if receipt is not None:
                    await receipt.failed(error)
                raise
            self.closed += 1
            if receipt is not None:
                await receipt.sent()  # nothing to try again: the feature pauses and the member is told
            await item.on_closed()
        except Exception as error:
            self._note_rate_limit(error)
            if receipt is not None:
                await receipt.failed(error)  # tried again later from the outbox, or given up
            raise
        else:
            if receipt is not None:
                await receipt.sent()
            if item.on_sent is not None:
                await item.on_sent(message)

    async def _post(self, item: OutgoingDM) -> discord.Message:
        """Post to the stored channel, opening it first if none is stored (or the stored one is stale)."""
        found = await self.channels.get(item.user_id)
        if found is None:
            return await self._open_and_post(item)
        stored, used_at = found
        try:
            message = await self._post_to(stored, item)
        except discord.HTTPException as error:
            if not _stale(error):
                raise
            # Dropped only if still the id that failed; then opened afresh, once.
            await self.channels.drop(item.user_id, stored)
            return await self._open_and_post(item)
        now, expires_at = self._stamps()
        if now - used_at >= TOUCH_EVERY.total_seconds():
            # Its expiry moves forward about once a week, not with every DM: a wave adds no writes.
            await self.channels.touch(item.user_id, now, expires_at)
        return message

    async def _open_and_post(self, item: OutgoingDM) -> discord.Message:
        channel_id = await self._open(item.user_id)
        message = await self._post_to(channel_id, item)
        # Stored once a DM went through (a member whose DMs are closed leaves nothing behind), and only
        # for members with a scheduled DM, the ones that come in waves: a /connect suggestion or a
        # one-off event reminder keeps nothing.
        if item.receipt is not None:
            await self.channels.put(item.user_id, channel_id, *self._stamps(), self._dm_kinds())
        return message

    async def _open(self, user_id: int) -> int:
        """Ask Discord for the member's DM channel (the same id every time) without discord.py's cache."""
        await self.queue.take()
        self.opened += 1
        data = await self.client.http.start_private_message(user_id)
        return int(data["id"])

    async def _post_to(self, channel_id: int, item: OutgoingDM) -> discord.Message:
        channel = self.client.get_partial_messageable(channel_id, type=discord.ChannelType.private)
        options: dict[str, Any] = {}
        if item.view is not None:
            options["view"] = item.view
        if item.receipt is not None:
            # Discord answers a second send with this nonce with the first message (enforce_nonce).
            options["nonce"] = item.receipt.nonce
        await self.queue.take()
        self.posted += 1
        return await channel.send(item.content, **options)


def _stale(error: discord.HTTPException) -> bool:
    """A stored channel id Discord no longer accepts: unknown (404) or refused (50007)."""
    return isinstance(error, discord.NotFound) or error.code in (UNKNOWN_CHANNEL, CANNOT_DM)


# discord.py retries a 429 itself and only logs it; these are its words for the global limit.
_GLOBAL_LIMIT = "Global rate limit has been hit"


class RateLimitWatch(logging.Handler):
    """Watches discord.py's HTTP log for the global rate limit and holds the DM queue as long as it says.

    discord.py sleeps through a 429 inside the one request that met it; the DM workers would keep
    taking tokens meanwhile and all fire together when it ends. Only the seconds are read.
    """

    def __init__(self, on_limit: Callable[[float], None]) -> None:
        super().__init__(logging.WARNING)
        self._on_limit = on_limit

    def emit(self, record: logging.LogRecord) -> None:
        """Pass the global limit's retry_after on; every other record is ignored."""
        if not isinstance(record.msg, str) or not record.msg.startswith(_GLOBAL_LIMIT):
            return
        args = record.args if isinstance(record.args, tuple) else ()
        if args and isinstance(args[-1], int | float):
            self._on_limit(float(args[-1]))
