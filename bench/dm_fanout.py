"""DM fan-out at Discord's limit (issue 14): how long a wave of N scheduled DMs takes, and how late each is.

Two parts, both printing total seconds, requests per DM and p50/p99 lateness from the wave's start:

- **model**: the real DmSender, DeliveryQueue and DmChannelRepository (on a SQLite file) with a fake
  Discord that answers every request after a fixed latency, on an event loop whose clock is virtual
  (`VirtualTimeLoop`: when nothing is ready it jumps to the next timer). Every sleep, in the token
  bucket and in the fake requests, is modelled exactly and costs no real time, so 10,000 DMs at
  200 ms per request take seconds to run. CPU work costs no virtual time: this is the bound the
  queue imposes, not a measurement of the bot's CPU (bench/checkins.py measures that).
- **simcord**: the unmodified bot through SimCord: N members with a daily check-in due at the same
  minute, a latency layer in front of SimCord's HTTP client (a virtual sleep per request), the
  maintenance pass opening DM channels ahead of the wave, and the scheduler firing the wave. Real
  time grows with N (SimCord settles every task), so it runs 1,000 by default.

Discord's bound for reference: 50 requests/s across the bot, one request per DM, so 10,000 DMs need
at least 200 s. Run: `.venv/bin/python -m bench.dm_fanout [--simcord N] [--model-only]`.
"""

from __future__ import annotations

import asyncio
import statistics
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable, Coroutine
from datetime import timedelta
from pathlib import Path
from typing import Any, TypeVar, cast

import discord
import simcord

from bot.clock import to_timestamp
from bot.content.store import load_content
from bot.db import apply_migrations, open_database
from bot.db.connection import Database
from bot.delivery.dm import DmSender, OutgoingDM
from bot.delivery.queue import DEFAULT_BURST, DEFAULT_RATE, DEFAULT_WORKERS
from bot.delivery.repository import DmChannelRepository
from bot.scheduling.recurrence import Recurrence
from bot.testing import SimcordClock, make_bot, make_services

T = TypeVar("T")
SIZES = (1_000, 10_000)
LATENCIES = (0.0, 0.1, 0.2)
DISCORD_LIMIT = 50
TEXT = "Your check-in from **Bench**:\n> a prompt\n\nAnswer if you'd like, or let it pass."


class VirtualTimeLoop(asyncio.SelectorEventLoop):
    """An event loop whose clock only moves when every task waits: it jumps to the next timer.

    Sleeps (asyncio.sleep, call_later) take no real time, in order and to the microsecond. Work in other
    threads (aiosqlite) takes no virtual time: while `busy` counts any, the clock stays where it is and
    the loop waits for it for real (`BusyDatabase` counts the database's).
    """

    def __init__(self) -> None:
        super().__init__()
        self._virtual = 0.0
        self.busy = 0

    def time(self) -> float:
        """The virtual clock, in seconds from the loop's creation."""
        return self._virtual

    def _run_once(self) -> None:
        ready = cast(Any, self)._ready
        scheduled = cast(Any, self)._scheduled
        if not ready and scheduled and not self.busy:
            self._virtual = max(self._virtual, scheduled[0].when())
        super()._run_once()  # type: ignore[misc]


class BusyDatabase:
    """The repository's view of a Database, counting calls in flight so the virtual clock waits for them."""

    def __init__(self, db: Database, loop: VirtualTimeLoop) -> None:
        self._db = db
        self._loop = loop

    async def _counted(self, call: Awaitable[T]) -> T:
        self._loop.busy += 1
        try:
            return await call
        finally:
            self._loop.busy -= 1

    async def execute(self, sql: str, params: Any = ()) -> int:
        """Database.execute, counted."""
        return await self._counted(self._db.execute(sql, params))

    async def fetchval(self, sql: str, params: Any = ()) -> Any:
        """Database.fetchval, counted."""
        return await self._counted(self._db.fetchval(sql, params))

    async def fetchone(self, sql: str, params: Any = ()) -> Any:
        """Database.fetchone, counted."""
        return await self._counted(self._db.fetchone(sql, params))

    async def fetchall(self, sql: str, params: Any = ()) -> Any:
        """Database.fetchall, counted."""
        return await self._counted(self._db.fetchall(sql, params))


async def seed(services: Any, guild_id: int, user_ids: list[int], due: int) -> None:
    """Give every member a daily check-in plan due at `due` (one transaction, like a busy 09:00)."""
    db = services.db
    now = to_timestamp(services.clock.now())
    rule = Recurrence.daily((0, 1), "UTC").to_json()
    async with db.transaction():
        await db.execute("INSERT OR IGNORE INTO guilds (guild_id, joined_at) VALUES (?, ?)", (guild_id, now))
        await db.executemany(
            "INSERT INTO schedules (id, guild_id, kind, owner_id, target, recurrence, next_run_at, paused, created_at,"
            " expires_at) VALUES (?, ?, 'checkin', ?, '{}', ?, ?, 0, ?, ?)",
            [(n + 1, guild_id, uid, rule, due, now, now + 86400 * 365) for n, uid in enumerate(user_ids)],
        )
        await db.executemany(
            "INSERT INTO checkin_plans (guild_id, user_id, schedule_id, cadence, days, at_minute, timezone,"
            " prompt_set, keep_days, paused_until, dm_closed, created_at, expires_at)"
            " VALUES (?, ?, ?, 'daily', '', 1, 'UTC', 'daily', 0, NULL, 0, ?, ?)",
            [(guild_id, uid, n + 1, now, now + 86400 * 365) for n, uid in enumerate(user_ids)],
        )


def run_virtual(make: Callable[[], Coroutine[Any, Any, T]]) -> T:
    """Run a coroutine to completion on a fresh VirtualTimeLoop."""
    loop = VirtualTimeLoop()
    try:
        return loop.run_until_complete(make())
    finally:
        loop.close()


def percentile(samples: list[float], p: int) -> float:
    """The p-th percentile (inclusive method), 0 for no samples."""
    if len(samples) < 2:
        return samples[0] if samples else 0.0
    return statistics.quantiles(samples, n=100, method="inclusive")[p - 1]


def busiest_second(stamps: list[float]) -> int:
    """The most requests in any one-second window (Discord's global limit is 50)."""
    ordered, most, start = sorted(stamps), 0, 0
    for end, at in enumerate(ordered):
        while ordered[start] <= at - 1.0:
            start += 1
        most = max(most, end - start + 1)
    return most


class FakeDiscord:
    """Just what DmSender uses of a discord.Client, answering each request after `latency` seconds."""

    def __init__(self, latency: float) -> None:
        self.latency = latency
        self.stamps: list[float] = []  # when each request went out
        self.posted_at: list[float] = []  # when each DM was accepted
        self.http = self

    async def _request(self) -> None:
        self.stamps.append(asyncio.get_running_loop().time())
        await asyncio.sleep(self.latency)

    async def start_private_message(self, user_id: int) -> dict[str, Any]:
        """Open (or find) the DM channel: the same id for a member every time."""
        await self._request()
        return {"id": str(user_id + 1)}

    def get_partial_messageable(self, channel_id: int, *, type: Any = None) -> FakeDiscord:
        """A channel to post to by id."""
        return self

    async def send(self, content: str, **options: Any) -> object:
        """Post a message."""
        await self._request()
        self.posted_at.append(asyncio.get_running_loop().time())
        return object()


async def _closed() -> None:
    return None


async def model_wave(count: int, latency: float, *, known: bool, before: bool = False) -> dict[str, float]:
    """Send `count` DMs submitted at t=0 through the real DmSender; channels stored (`known`) or not.

    `before` runs it with the settings this issue replaced (45/s, burst 5, 4 workers), to check the model
    against the issue's figures (444 s and 1,000 s for 10,000 first-time DMs at 0 and 200 ms).
    """
    loop = asyncio.get_running_loop()
    with tempfile.TemporaryDirectory() as folder:
        db = await open_database(Path(folder) / "fanout.db")
        try:
            await apply_migrations(db)
            if known:
                rows = [(uid, uid + 1, 0, 0, 2**31) for uid in range(1, count + 1)]
                await db.executemany(
                    "INSERT INTO dm_channels (user_id, channel_id, created_at, used_at, expires_at)"
                    " VALUES (?, ?, ?, ?, ?)",
                    rows,
                )
            fake = FakeDiscord(latency)
            sender = DmSender(
                cast(discord.Client, fake),
                channels=DmChannelRepository(cast(Database, BusyDatabase(db, cast(VirtualTimeLoop, loop)))),
                maxsize=count,
                clock=loop.time,
                **({"rate": 45.0, "burst": 5.0, "workers": 4} if before else {}),
            )
            started = loop.time()
            for uid in range(1, count + 1):
                await sender.submit(OutgoingDM(uid, TEXT, None, _closed))
            await sender.queue.join()
            await sender.stop()
        finally:
            await db.close()
    lateness = [at - started for at in fake.posted_at]
    assert len(lateness) == count, (len(lateness), count)
    return {
        "total": max(lateness),
        "per_dm": len(fake.stamps) / count,
        "p50": percentile(lateness, 50),
        "p99": percentile(lateness, 99),
        "busiest": float(busiest_second(fake.stamps)),
    }


def print_model() -> None:
    """The model's table: every size and latency, channels known (steady state) and not (first wave)."""
    print(
        f"model: real DmSender/DeliveryQueue on a virtual clock; rate {DEFAULT_RATE:g}/s + burst {DEFAULT_BURST:g}, "
        f"up to {DEFAULT_WORKERS} workers; fake Discord with a fixed latency per request"
    )
    print("| DMs | latency | channel ids | total s | requests/DM | p50 late s | p99 late s | busiest 1 s | real s |")
    print("|---:|---:|---|---:|---:|---:|---:|---:|---:|")
    runs = [(c, lat, known, False) for c in SIZES for lat in LATENCIES for known in (True, False)]
    runs += [(SIZES[-1], lat, False, True) for lat in (0.0, 0.2)]
    for count, latency, known, before in runs:
        wall = time.perf_counter()
        r = run_virtual(lambda c=count, lat=latency, k=known, b=before: model_wave(c, lat, known=k, before=b))
        wall = time.perf_counter() - wall
        label = "none (before: 45/s, 4 workers)" if before else ("stored" if known else "none stored")
        print(
            f"| {count:,} | {latency * 1000:.0f} ms | {label} | {r['total']:.1f} | {r['per_dm']:.2f} | "
            f"{r['p50']:.1f} | {r['p99']:.1f} | {r['busiest']:.0f} | {wall:.1f} |",
            flush=True,
        )


async def simcord_wave(count: int, latency: float) -> dict[str, float]:
    """The real bot through SimCord: `count` check-ins due at 00:45, channels opened ahead at 00:30."""
    with tempfile.TemporaryDirectory() as folder:
        services = await make_services(clock=SimcordClock(), db_path=f"{folder}/bot.db", content=load_content())
        bot = make_bot(services)
        bot.maintenance_every = timedelta(minutes=30)  # as in production (tests use 6 hours)
        posted: list[float] = []
        calls: list[tuple[float, str]] = []
        try:
            async with simcord.run(bot, settle_timeout=3600) as env:
                guild = env.create_guild("Bench")
                users = [env.create_user(f"m{n}") for n in range(count)]
                wave = to_timestamp(env.now()) + 45 * 60
                await seed(services, guild.id, [u.id for u in users], wave)
                services.scheduler.wake()
                original = bot.http.request

                async def slow(route: Any, **options: Any) -> Any:
                    # Every REST call waits `latency` (virtual) seconds, as a round trip to Discord would.
                    calls.append((env.now().timestamp(), f"{route.method} {route.path}"))
                    await asyncio.sleep(latency)
                    answer = await original(route, **options)
                    if route.method == "POST" and route.path == "/channels/{channel_id}/messages":
                        posted.append(env.now().timestamp() - wave)
                    return answer

                bot.http.request = slow  # type: ignore[method-assign]
                wall = time.perf_counter()
                await env.advance_time(45 * 60 + 15 * 60)
                wall = time.perf_counter() - wall
                stored = int(await services.db.fetchval("SELECT count(*) FROM dm_channels") or 0)
        finally:
            await services.db.close()
    in_wave = [what for at, what in calls if at >= wave]
    ahead = sum(1 for at, what in calls if at < wave and what == "POST /users/@me/channels")
    assert len(posted) == count, (len(posted), count)
    return {
        "total": max(posted),
        "per_dm": len(in_wave) / count,
        "opened_ahead": float(ahead),
        "stored": float(stored),
        "p50": percentile(posted, 50),
        "p99": percentile(posted, 99),
        "busiest": float(busiest_second([at for at, _ in calls if at >= wave])),
        "wall": wall,
    }


def print_simcord(count: int) -> None:
    """The SimCord table: the unmodified bot, one wave of `count` check-ins per latency."""
    print(f"simcord: the real bot, {count:,} check-ins due at 00:45; maintenance at 00:30 opens DM channels ahead")
    print(
        "| DMs | latency | opened ahead | total s | requests/DM in the wave | p50 late s | p99 late s | busiest 1 s "
        "| real s |"
    )
    print("|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for latency in LATENCIES:
        r = asyncio.run(simcord_wave(count, latency))
        print(
            f"| {count:,} | {latency * 1000:.0f} ms | {r['opened_ahead']:.0f} | {r['total']:.1f} | "
            f"{r['per_dm']:.2f} | {r['p50']:.1f} | {r['p99']:.1f} | {r['busiest']:.0f} | {r['wall']:.1f} |",
            flush=True,
        )


def main(argv: list[str] | None = None) -> None:
    """Print the model's table and, unless --model-only, the SimCord measurement."""
    args = sys.argv[1:] if argv is None else argv
    print_model()
    if "--model-only" in args:
        return
    count = int(args[args.index("--simcord") + 1]) if "--simcord" in args else 1_000
    print_simcord(count)


if __name__ == "__main__":
    main()
