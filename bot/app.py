"""The Bot subclass: intents, mentions, the ordered extension list and the typed services it carries."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import discord
from discord.ext import commands

from bot.clock import Clock, to_timestamp
from bot.db.connection import Database
from bot.interactions import PeerCircleTree
from bot.keys import Keys
from bot.repositories.guilds import GuildRepository
from bot.repositories.preferences import PreferencesRepository
from bot.repositories.server_entries import ServerEntryRepository
from bot.repositories.strategies import FavouritesRepository
from bot.repositories.support import VolunteerRepository
from bot.repositories.venting import VentingRepository
from bot.services.content import ContentStore
from bot.services.guild_settings import GuildSettingsService
from bot.services.preferences import PreferencesService
from bot.services.resources import ServerEntryService
from bot.services.retention import purge_expired
from bot.services.scheduler import MAX_WAIT, Scheduler
from bot.services.strategies import StrategyService
from bot.services.strategy_reminders import ReminderService
from bot.services.support import SupportService
from bot.services.venting import VentingService

log = logging.getLogger(__name__)

# Loaded in this order; every cog here implements the privacy contract (checked by the meta-tests).
EXTENSIONS: tuple[str, ...] = (
    "cogs.admin",
    "cogs.preferences",
    "cogs.privacy",
    "cogs.venting",
    "cogs.strategies",
    "cogs.resources",
    "cogs.support",
    "cogs.explain",
    "cogs.reflection",
    "cogs.checkins",
    "cogs.moments",
    "cogs.disclosure",
)


@dataclass
class Services:
    """Everything cogs need, built once at the composition root and handed to the bot."""

    db: Database
    clock: Clock
    keys: Keys
    content: ContentStore
    guilds: GuildSettingsService
    preferences: PreferencesService
    scheduler: Scheduler
    venting: VentingService
    strategies: StrategyService
    entries: ServerEntryService
    support: SupportService
    reminders: ReminderService


# Retention purge and feature housekeeping run together on this interval, in one task.
MAINTENANCE_EVERY = timedelta(minutes=30)
MaintenanceHook = Callable[[], Awaitable[Any]]


def build_services(
    db: Database, clock: Clock, keys: Keys, content: ContentStore, *, scheduler_max_wait: timedelta = MAX_WAIT
) -> Services:
    """Wire repositories into services; content is loaded (and validated) once, before this.

    `scheduler_max_wait` caps how long the dispatcher sleeps before looking again, so a wall clock
    that jumps (suspend, NTP) is noticed; a simulated clock never jumps, so tests may raise it.
    """
    guilds = GuildSettingsService(GuildRepository(db), clock)
    preferences = PreferencesService(PreferencesRepository(db), clock, guilds)
    # Scheduled jobs of a feature that is off in a server are skipped: the same switch as commands.
    scheduler = Scheduler(db, clock, is_enabled=guilds.is_enabled, max_wait=scheduler_max_wait)
    return Services(
        db=db,
        clock=clock,
        keys=keys,
        content=content,
        guilds=guilds,
        preferences=preferences,
        scheduler=scheduler,
        venting=VentingService(VentingRepository(db), guilds, keys, clock),
        strategies=StrategyService(content, FavouritesRepository(db), clock, guilds),
        entries=ServerEntryService(ServerEntryRepository(db), content, clock, guilds),
        support=SupportService(VolunteerRepository(db), clock, guilds),
        reminders=ReminderService(scheduler, clock, guilds, preferences),
    )


def bot_intents() -> discord.Intents:
    """The default intents with every privileged one off: we never read members, presences or messages."""
    intents = discord.Intents.default()
    intents.message_content = False
    intents.members = False
    intents.presences = False
    return intents


class PeerCircleBot(commands.Bot):
    """The peer-circle bot."""

    def __init__(
        self,
        services: Services,
        *,
        dev_guild_id: int | None = None,
        sync_on_start: bool = False,
        extensions: tuple[str, ...] = EXTENSIONS,
        maintenance_every: timedelta = MAINTENANCE_EVERY,
    ) -> None:
        super().__init__(
            command_prefix=commands.when_mentioned,
            intents=bot_intents(),
            # Nothing a member types can ping @everyone, a role or a person through the bot.
            allowed_mentions=discord.AllowedMentions.none(),
            tree_cls=PeerCircleTree,
            help_command=None,
        )
        self.services = services
        self.dev_guild_id = dev_guild_id
        self.sync_on_start = sync_on_start
        self.extension_names = extensions
        self._background: set[asyncio.Task[Any]] = set()
        self.maintenance_every = maintenance_every
        # Feature housekeeping (e.g. archiving old vent threads) registered by cogs while they load.
        self.maintenance_hooks: list[MaintenanceHook] = []

    async def setup_hook(self) -> None:
        """Load every extension; sync commands only when asked to (never on every boot in production)."""
        for name in self.extension_names:
            await self.load_extension(name)
        # Cogs register their schedule kinds while loading; only then may the dispatcher run.
        self.services.scheduler.start()
        self.spawn(self._maintenance_loop(), name="maintenance")
        if self.sync_on_start:
            await self.sync_commands()

    async def sync_commands(self) -> int:
        """Publish the slash commands: to the dev server when DEV_GUILD_ID is set, else globally."""
        if self.dev_guild_id:
            guild = discord.Object(self.dev_guild_id)
            self.tree.copy_global_to(guild=guild)
            synced = await self.tree.sync(guild=guild)
        else:
            synced = await self.tree.sync()
        log.info("synced %d commands%s", len(synced), " to the dev server" if self.dev_guild_id else "")
        return len(synced)

    async def run_maintenance(self) -> None:
        """Purge expired rows, then run each feature's housekeeping; one failure never stops the rest."""
        try:
            await purge_expired(self.services.db, self.services.clock)
        except Exception:
            log.exception("retention purge failed; will try again next round")
        for hook in list(self.maintenance_hooks):
            try:
                await hook()
            except Exception:
                log.exception("housekeeping %s failed; will try again next round", getattr(hook, "__qualname__", "?"))

    async def _maintenance_loop(self) -> None:
        while True:
            await self.run_maintenance()
            await asyncio.sleep(self.maintenance_every.total_seconds())

    def spawn(self, coro: Any, *, name: str) -> asyncio.Task[Any]:
        """Start a background task that is kept referenced and whose failure is logged."""
        task = asyncio.create_task(coro, name=name)
        self._background.add(task)

        def done(finished: asyncio.Task[Any]) -> None:
            self._background.discard(finished)
            if not finished.cancelled() and finished.exception() is not None:
                log.error("background task %s failed", name, exc_info=finished.exception())

        task.add_done_callback(done)
        return task

    async def on_message(self, message: discord.Message) -> None:
        """Ignore messages: the bot never reads what people write in channels."""
        return

    async def on_guild_join(self, guild: discord.Guild) -> None:
        """Record the new server so its settings can be stored."""
        await self.services.guilds.repo.ensure(guild.id, to_timestamp(self.services.clock.now()))

    async def on_guild_remove(self, guild: discord.Guild) -> None:
        """The bot was removed: delete everything stored for that server."""
        await self.services.guilds.forget_guild(guild.id)
        log.info("left guild %s; its data was deleted", guild.id)

    async def close(self) -> None:
        """Stop background work, then disconnect."""
        await self.services.scheduler.stop()
        for task in list(self._background):
            task.cancel()
        await asyncio.gather(*self._background, return_exceptions=True)
        await super().close()
