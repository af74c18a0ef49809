"""Building the bot for tests, here and in outside test suites.

    services = await make_services(clock=FakeClock())   # real aiosqlite, migrations applied
    bot = make_bot(services)                              # unmodified bot, commands synced on start

With SimCord (`simcord[pytest]`), return `make_bot(...)` from a `simcord_bot` fixture; pass
`clock=SimcordClock()` so the bot's clock follows SimCord's virtual time (`env.advance_time`).
Nothing here talks to Discord.
"""

from __future__ import annotations

from datetime import datetime

import discord

from bot.app import EXTENSIONS, PeerCircleBot, Services, build_services
from bot.clock import Clock, FakeClock
from bot.db import apply_migrations, open_database
from bot.keys import ephemeral_keys
from bot.services.checkin_plan import PromptSource


class SimcordClock:
    """Reads discord.utils.utcnow(), which SimCord replaces with its virtual clock during a test."""

    def now(self) -> datetime:
        """The simulated instant (the real one outside SimCord)."""
        return discord.utils.utcnow()


async def make_services(
    *, clock: Clock | None = None, db_path: str = ":memory:", content: PromptSource | None = None
) -> Services:
    """Services over a freshly migrated database (in memory unless a path is given) and throwaway keys."""
    db = await open_database(db_path)
    await apply_migrations(db)
    return build_services(db, clock or FakeClock(), ephemeral_keys(), content)


def make_bot(services: Services, *, extensions: tuple[str, ...] = EXTENSIONS, sync: bool = True) -> PeerCircleBot:
    """The real bot over the given services; `sync` publishes commands on start, as SimCord requires."""
    return PeerCircleBot(services, sync_on_start=sync, extensions=extensions)
