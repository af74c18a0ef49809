"""The Bot subclass: intents, mentions, the ordered extension list and the typed services it carries."""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from typing import Any

import discord
from discord.ext import commands

from bot.clock import Clock, to_timestamp
from bot.db.connection import Database
from bot.interactions import PeerCircleTree
from bot.keys import Keys
from bot.repositories.guilds import GuildRepository
from bot.repositories.preferences import PreferencesRepository
from bot.services.checkin_plan import PromptSource
from bot.services.guild_settings import GuildSettingsService
from bot.services.preferences import PreferencesService
from bot.services.scheduler import Scheduler

log = logging.getLogger(__name__)

# Loaded in this order; every cog here implements the privacy contract (checked by the meta-tests).
EXTENSIONS: tuple[str, ...] = (
    "cogs.admin",
    "cogs.preferences",
    "cogs.privacy",
    # Check-ins branch: private check-ins, the good-moments log and the disclosure tool.
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
    guilds: GuildSettingsService
    preferences: PreferencesService
    scheduler: Scheduler
    # Check-ins branch: the prompts check-ins draw from (the content store once loaded; None until then).
    content: PromptSource | None = None


def build_services(db: Database, clock: Clock, keys: Keys, content: PromptSource | None = None) -> Services:
    """Wire repositories into services."""
    guilds = GuildSettingsService(GuildRepository(db), clock)
    return Services(
        db=db,
        clock=clock,
        keys=keys,
        guilds=guilds,
        preferences=PreferencesService(PreferencesRepository(db), clock, guilds),
        # Scheduled jobs of a feature that is off in a server are skipped: the same switch as commands.
        scheduler=Scheduler(db, clock, is_enabled=guilds.is_enabled),
        content=content,
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

    async def setup_hook(self) -> None:
        """Load every extension; sync commands only when asked to (never on every boot in production)."""
        for name in self.extension_names:
            await self.load_extension(name)
        # Cogs register their schedule kinds while loading; only then may the dispatcher run.
        self.services.scheduler.start()
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
