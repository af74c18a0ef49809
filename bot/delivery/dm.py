"""Scheduled direct messages through one bounded, rate-limited queue shared by every feature.

Many members can be due in the same minute (everyone's 09:00 check-in). Instead of one burst, each
DM goes through bot.delivery.queue.DeliveryQueue, whose token bucket stays under Discord's global
limit; a DM to a member whose DM channel isn't cached costs two requests (open, then post).

A DM that comes from a schedule carries its outbox `Receipt` (bot.delivery.outbox): it is sent with
the row's nonce and reported to the receipt once over, so a 5xx, a 429 or a timeout is tried again
later (by the scheduler, from the outbox) and a crash never loses it.

A DM Discord refuses with 50007 ("Cannot send messages to this user") is never retried: the
item's `on_closed` (usually made by bot.delivery.notices.DmNotices.closed) pauses what sent it and
the member is told once, at their next command. Logs carry counts and lateness in seconds only,
never who or what.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import discord

from bot.delivery.outbox import Receipt
from bot.delivery.queue import DEFAULT_BURST, DEFAULT_RATE, DeliveryQueue

log = logging.getLogger(__name__)

CANNOT_DM = 50007
# Requests a DM costs: opening the DM channel is a request of its own when it isn't cached.
COST_CACHED = 1.0
COST_NEW_CHANNEL = 2.0


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
    """Owns the delivery queue; features submit OutgoingDM items."""

    def __init__(
        self,
        client: discord.Client,
        *,
        rate: float = DEFAULT_RATE,
        burst: float = DEFAULT_BURST,
        maxsize: int = 10_000,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Awaitable[None]] | None = None,
    ) -> None:
        self.client = client
        options: dict[str, Any] = {"rate": rate, "burst": burst, "maxsize": maxsize, "clock": clock, "linger": False}
        if sleep is not None:
            options["sleep"] = sleep
        self.queue: DeliveryQueue[OutgoingDM] = DeliveryQueue(self._send, **options)
        self.closed = 0

    def start(self) -> None:
        """Make sure workers are sending (inside the running loop); they leave again once the queue is empty.

        Workers live only while there is something to send: idle tasks parked forever on an empty
        queue would hold shutdown up and look like stuck work to test simulators.
        """
        self.queue.ensure_workers()

    async def stop(self) -> None:
        """Stop the workers (anything still queued is abandoned; scheduled DMs stay owed in the outbox)."""
        await self.queue.stop()

    def cost(self, user_id: int) -> float:
        """2 requests when the DM channel must be opened first, else 1."""
        user = self.client.get_user(user_id)
        return COST_CACHED if user is not None and user.dm_channel is not None else COST_NEW_CHANNEL

    async def submit(self, item: OutgoingDM) -> None:
        """Queue a DM (waits for room when the queue is full: back-pressure on the scheduler)."""
        if item.receipt is not None:
            item.receipt.hand_over()
        if item.lateness > 60:
            # A figure only: never who it was for or what it says.
            log.info("scheduled DM queued %.0f s after its time", item.lateness)
        await self.queue.submit(item, cost=self.cost(item.user_id))
        self.start()

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
            if receipt is not None:
                await receipt.failed(error)  # tried again later from the outbox, or given up
            raise
        else:
            if receipt is not None:
                await receipt.sent()
            if item.on_sent is not None:
                await item.on_sent(message)

    async def _post(self, item: OutgoingDM) -> discord.Message:
        channel = await self.client.create_dm(discord.Object(item.user_id))
        options: dict[str, Any] = {}
        if item.view is not None:
            options["view"] = item.view
        if item.receipt is not None:
            # Discord answers a second send with this nonce with the first message (enforce_nonce).
            options["nonce"] = item.receipt.nonce
        return await channel.send(item.content, **options)
