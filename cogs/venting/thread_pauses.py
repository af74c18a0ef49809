"""When a paused or slowed thread goes back to how it was: one-off schedules through bot/scheduling.

No Discord import. A timed pause or slow mode stores a one-off schedule (kind RESTORE_KIND) whose
target is the thread and what it was like before the first change (locked or not, its slow mode).
The scheduler's at-most-once claim runs it once at the end; the end is an absolute UTC moment, so
clock changes in any zone cannot move it. A second change to the same thread replaces the pending
schedule but keeps the thread's original state, so the end restores what members had before.
Works on any thread in the server: vent threads, circle threads or any other.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, timedelta
from enum import StrEnum
from typing import Any

from bot.clock import Clock, to_timestamp
from bot.scheduling.recurrence import Recurrence
from bot.scheduling.scheduler import Scheduler
from cogs.venting.repository import VentingRepository

RESTORE_KIND = "thread-restore"
# Even after days of downtime the thread must still open again: a late restore beats none.
RESTORE_GRACE = timedelta(days=30)
SLOW_CHOICES = (
    ("10 seconds", 10),
    ("1 minute", 60),
    ("5 minutes", 300),
    ("15 minutes", 900),
    ("1 hour", 3600),
)


class PauseLength(StrEnum):
    """How long a moderator pauses or slows a thread."""

    QUARTER = "15m"
    HOUR = "1h"
    SIX_HOURS = "6h"
    DAY = "1d"
    OPEN = "open"

    @property
    def delta(self) -> timedelta | None:
        """The length, or None for 'until a moderator changes it back'."""
        minutes = {"15m": 15, "1h": 60, "6h": 360, "1d": 1440}.get(self.value)
        return None if minutes is None else timedelta(minutes=minutes)

    @property
    def words(self) -> str:
        """The length as the thread's visible line says it."""
        return {
            "15m": "for 15 minutes",
            "1h": "for an hour",
            "6h": "for 6 hours",
            "1d": "for a day",
            "open": "until a moderator changes it back",
        }[self.value]


@dataclass(frozen=True)
class ThreadState:
    """What a thread was like before a moderator changed it: what the end restores."""

    locked: bool
    slowmode: int

    def target(self, thread_id: int) -> dict[str, Any]:
        """The schedule's payload (ids and settings only: nothing anyone wrote)."""
        return {"thread_id": thread_id, "locked": self.locked, "slowmode": self.slowmode}

    @classmethod
    def from_target(cls, target: dict[str, Any]) -> ThreadState:
        """Read back a schedule's payload."""
        return cls(bool(target.get("locked", False)), int(target.get("slowmode", 0)))


def slow_words(seconds: int) -> str:
    """A slow-mode interval in words."""
    return next((text for text, value in SLOW_CHOICES if value == seconds), f"{seconds} seconds")


class ThreadPauses:
    """The pending restores of paused or slowed threads."""

    def __init__(self, scheduler: Scheduler, clock: Clock, posts: VentingRepository) -> None:
        self.scheduler = scheduler
        self.clock = clock
        self.posts = posts

    async def closed_since(self, thread_id: int) -> bool:
        """Whether housekeeping closed this thread (an anonymous post's) after a pause began.

        The end of a pause must not open such a thread again: the server asked for old vent threads
        to close, and the pause was never meant to outlast that.
        """
        post = await self.posts.post(thread_id)
        return post is not None and post.closed_at is not None

    async def _pending(self, guild_id: int, thread_id: int) -> list[Any]:
        rows = await self.scheduler.repository.list_by_guild(guild_id, RESTORE_KIND)
        return [r for r in rows if int(r.target.get("thread_id", 0)) == thread_id and not r.spent]

    async def original(self, guild_id: int, thread_id: int, current: ThreadState) -> ThreadState:
        """What the thread was before any change still pending (else as it is now)."""
        pending = await self._pending(guild_id, thread_id)
        return ThreadState.from_target(pending[0].target) if pending else current

    async def cancel(self, guild_id: int, thread_id: int) -> ThreadState | None:
        """Drop the thread's pending restore; return the state it would have restored."""
        pending = await self._pending(guild_id, thread_id)
        for row in pending:
            await self.scheduler.remove(row.id)
        return ThreadState.from_target(pending[0].target) if pending else None

    async def schedule(self, guild_id: int, thread_id: int, original: ThreadState, length: PauseLength) -> int | None:
        """Replace any pending restore with one at the end of `length`; return that moment (None: no end)."""
        await self.cancel(guild_id, thread_id)
        if length.delta is None:
            return None
        # Rounded up to the next whole minute: schedules fire on minutes, and never before the promised end.
        end = (self.clock.now() + length.delta).astimezone(UTC)
        if end.second or end.microsecond:
            end = (end + timedelta(minutes=1)).replace(second=0, microsecond=0)
        recurrence = Recurrence.once(end.date(), (end.hour, end.minute), "UTC")
        await self.scheduler.add(guild_id, RESTORE_KIND, recurrence, target=original.target(thread_id))
        return to_timestamp(end)

    async def done(self, schedule_id: int) -> None:
        """A restore ran: drop its spent row."""
        await self.scheduler.remove(schedule_id)
