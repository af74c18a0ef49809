"""PostgreSQL against SQLite for the two database-heavy moments: a wave of firings and a wave of DMs.

    python -m bench.postgres                 # 10,000 of each, 3 rounds, interleaved
    python -m bench.postgres --n 10000 --rounds 5

Both run the bot's own code over a fresh, migrated database per round, alternating engines round by round:
- **fires**: N schedules due at once, fired by `Scheduler.run_due` with a handler that does nothing (claims
  of 100, each advanced to its next day, as in production);
- **check-in wave**: N DM schedules due at once (the kind check-ins use: an outbox row per firing), each
  sent through the real DmSender to a stand-in for Discord that answers at once, with its stored DM
  channel looked up and its outbox row deleted on success. The DM queue's rate is lifted, so this is what
  the database can carry, not how long a wave takes: Discord's 50 requests a second make that about
  N / 49 seconds on either engine.

Engines, on production settings: SQLite as the bot opens it (WAL, synchronous=NORMAL, secure_delete) on
a file; PostgreSQL 16 from the pgserver wheel on the same disk, over a Unix socket, with its defaults
(fsync on, synchronous_commit on: every commit waits for the WAL to reach the disk). SQLite's NORMAL does
not wait at each commit, so a row with PostgreSQL at synchronous_commit=off (the same loss window on a
power cut: the last moments' commits) is also given.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import cast

import asyncpg
import discord

from bench.dm_fanout import FakeDiscord
from bot.clock import FakeClock, to_timestamp
from bot.db import Database, apply_migrations, open_database
from bot.delivery.dm import DmSender, OutgoingDM
from bot.delivery.repository import DmChannelRepository
from bot.scheduling.recurrence import Recurrence
from bot.scheduling.scheduler import Firing, Scheduler

DUE = datetime(2026, 6, 1, 9, 0, tzinfo=UTC)
GUILD = 1


async def _seed(db: Database, n: int, kind: str) -> None:
    rule = Recurrence.daily((9, 0), "UTC").to_json()
    due = to_timestamp(DUE)
    await db.execute("INSERT INTO guilds (guild_id, joined_at) VALUES ($1, 0)", (GUILD,))
    async with db.transaction():
        await db.executemany(
            "INSERT INTO schedules (guild_id, kind, owner_id, target, recurrence, next_run_at, paused, created_at) "
            "VALUES ($1, $2, $3, '{}', $4, $5, 0, 0)",
            [(GUILD, kind, 10_000 + i, rule, due) for i in range(n)],
        )
        if kind == "wave_dm":
            await db.executemany(
                "INSERT INTO dm_channels (user_id, channel_id, created_at, used_at, expires_at) "
                "VALUES ($1, $2, 0, 0, $3)",
                [(10_000 + i, 90_000 + i, 2**40) for i in range(n)],
            )


async def fires(db: Database, n: int) -> float:
    """Seconds to fire n due schedules."""
    await _seed(db, n, "quiet")
    scheduler = Scheduler(db, FakeClock(DUE))
    count = 0

    async def nothing(firing: Firing) -> None:
        nonlocal count
        count += 1

    scheduler.register("quiet", nothing, grace=timedelta(hours=1))
    started = time.perf_counter()
    await scheduler.run_due(DUE)
    took = time.perf_counter() - started
    assert count == n, (count, n)
    return took


async def checkin_wave(db: Database, n: int) -> float:
    """Seconds to claim n DM firings and send each through DmSender (rate lifted), outbox rows deleted."""
    await _seed(db, n, "wave_dm")
    scheduler = Scheduler(db, FakeClock(DUE))
    fake = FakeDiscord(0.0)
    sender = DmSender(cast(discord.Client, fake), channels=DmChannelRepository(db), rate=1e9, burst=1e9, maxsize=n + 1)

    async def closed() -> None:
        raise AssertionError("no member here has closed DMs")

    async def send(firing: Firing) -> None:
        assert firing.row.owner_id is not None
        await sender.submit(OutgoingDM(firing.row.owner_id, "How are you?", None, closed, receipt=firing.receipt))

    scheduler.register("wave_dm", send, dm=True)
    started = time.perf_counter()
    await scheduler.run_due(DUE)
    await sender.queue.join()
    took = time.perf_counter() - started
    await sender.stop()
    left = await db.fetchval("SELECT count(*) FROM outbox")
    assert len(fake.posted_at) == n and left == 0, (len(fake.posted_at), left)
    return took


class PgBench:
    """A PostgreSQL server for the benchmark, on its defaults (fsync and synchronous_commit on)."""

    def __init__(self, root: Path) -> None:
        import pgserver

        self.server = pgserver.get_server(str(root / "pgdata"), cleanup_mode="stop")
        self.count = 0

    async def fresh(self, synchronous_commit: str) -> Database:
        self.count += 1
        name = f"b{self.count}"
        admin = await asyncpg.connect(self.server.get_uri())
        try:
            await admin.execute(f'CREATE DATABASE "{name}"')
            await admin.execute(f"ALTER DATABASE \"{name}\" SET synchronous_commit = '{synchronous_commit}'")
        finally:
            await admin.close()
        db = await open_database(self.server.get_uri(name))
        await apply_migrations(db)
        return db


async def one_round(kind: str, engine: str, n: int, folder: Path, pg: PgBench) -> float:
    if engine == "sqlite":
        path = folder / f"{kind}-{time.monotonic_ns()}.db"
        db = await open_database(path)
        await apply_migrations(db)
    else:
        db = await pg.fresh("on" if engine == "postgres" else "off")
    try:
        return await (fires(db, n) if kind == "fires" else checkin_wave(db, n))
    finally:
        await db.close()


def summary(times: list[float], n: int) -> str:
    """Time per action in µs, median (min–max), then the rate."""
    each = sorted(t / n * 1e6 for t in times)
    return f"{statistics.median(each):,.0f} µs ({each[0]:,.0f}–{each[-1]:,.0f}); {n / statistics.median(times):,.0f}/s"


async def run(n: int, rounds: int) -> None:
    engines = ("sqlite", "postgres", "postgres-async-commit")
    with tempfile.TemporaryDirectory(prefix="pc-bench-") as folder:
        pg = PgBench(Path(folder))
        try:
            print(f"{n:,} each, {rounds} rounds, engines interleaved; time per action, median (min–max), and rate")
            print("| moment | SQLite (WAL, NORMAL) | PostgreSQL (sync commit) | PostgreSQL (async commit) |")
            print("|---|---:|---:|---:|")
            for kind in ("fires", "check-in wave"):
                times: dict[str, list[float]] = {e: [] for e in engines}
                for _ in range(rounds):
                    for engine in engines:
                        times[engine].append(await one_round(kind.split()[0], engine, n, Path(folder), pg))
                cells = " | ".join(summary(times[e], n) for e in engines)
                print(f"| {kind} | {cells} |")
                for engine in engines[1:]:
                    ratio = statistics.median(times[engine]) / statistics.median(times["sqlite"])
                    print(f"  {engine}: {ratio:.2f}x SQLite's time")
        finally:
            pg.server.cleanup()


def main(argv: list[str] | None = None) -> None:
    """Parse the options and print the table."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--n", type=int, default=10_000)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args(argv)
    asyncio.run(run(args.n, args.rounds))


if __name__ == "__main__":
    main()
