"""Building the bot for tests, here and in outside test suites.

    services = await make_services(clock=FakeClock())   # real aiosqlite, migrations applied
    bot = make_bot(services)                              # unmodified bot, commands synced on start

With SimCord (`simcord[pytest]`), return `make_bot(...)` from a `simcord_bot` fixture; pass
`clock=SimcordClock()` so the bot's clock follows SimCord's virtual time (`env.advance_time`).
Nothing here talks to Discord.
"""

from __future__ import annotations

from datetime import datetime, timedelta

import discord

from bot.app import EXTENSIONS, PeerCircleBot, Services, build_services
from bot.clock import Clock, FakeClock
from bot.content.store import ContentStore, load_content
from bot.db import apply_migrations, open_database
from bot.keys import ephemeral_keys
from bot.shards import Shards


class SimcordClock:
    """Reads discord.utils.utcnow(), which SimCord replaces with its virtual clock during a test."""

    def now(self) -> datetime:
        """The simulated instant (the real one outside SimCord)."""
        return discord.utils.utcnow()


_SHIPPED_CONTENT: list[ContentStore] = []


def shipped_content() -> ContentStore:
    """The content in content/, loaded once per test run (a ContentStore never changes)."""
    if not _SHIPPED_CONTENT:
        _SHIPPED_CONTENT.append(load_content())
    return _SHIPPED_CONTENT[0]


async def make_services(
    *,
    clock: Clock | None = None,
    db_path: str = ":memory:",
    content: ContentStore | None = None,
    shards: Shards | None = None,
) -> Services:
    """Services over a freshly migrated database (in memory unless a path or address is given) and throwaway
    keys; `shards` makes them one of several processes."""
    db = await open_database(db_path)
    await apply_migrations(db)
    # A simulated clock never jumps, so the dispatcher may sleep until its next job (a short cap would
    # make SimCord step through every re-check when a test advances time by days).
    return build_services(
        db,
        clock or FakeClock(),
        ephemeral_keys(),
        content or shipped_content(),
        scheduler_max_wait=timedelta(days=1),
        shards=shards,
    )


def make_bot(services: Services, *, extensions: tuple[str, ...] = EXTENSIONS, sync: bool = True) -> PeerCircleBot:
    """The real bot over the given services; `sync` publishes commands on start, as SimCord requires.

    Maintenance (retention purge, housekeeping) runs once at start and then every 6 simulated hours,
    not every 30 minutes, to keep long `advance_time` calls quick; tests that check expiry call
    `await bot.run_maintenance()` at the moment they mean.
    """
    return PeerCircleBot(services, sync_on_start=sync, extensions=extensions, maintenance_every=timedelta(hours=6))
