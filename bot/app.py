"""The Bot subclass: intents, mentions, the ordered extension list and the typed services it carries."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any, TypeVar

import discord
from discord.ext import commands

from bot.changes import ChangeFeed
from bot.clock import Clock, to_timestamp
from bot.content.store import ContentStore
from bot.db.connection import Database
from bot.delivery.dm import DmSender, RateLimitWatch
from bot.delivery.notices import UNDELIVERED, DmNotices
from bot.delivery.queue import DEFAULT_RATE
from bot.delivery.repository import DmChannelRepository, NoticeRepository
from bot.interactions import PeerCircleTree, send_ephemeral
from bot.keys import Keys
from bot.library.repository import ExplainRepository, ServerItemRepository
from bot.library.service import ServerEntryService, ServerItemService
from bot.privacy import load_declarations
from bot.repositories.guilds import GuildRepository
from bot.repositories.preferences import PreferencesRepository
from bot.repositories.quoting_dms import QuotingDmRepository
from bot.repositories.rewrites import PendingRewrites
from bot.scheduling.scheduler import MAX_WAIT, Scheduler
from bot.services.guild_settings import GuildSettingsService
from bot.services.preferences import PreferencesService
from bot.services.quoting import QuotingDms
from bot.services.retention import purge_expired, purge_past_retention
from bot.shards import Shards

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
    "cogs.help",
    "cogs.connect",
    "cogs.welcome",
    "cogs.battle",
    "cogs.events",
    "cogs.circles",
)


ONE_PROCESS = Shards()


@dataclass(frozen=True)
class Services:
    """What every feature shares, built once at the composition root and handed to the bot.

    Frozen: a test or a feature that wants another scheduler or clock builds other Services, so
    nothing can swap a part under a running bot.
    """

    db: Database
    clock: Clock
    keys: Keys
    content: ContentStore
    guilds: GuildSettingsService
    preferences: PreferencesService
    scheduler: Scheduler
    # A server's own items beside the built-ins it hides or rewords (check-in and reflection prompts,
    # resources, support options), and the rules for resources and support options over it.
    library: ServerItemService
    entries: ServerEntryService
    # Notices owed after a feature paused a DM to a member, told once by the bot's one listener.
    notices: DmNotices
    # Changes other processes sharing the database must hear of (their kept copies go stale otherwise).
    changes: ChangeFeed
    # The Discord shards this process holds: their servers' work is its own (all of them by default).
    shards: Shards = ONE_PROCESS


T = TypeVar("T")


class FeatureServices:
    """The loaded features' services (and cogs), one per type, registered while an extension loads.

    Reached by type (`bot.features.get(VentingService)`), so every call site is checked by mypy and
    a renamed class is an import error, not a failed string lookup at run time.
    """

    def __init__(self) -> None:
        self._by_type: dict[type, object] = {}

    def add(self, service: object) -> None:
        """Make a feature's service reachable; one instance per type."""
        kind = type(service)
        if kind in self._by_type and self._by_type[kind] is not service:
            raise ValueError(f"{kind.__name__} is already registered")
        self._by_type[kind] = service

    def remove(self, kind: type) -> None:
        """Forget a feature's service (its extension was unloaded)."""
        self._by_type.pop(kind, None)

    def get(self, kind: type[T]) -> T:
        """The registered instance of `kind`; LookupError when its feature is not loaded."""
        service = self._by_type.get(kind)
        if not isinstance(service, kind):
            raise LookupError(f"{kind.__name__} is not loaded")
        return service


# Retention purge and feature housekeeping run together on this interval, in one task.
MAINTENANCE_EVERY = timedelta(minutes=30)
MaintenanceHook = Callable[[], Awaitable[Any]]
# Each maintenance pass opens the DM channels of members whose scheduled DM is due within this long
# (longer than the pass interval, so no wave is missed) and at most this many of them.
OPEN_AHEAD = timedelta(hours=1)
OPEN_AHEAD_LIMIT = 10_000
# Stored DM channel ids checked per maintenance pass by the backstop prune (a full sweep of 100,000 takes
# 20 passes, about 10 hours; stopping a DM prunes at once, and unused ids expire after 30 days anyway).
DM_PRUNE_SLICE = 5_000
# A server missing from the list Discord sends after connecting is forgotten after this long, as if
# the bot had been removed while offline. Long enough that no outage or mistaken restart costs a
# server its data; a server that is merely unavailable is still listed, and is never forgotten.
MISSING_SERVER_GRACE = timedelta(days=7)
# How long a purged table waits to be rewritten on PostgreSQL (see run_maintenance's purge): under a day
# by two maintenance passes, so the pass that rewrites it comes within the day docs/PRIVACY.md promises
# even when the pass runs late.
REWRITE_AFTER = timedelta(days=1) - 2 * MAINTENANCE_EVERY


def build_services(
    db: Database,
    clock: Clock,
    keys: Keys,
    content: ContentStore,
    *,
    scheduler_max_wait: timedelta = MAX_WAIT,
    shards: Shards | None = None,
) -> Services:
    """Wire the core repositories into services; content is loaded (and validated) once, before this.

    Features build their own services from these in their extension's `setup()`.
    `scheduler_max_wait` caps how long the dispatcher sleeps before looking again, so a wall clock
    that jumps (suspend, NTP) is noticed; a simulated clock never jumps, so tests may raise it.
    """
    changes = ChangeFeed(db)
    shards = shards or ONE_PROCESS
    guilds = GuildSettingsService(GuildRepository(db), clock, changes)
    preferences = PreferencesService(PreferencesRepository(db), clock, guilds)
    notices = DmNotices(NoticeRepository(db), clock, guilds)

    async def tell_member(guild_id: int, user_id: int, kind: str) -> None:
        # A notice already owed about this kind (DMs closed: it was paused) says more; keep that one.
        if await notices.owed(guild_id, user_id, kind) is None:
            await notices.record(guild_id, user_id, kind, UNDELIVERED)

    # Scheduled jobs of a feature that is off in a server are skipped: the same switch as commands.
    scheduler = Scheduler(
        db, clock, is_enabled=guilds.is_enabled, max_wait=scheduler_max_wait, tell_member=tell_member, shards=shards
    )
    library = ServerItemService(ServerItemRepository(db), clock, guilds)
    return Services(
        db=db,
        clock=clock,
        keys=keys,
        content=content,
        guilds=guilds,
        preferences=preferences,
        scheduler=scheduler,
        library=library,
        entries=ServerEntryService(library, ExplainRepository(db), content, clock, guilds),
        notices=notices,
        changes=changes,
        shards=shards,
    )


# Discord's global limit: requests per second for the whole bot, however many processes it runs in.
GLOBAL_RATE_LIMIT = 50


def dm_rate(shards: Shards) -> float:
    """This process's DM rate: all of the budget alone, else its share of it.

    Each process's queue may also send a burst of 1 in any second, so with several processes the shares
    add up to the limit less one per shard (never more than one process per shard); one process keeps
    49/s plus its burst of 1.
    """
    if shards.holds_all:
        return DEFAULT_RATE
    return max(1.0, (GLOBAL_RATE_LIMIT - shards.count) * shards.share)


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
        **client_options: Any,
    ) -> None:
        super().__init__(
            **client_options,
            command_prefix=commands.when_mentioned,
            intents=bot_intents(),
            # Nothing a member types can ping @everyone, a role or a person through the bot.
            allowed_mentions=discord.AllowedMentions.none(),
            tree_cls=PeerCircleTree,
            help_command=None,
        )
        self.services = services
        self.features = FeatureServices()
        self._dm: DmSender | None = None
        self._rate_watch: RateLimitWatch | None = None
        self.dev_guild_id = dev_guild_id
        self.sync_on_start = sync_on_start
        self.extension_names = extensions
        self._background: set[asyncio.Task[Any]] = set()
        self.maintenance_every = maintenance_every
        # Feature housekeeping (e.g. archiving old vent threads) registered by cogs while they load.
        self.maintenance_hooks: list[MaintenanceHook] = []
        # The bot's DMs that quote what a member kept; deleted with what they quote.
        self.quoting = QuotingDms(QuotingDmRepository(services.db), services.clock, self.delete_own_dm)

    @property
    def dm(self) -> DmSender:
        """The one DM queue every feature sends through (one global rate limit); made in setup_hook."""
        if self._dm is None:
            raise RuntimeError("the DM sender exists once the bot is set up")
        return self._dm

    def use_dm_sender(self, sender: DmSender) -> None:
        """Send DMs through another sender (benchmarks model Discord's rate limit on a virtual clock)."""
        self._dm = sender

    async def setup_hook(self) -> None:
        """Load every extension; sync commands only when asked to (never on every boot in production)."""
        if self._dm is None:
            # One clock: the rate limiter measures time on the bot's clock (SimCord's virtual time in tests).
            clock = self.services.clock
            self._dm = DmSender(
                self,
                channels=DmChannelRepository(self.services.db),
                clock=lambda: clock.now().timestamp(),
                now=lambda: to_timestamp(clock.now()),
                dm_kinds=self.services.scheduler.dm_kinds,
                rate=dm_rate(self.services.shards),
            )
        self.services.scheduler.dm_backlog_seconds = self._dm.backlog_seconds
        self._rate_watch = RateLimitWatch(self.rate_limited)
        logging.getLogger("discord.http").addHandler(self._rate_watch)
        self.maintenance_hooks.append(self.open_dm_channels_ahead)
        self._dm_prune_after: int | None = None
        for name in self.extension_names:
            await self.load_extension(name)
        await self.services.changes.start()
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
        """Purge expired rows, then run each feature's housekeeping; one failure never stops the rest.

        With several processes on one database, the purge (database-wide) runs in one of them at a time
        (an advisory lock; the others skip it this round). Checking for removed servers and the features'
        housekeeping run in every process, each for the servers its shards hold.
        """
        async with self.services.db.exclusive("maintenance") as mine:
            if mine:
                await self._purge()
            else:
                log.debug("another process is purging; skipping the purge this round")
        try:
            await self.reconcile_servers()
        except Exception:
            log.exception("checking for servers the bot was removed from failed; will try again next round")
        for hook in list(self.maintenance_hooks):
            try:
                await hook()
            except Exception:
                log.exception("housekeeping %s failed; will try again next round", getattr(hook, "__qualname__", "?"))

    async def _purge(self) -> None:
        try:
            # DMs quoting items that expire now go first: the purge below removes their records too.
            removed = await self.quoting.withdraw_due()
            # Every known feature's tables, loaded or not: a feature turned off in code keeps no data forever.
            declarations = list(load_declarations(EXTENSIONS).values())
            expired = await purge_expired(self.services.db, self.services.clock, declarations)
            # Items stored under a longer retention period than the server's current one go too.
            past = await purge_past_retention(self.services.db, self.services.clock, declarations)
            removed += len(expired) + len(past) + await self.quoting.withdraw_due()
            await self._vacuum_purged([*expired, *past], removed)
        except Exception:
            log.exception("retention purge failed; will try again next round")

    async def _vacuum_purged(self, purged: list[str], removed: int) -> None:
        """Free what the purge removed at once, and write its tables afresh within a day (docs/PRIVACY.md).

        A plain VACUUM every pass; the rewrite (PostgreSQL's VACUUM FULL) waits until the first row still
        waiting for one has waited REWRITE_AFTER, so busy tables are not rewritten every pass. What waits
        is kept in the database: a restart, or another process taking the next purge, still rewrites it.
        """
        pending = PendingRewrites(self.services.db)
        now = to_timestamp(self.services.clock.now())
        await pending.note(purged, now)
        due = await pending.due(now - int(REWRITE_AFTER.total_seconds()))
        if due:
            await self.services.db.checkpoint(due, rewrite=True)
            await pending.done(due)
        elif removed:
            await self.services.db.checkpoint(purged, rewrite=False)

    def rate_limited(self, seconds: float) -> None:
        """discord.py met Discord's global rate limit: hold the DM queue for as long as Discord said."""
        if self._dm is not None:
            self._dm.rate_limited(seconds)

    async def open_dm_channels_ahead(self) -> int:
        """Open the DM channels of members whose scheduled DM is due within the hour, so each costs one request.

        First forget the ids of members who no longer have any scheduled DM: they are kept for nothing else.
        """
        kinds = self.services.scheduler.dm_kinds()
        if not kinds:
            return 0  # no feature that sends scheduled DMs is loaded: keep what is stored until it is back
        self._dm_prune_after = await self.dm.channels.prune(kinds, self._dm_prune_after or 0, DM_PRUNE_SLICE)
        until = to_timestamp(self.services.clock.now() + OPEN_AHEAD)
        missing = await self.dm.channels.missing_for_due(kinds, until, OPEN_AHEAD_LIMIT)
        return await self.dm.open_ahead(missing) if missing else 0

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

    async def on_app_command_completion(self, interaction: discord.Interaction[Any], command: Any) -> None:
        """Tell the member, once, what a feature paused because it couldn't DM them (bot.delivery.notices).

        One listener for every feature, each notice in its feature's words and only while that
        feature is on in this server; almost always answered from memory, without the database.
        """
        if interaction.guild_id is None:
            return
        for text in await self.services.notices.due(interaction.guild_id, interaction.user.id):
            await send_ephemeral(interaction, text)

    async def on_guild_join(self, guild: discord.Guild) -> None:
        """Record the new server so its settings can be stored."""
        await self.services.guilds.ensure_guild(guild.id)

    async def on_guild_remove(self, guild: discord.Guild) -> None:
        """The bot was removed: delete everything stored for that server."""
        await self.forget_server(guild.id)
        log.info("left guild %s; its data was deleted", guild.id)

    async def forget_server(self, guild_id: int) -> None:
        """Delete everything stored for a server, and the bot's DMs that quote what was kept there."""
        await self.quoting.withdraw_guild(guild_id)
        await self.services.guilds.forget_guild(guild_id)

    async def delete_own_dm(self, channel_id: int, message_id: int) -> None:
        """Delete a DM the bot sent; one already gone, or that Discord won't let it delete, is left quietly."""
        channel = self.get_partial_messageable(channel_id, type=discord.ChannelType.private)
        try:
            await channel.get_partial_message(message_id).delete()
        except (discord.NotFound, discord.Forbidden):
            return
        except discord.HTTPException as error:
            # Ids and status only: never whose message or what it said.
            log.warning("could not delete an old DM (status %s); its record is dropped", error.status)

    async def on_ready(self) -> None:
        """Connected (every shard): forget servers that removed the bot while it was offline."""
        await self.reconcile_servers()

    async def reconcile_servers(self) -> list[int]:
        """Forget the servers the bot has data for but is no longer in, once missing for the grace period.

        Only after the bot is ready, when its server list is the whole list Discord sent. A server
        that is unavailable (an outage) is still in that list, so it is never counted as missing;
        `on_guild_remove` never fires for a removal while the bot was offline, so this is how that
        server's data goes.
        """
        if not self.is_ready():
            return []
        present = frozenset(guild.id for guild in self.guilds)
        due = await self.services.guilds.servers_to_forget(present, MISSING_SERVER_GRACE, self.services.shards.owns)
        for guild_id in due:
            await self.forget_server(guild_id)
            log.info("the bot is no longer in guild %s; its data was deleted", guild_id)
        return due

    async def enforce_retention(self, guild_id: int) -> dict[str, int]:
        """Delete at once a server's items older than its (just lowered) retention period; counts by table."""
        removed = await purge_past_retention(
            self.services.db, self.services.clock, load_declarations(EXTENSIONS).values(), guild_id
        )
        await self.quoting.withdraw_due()
        await self.services.db.checkpoint(removed)
        return removed

    async def close(self) -> None:
        """Stop background work, then disconnect."""
        await self.services.changes.stop()
        await self.services.scheduler.stop()
        if self._dm is not None:
            await self._dm.stop()
        if self._rate_watch is not None:
            logging.getLogger("discord.http").removeHandler(self._rate_watch)
        for task in list(self._background):
            task.cancel()
        await asyncio.gather(*self._background, return_exceptions=True)
        await super().close()


class ShardedPeerCircleBot(PeerCircleBot, commands.AutoShardedBot):
    """The bot over several shards (SHARD_COUNT / SHARD_IDS): discord.py's AutoShardedBot runs them."""


def make_production_bot(services: Services, settings: Any) -> PeerCircleBot:
    """The bot for `python -m bot`: sharded when SHARD_COUNT is set, one connection otherwise."""
    shards = settings.shards
    if shards is None:
        return PeerCircleBot(services, dev_guild_id=settings.dev_guild_id)
    return ShardedPeerCircleBot(
        services, dev_guild_id=settings.dev_guild_id, shard_count=shards.count, shard_ids=shards.sorted_ids()
    )
