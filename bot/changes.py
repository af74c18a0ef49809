"""Telling every process that shares the database when something it keeps in memory has changed.

Services keep a few things in memory (a server's settings, its vent blocks, check-in prompt pools, which
members are owed a notice). With one process, the service that writes also drops its own copy. With
several processes on PostgreSQL, each change is announced with NOTIFY when its transaction commits, and
every process (the writer too) drops its copy on hearing it. A payload names a topic and a server, never a
member. If the listening connection drops, notices may have been missed, so every copy is dropped.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable

from bot.db.connection import Database

log = logging.getLogger(__name__)

CHANNEL = "peer_circle_changes"
EVERYTHING = "*"  # the key that means "drop every copy of this topic"
Handler = Callable[[str], None]


class ChangeFeed:
    """Publish "topic changed for key" to all processes; run each topic's handlers when one arrives."""

    def __init__(self, db: Database) -> None:
        self._db = db
        self._handlers: dict[str, list[Handler]] = {}
        self._stop: Callable[[], Awaitable[None]] | None = None

    def on(self, topic: str, handler: Handler) -> None:
        """Call `handler(key)` whenever `topic` changes for `key` (EVERYTHING: drop all of that topic)."""
        self._handlers.setdefault(topic, []).append(handler)

    async def changed(self, topic: str, key: int | str = EVERYTHING) -> None:
        """Announce a change (inside a transaction: when it commits). This process hears it at once too."""
        self._dispatch(f"{topic}:{key}")
        await self._db.notify(CHANNEL, f"{topic}:{key}")

    async def changed_elsewhere(self, topic: str, key: int | str = EVERYTHING) -> None:
        """Announce a change this process has already applied to its own copy (only the others act on it).

        This process hears its own NOTIFY too and runs the handlers again; they must be safe to repeat.
        """
        await self._db.notify(CHANNEL, f"{topic}:{key}")

    async def start(self) -> None:
        """Listen for other processes' changes (nothing to listen to on SQLite: one process)."""
        if self._stop is None:
            self._stop = await self._db.listen(CHANNEL, self._dispatch, on_lost=self.lost)

    def lost(self) -> None:
        """The listening connection dropped: changes may have been missed, so drop every copy."""
        log.warning("lost the database's change notices; dropping what is kept in memory and listening again")
        for topic in list(self._handlers):
            self._dispatch(f"{topic}:{EVERYTHING}")
        self._stop = None
        asyncio.get_running_loop().call_later(1.0, lambda: asyncio.ensure_future(self._retry()))

    async def _retry(self) -> None:
        try:
            await self.start()
        except Exception:  # the database is still away: try again shortly, caches stay dropped meanwhile
            log.warning("could not listen for change notices yet; trying again")
            asyncio.get_running_loop().call_later(5.0, lambda: asyncio.ensure_future(self._retry()))

    async def stop(self) -> None:
        """Stop listening."""
        stop, self._stop = self._stop, None
        if stop is not None:
            await stop()

    def _dispatch(self, payload: str) -> None:
        topic, _, key = payload.partition(":")
        for handler in self._handlers.get(topic, ()):
            try:
                handler(key)
            except Exception:
                log.exception("dropping the kept copy of %s failed", topic)
