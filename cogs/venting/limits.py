"""Per-author flood limits for anonymous venting, held in memory only (no timing trail on disk).

Buckets are keyed hashes, never member ids. Checking and counting happen in one step with no await
in between, so two submits arriving together cannot both pass a limit.
"""

from __future__ import annotations

from collections import deque

from bot.errors import UserFacingError

RATE_WINDOW = 3600


def discord_time(ts: int) -> str:
    """A Discord timestamp each reader sees in their own time zone."""
    return f"<t:{ts}:f> (<t:{ts}:R>)"


class FloodLimiter:
    """Per-author flood limits, keyed by a tag and held in memory only, so no timing trail is stored."""

    def __init__(self) -> None:
        self._posts: dict[str, deque[int]] = {}
        self._replies: dict[str, int] = {}

    def _recent(self, bucket: str, now_ts: int) -> deque[int]:
        times = self._posts.setdefault(bucket, deque())
        while times and times[0] <= now_ts - RATE_WINDOW:
            times.popleft()
        return times

    def check_post(self, bucket: str, now_ts: int, per_hour: int) -> None:
        """Refuse when the author already posted `per_hour` times in the last hour."""
        times = self._recent(bucket, now_ts)
        if len(times) >= per_hour:
            again = times[0] + RATE_WINDOW
            raise UserFacingError(
                f"You've reached this server's limit of {per_hour} anonymous posts an hour. "
                f"You can post again {discord_time(again)}. Nothing was posted."
            )

    def reserve_post(self, bucket: str, now_ts: int, per_hour: int) -> None:
        """Check and count in one step (no await between), so concurrent submits can't both pass."""
        self.check_post(bucket, now_ts, per_hour)
        self._recent(bucket, now_ts).append(now_ts)

    def release_post(self, bucket: str, now_ts: int) -> None:
        """Give back a reserved slot whose post never went up."""
        times = self._posts.get(bucket)
        if times is not None and now_ts in times:
            times.remove(now_ts)

    def check_reply(self, bucket: str, now_ts: int, cooldown: int) -> None:
        """Refuse a reply inside the cooldown after the author's previous one."""
        last = self._replies.get(bucket)
        if last is not None and now_ts < last + cooldown:
            raise UserFacingError(
                "Please leave a little time between anonymous replies: you can reply again "
                f"{discord_time(last + cooldown)}. Nothing was posted."
            )

    def reserve_reply(self, bucket: str, now_ts: int, cooldown: int) -> int | None:
        """Check and start the cooldown in one step; return the previous stamp for `release_reply`."""
        self.check_reply(bucket, now_ts, cooldown)
        previous = self._replies.get(bucket)
        self._replies[bucket] = now_ts
        return previous

    def release_reply(self, bucket: str, previous: int | None) -> None:
        """Undo a reservation whose reply never went up."""
        if previous is None:
            self._replies.pop(bucket, None)
        else:
            self._replies[bucket] = previous

    def prune(self, now_ts: int) -> None:
        """Forget buckets with nothing recent, so memory holds no old trail."""
        for bucket in [b for b in self._posts if not self._recent(b, now_ts)]:
            del self._posts[bucket]
        for bucket in [b for b, ts in self._replies.items() if ts <= now_ts - RATE_WINDOW]:
            del self._replies[bucket]
