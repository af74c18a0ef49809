"""Three processes, one PostgreSQL, one SimCord: 10,000 firings due at once, one process killed midway.

Of the 10,000: posts in 30 servers' channels and DMs to 300 members go through SimCord; the rest are
server housekeeping firings that only touch the database (as several real kinds do). SimCord settles the
bot at every step of virtual time and the DM queues make a step every few milliseconds, so the DMs are a
few hundred (about ten seconds of sending at the global limit, enough to measure every one-second window);
bench/README.md measures the 10,000-DM wave with the same code against a model of Discord.

SimCord hosts one bot, so the three "processes" are built the way the issue allows: each has its own
connection pool, scheduler (the real claim code, with its shard filter and FOR UPDATE SKIP LOCKED),
outbox lease and DM queue (the real DmSender at its share of the global rate), and all of them talk to
Discord through the one simulated bot. Process A is the bot's own scheduler and DM queue, wired exactly
as in production; B and C run beside it. B is killed (its tasks cancelled, its connections cut) while
the wave is being sent.

What must hold: every firing reaches Discord at most once (no message twice, counted in SimCord); every
firing of the surviving shards' servers is posted; every DM not held by the dead process is delivered;
the DMs of all three together never exceed Discord's global limit in any second.
"""

from __future__ import annotations

import asyncio
import json
from collections import Counter
from datetime import timedelta
from typing import Any

import discord
import simcord

from bot.app import GLOBAL_RATE_LIMIT, Services, dm_rate
from bot.clock import to_timestamp
from bot.db.postgres import PostgresDatabase
from bot.delivery.dm import DmSender, OutgoingDM
from bot.delivery.repository import DmChannelRepository
from bot.scheduling.recurrence import Recurrence
from bot.scheduling.scheduler import Firing
from bot.shards import Shards
from bot.testing import SimcordClock, make_bot, make_services
from tests.pg import PgServer

PROCESSES = 3
GUILDS = 30
MEMBERS = 300
DM_FIRINGS = 450
POSTS = 300
QUIET = 10_000 - DM_FIRINGS - POSTS
DUE_IN = 120  # seconds after the start
KILL_AFTER = 4  # seconds after the wave is due
SERVER_IDS = 1_200_000_000_000_000_000


def busiest_second(stamps: list[float]) -> int:
    """The most events in any window of one second."""
    ordered = sorted(stamps)
    best, start = 0, 0
    for end, at in enumerate(ordered):
        while at - ordered[start] >= 1.0:
            start += 1
        best = max(best, end - start + 1)
    return best


class Process:
    """One process's scheduler and DM queue over its own pool (and what it sent, for the test)."""

    def __init__(self, services: Services, sender: DmSender, bot: discord.Client, sent: list[tuple[float, str]]):
        self.services = services
        self.sender = sender
        self.bot = bot
        self.sent = sent
        self.quiet: list[int] = []
        scheduler = services.scheduler
        scheduler.dm_backlog_seconds = sender.backlog_seconds
        scheduler.register("wave_dm", self.dm, dm=True)
        scheduler.register("wave_post", self.post, deadline=timedelta(minutes=30))
        scheduler.register("wave_quiet", self.housekeeping, grace=timedelta(minutes=30))

    async def housekeeping(self, firing: Firing) -> None:
        """A server kind that sends nothing (its work is in the database)."""
        self.quiet.append(firing.row.id)

    async def dm(self, firing: Firing) -> None:
        """A DM kind: through this process's DM queue, with the outbox receipt."""
        assert firing.row.owner_id is not None

        async def closed() -> None:
            raise AssertionError("no member here has closed DMs")

        async def stamp(message: discord.Message) -> None:
            self.sent.append((self.services.clock.now().timestamp(), message.content))

        item = OutgoingDM(firing.row.owner_id, f"dm {firing.row.id}", None, closed, on_sent=stamp)
        await self.sender.submit(item if firing.receipt is None else _with_receipt(item, firing))

    async def post(self, firing: Firing) -> None:
        """A server kind: a post in the server's channel, with the outbox row's nonce."""
        channel = self.bot.get_channel(int(firing.row.target["channel"]))
        assert isinstance(channel, discord.TextChannel)
        await channel.send(f"post {firing.row.id}", nonce=firing.nonce)


def _with_receipt(item: OutgoingDM, firing: Firing) -> OutgoingDM:
    return OutgoingDM(item.user_id, item.content, None, item.on_closed, on_sent=item.on_sent, receipt=firing.receipt)


async def _seed(db: PostgresDatabase, guilds: list[tuple[int, int]], members: list[int], due: int) -> dict[str, Any]:
    """10,000 schedules due at the same second: posts spread over the servers, DMs over the members."""
    rule = Recurrence.daily((0, 0), "UTC").to_json()
    await db.executemany("INSERT INTO guilds (guild_id, joined_at) VALUES ($1, 0)", [(g,) for g, _ in guilds])
    rows: list[tuple[Any, ...]] = []
    for n in range(POSTS):
        guild, channel = guilds[n % len(guilds)]
        rows.append((guild, "wave_post", None, json.dumps({"channel": channel}), rule, due))
    for n in range(DM_FIRINGS):
        rows.append((guilds[n % len(guilds)][0], "wave_dm", members[n % len(members)], "{}", rule, due))
    for n in range(QUIET):
        rows.append((guilds[n % len(guilds)][0], "wave_quiet", None, "{}", rule, due))
    await db.executemany(
        "INSERT INTO schedules (guild_id, kind, owner_id, target, recurrence, next_run_at, paused, created_at) "
        "VALUES ($1, $2, $3, $4, $5, $6, 0, 0)",
        rows,
    )
    ids = await db.fetchall("SELECT id, guild_id, kind FROM schedules")
    return {
        "posts": {r["id"]: r["guild_id"] for r in ids if r["kind"] == "wave_post"},
        "quiet": {r["id"]: r["guild_id"] for r in ids if r["kind"] == "wave_quiet"},
        "dms": {r["id"] for r in ids if r["kind"] == "wave_dm"},
    }


async def _kill(process: Process, tasks: list[asyncio.Task[Any]]) -> None:
    """What a crash does: every task stops where it is, every connection is cut; nothing is tidied."""
    for task in tasks:
        task.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)
    db = process.services.db
    assert isinstance(db, PostgresDatabase)
    db.pool.terminate()


async def test_three_processes_share_a_wave_and_a_crash_loses_nothing_of_the_survivors(pg_server: PgServer) -> None:
    url = await pg_server.fresh_database()
    shard_sets = [Shards(PROCESSES, frozenset({k})) for k in range(PROCESSES)]
    everyone = [await make_services(clock=SimcordClock(), db_path=url, shards=s) for s in shard_sets]
    bot = make_bot(everyone[0], extensions=())
    sent: list[tuple[float, str]] = []
    try:
        async with simcord.run(bot, settle_timeout=3600) as env:
            # Ids a millisecond apart, so the servers fall on every shard ((id >> 22) % 3), as real ones do.
            guilds = [env.create_guild(f"g{n}", id=SERVER_IDS + (n << 22)) for n in range(GUILDS)]
            channels = [g.create_text_channel("circle") for g in guilds]
            users = [env.create_user(f"m{n}") for n in range(MEMBERS)]
            due = to_timestamp(env.now()) + DUE_IN
            seeded = await _seed(
                everyone[0].db,
                [(g.id, c.id) for g, c in zip(guilds, channels, strict=True)],
                [u.id for u in users],
                due,
            )
            processes = [Process(everyone[0], bot.dm, bot, sent)]
            for services in everyone[1:]:
                clock = services.clock
                sender = DmSender(
                    bot,
                    channels=DmChannelRepository(services.db),
                    clock=lambda c=clock: c.now().timestamp(),
                    now=lambda c=clock: to_timestamp(c.now()),
                    dm_kinds=services.scheduler.dm_kinds,
                    rate=dm_rate(services.shards),
                )
                processes.append(Process(services, sender, bot, sent))
            # Started as the bot's own tasks are, so SimCord runs their timers on its virtual clock (a private
            # hook of SimCord's: it hosts one bot, and these two run beside it as the issue describes).
            with env._bot_scope():
                for process in processes[1:]:
                    process.services.scheduler.start()
            for process in processes:
                process.services.scheduler.wake()
            await env.advance_time(DUE_IN + KILL_AFTER)
            victim = processes[1]
            await _kill(victim, _tasks_of(victim))
            await env.advance_time(5 * 60)
            quiet = Counter(i for p in processes for i in p.quiet)
            ran_where = [{Shards.shard_of(seeded["quiet"][i], PROCESSES) for i in p.quiet} for p in processes]

            posted = Counter(m.content for c in channels for m in c.history() if m.content.startswith("post "))
            dmed = Counter(
                m.content
                for u in users
                if u.dm_channel is not None
                for m in u.dm_channel.history()
                if m.content.startswith("dm ")
            )
            held_by_dead = await _held_by(everyone[2].db, victim.services.scheduler.lease)
    finally:
        for services in everyone:
            await services.db.close()
        await pg_server.drop(url)

    # At most once: nothing reached Discord twice.
    assert not [text for text, n in (posted + dmed).items() if n > 1]
    # Every post of the surviving shards' servers went out; the dead process's servers' posts did not
    # go out twice (some may have before it died, the rest wait for its replacement).
    survivors = {0, 2}
    for schedule_id, guild_id in seeded["posts"].items():
        if Shards.shard_of(guild_id, PROCESSES) in survivors:
            assert posted[f"post {schedule_id}"] == 1, f"post {schedule_id} of a surviving shard was not posted"
    assert max(quiet.values()) == 1
    # Each process ran only its own shards' servers' work, and the survivors all of theirs.
    assert ran_where[0] == {0} and ran_where[2] == {2} and ran_where[1] <= {1}
    for schedule_id, guild_id in seeded["quiet"].items():
        if Shards.shard_of(guild_id, PROCESSES) in survivors:
            assert quiet[schedule_id] == 1, f"firing {schedule_id} of a surviving shard did not run"
    assert {Shards.shard_of(g, PROCESSES) for g in seeded["posts"].values()} == {0, 1, 2}  # every shard had work
    # Every DM went out once, except those the dead process still held (claimed, perhaps sent just before it
    # died: left for a process started with its shards, which resends with the same nonce).
    for schedule_id in seeded["dms"]:
        if schedule_id not in held_by_dead:
            assert dmed[f"dm {schedule_id}"] == 1, f"dm {schedule_id} was not delivered"
    assert held_by_dead, "the process was killed while it still held messages, as the test means"
    assert sum(dmed.values()) >= DM_FIRINGS - len(held_by_dead)
    # Together within Discord's global limit, in every second.
    assert busiest_second([at for at, text in sent if text.startswith("dm ")]) <= GLOBAL_RATE_LIMIT


def _tasks_of(process: Process) -> list[asyncio.Task[Any]]:
    """The dead process's running tasks: its dispatcher and its DM queue's workers."""
    tasks = [t for t in asyncio.all_tasks() if not t.done()]
    mine = [t for t in tasks if _belongs(t, process)]
    assert mine, "the process had running tasks"
    return mine


def _belongs(task: asyncio.Task[Any], process: Process) -> bool:
    coro: Any = task.get_coro()
    owner = getattr(getattr(coro, "cr_frame", None), "f_locals", {}).get("self")
    return owner is process.services.scheduler or owner is process.sender or owner is process.sender.queue


async def _held_by(db: Any, lease: str) -> set[int]:
    rows = await db.fetchall("SELECT schedule_id FROM outbox WHERE lease = $1", (lease,))
    return {int(r["schedule_id"]) for r in rows}
