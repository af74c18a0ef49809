"""The outbox's rules: which failures are worth another try, when to try again, and the receipt a send reports to.

Every scheduled message the bot owes is an `outbox` row, written by the scheduler in the transaction
that claims the firing (ScheduleRepository.claim_due). The row holds no text: the handler
composes the message from the schedule and the feature's own tables at each attempt, so nothing a
member keeps is copied here. A `Receipt` travels with the firing (and with its OutgoingDM, when the
message goes through the DM queue); whoever finishes the send reports to it:
- `sent()`: the row is deleted;
- `failed(error)`: a passing failure (a 5xx, a 429, a timeout, a lost connection) is tried again
  after a backoff with jitter (never sooner than Discord's `retry_after`) while that is before the
  row's deadline; any other failure, or one past the deadline, gives the row up, and the right
  person is told once (the scheduler decides who).

Each row carries a random nonce sent with the message (discord.py's `nonce=` sets Discord's
`enforce_nonce`), so Discord returns the first copy instead of posting a second when an attempt
succeeded but its answer was lost, or the process died between posting and deleting the row.
"""

from __future__ import annotations

import random
import secrets
from collections.abc import Awaitable, Callable
from datetime import timedelta

import aiohttp
import discord

# A direct message is still welcome a few hours late; a channel post only within its late window.
DM_DEADLINE = timedelta(hours=3)
FIRST_BACKOFF = 30.0
MAX_BACKOFF = 15 * 60.0
# Consecutive firings of one schedule given up before it is paused and its owner told.
PAUSE_AFTER = 3


def new_nonce() -> str:
    """A random nonce within Discord's 25 characters."""
    return "pc" + secrets.token_hex(8)


def retry_after(error: BaseException) -> float | None:
    """Seconds Discord asked us to wait (0 when it named none) for a passing failure; None for a lasting one."""
    if isinstance(error, RetractedError):
        return retry_after(error.cause)
    if isinstance(error, discord.RateLimited):
        return float(error.retry_after)
    if isinstance(error, discord.HTTPException):
        if error.status == 429:
            header = error.response.headers.get("Retry-After") if error.response is not None else None
            try:
                return float(header) if header is not None else FIRST_BACKOFF
            except ValueError:
                return FIRST_BACKOFF
        return 0.0 if error.status >= 500 else None
    if isinstance(error, TimeoutError | aiohttp.ClientError | ConnectionError):
        return 0.0
    return None


def backoff(attempt: int, floor: float = 0.0, rng: random.Random | None = None) -> float:
    """Seconds before attempt number `attempt + 1`: doubling from 30 s to 15 min, jittered, at least `floor`."""
    ceiling = min(MAX_BACKOFF, FIRST_BACKOFF * 2**attempt)
    jittered = ceiling * (0.5 + 0.5 * (rng or random).random())
    return max(floor, jittered)


def describe(error: BaseException) -> str:
    """A reason to log and keep (a type and status only: messages can quote what was sent)."""
    if isinstance(error, RetractedError):
        return describe(error.cause)
    status = getattr(error, "status", None)
    return f"{type(error).__name__} {status}" if status else type(error).__name__


class RetractedError(Exception):
    """A half-made post was taken down after `cause` (e.g. its thread could not be opened); try it whole again.

    The next attempt needs a new nonce: Discord would otherwise answer with the post just removed.
    """

    def __init__(self, cause: BaseException) -> None:
        super().__init__(describe(cause))
        self.cause = cause


class Receipt:
    """What a send reports to: its row's nonce, and `sent()` or `failed(error)` once it is over."""

    def __init__(
        self,
        outbox_id: int,
        nonce: str,
        on_sent: Callable[[], Awaitable[None]],
        on_failed: Callable[[BaseException], Awaitable[None]],
    ) -> None:
        self.outbox_id = outbox_id
        self.nonce = nonce
        self.handed_over = False
        self._on_sent = on_sent
        self._on_failed = on_failed

    def hand_over(self) -> None:
        """The DM queue now owns the send; the handler returning is no longer the end of it."""
        self.handed_over = True

    async def sent(self) -> None:
        """The message is out (or no longer owed): the row goes."""
        await self._on_sent()

    async def failed(self, error: BaseException) -> None:
        """The attempt failed: try again later, or give up and tell someone."""
        await self._on_failed(error)
