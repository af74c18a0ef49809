"""Who is owed a one-time notice (e.g. "your DMs were closed, so I paused"), mirrored in memory.

Members are told such things after their next command (bot.delivery.notices), so the check runs on
every command in every server. The database stays the truth; this set only answers "certainly not"
without touching it, which is the answer almost every time.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable

Key = tuple[int, int]


class PendingNotices:
    """A lazily loaded set of (guild id, user id) that may have a notice waiting."""

    def __init__(self, load: Callable[[], Awaitable[Iterable[Key]]]) -> None:
        self._load = load
        self._keys: set[Key] | None = None

    async def might_have(self, guild_id: int, user_id: int) -> bool:
        """False when the member certainly has no notice waiting (no database access after the first call)."""
        if self._keys is None:
            self._keys = set(await self._load())
        return (guild_id, user_id) in self._keys

    def add(self, guild_id: int, user_id: int) -> None:
        """Record a notice just stored in the database (before the first load, the load will find it)."""
        if self._keys is not None:
            self._keys.add((guild_id, user_id))

    def reload(self, _key: str = "") -> None:
        """Another process stored a notice: read the set again at the next check."""
        self._keys = None

    def discard(self, guild_id: int, user_id: int) -> None:
        """Forget a notice that was delivered or cleared."""
        if self._keys is not None:
            self._keys.discard((guild_id, user_id))
