"""The interaction suite's foundation: our bot over a seeded file database, and the read-only commands.

    python -m bench.core                                   # /config show and /help, at 1k, 10k and 100k members
    python -m bench.core --members 1000 --n 30 --rounds 6  # smaller
    python -m bench.core --profile                         # also cProfile's split of one round of ours

Every scenario here and in bench.strategies, bench.venting and bench.checkins runs through `run_suite`:
for each member count, a template database is migrated and seeded once (`seed_members`), and each round
of our bot works on a fresh copy of it, opened with the production pragmas.
"""

from __future__ import annotations

import argparse
import asyncio
import secrets
import shutil
import sqlite3
import statistics
import tempfile
import time
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import discord
import simcord

from bench.harness import (
    BotFactory,
    Comparison,
    Ctx,
    Scenario,
    Side,
    bare_factory,
    compare,
    format_split,
    report,
    short_settle,
    split_profile,
    world,
)
from bot.scheduling.recurrence import Recurrence
from bot.testing import SimcordClock, make_bot, make_services

SCALES = (1_000, 10_000, 100_000)
# Seeded members' ids: far from SimCord's snowflakes, so they never collide with the acting members.
SEEDED_USER = 10**15
READ_ONLY_TARGET_US, WRITE_TARGET_US = 300.0, 1_500.0


# -- the seeded database ---------------------------------------------------------------------------

_GUILD_ID: list[int] = []


def bench_guild_id() -> int:
    """The id SimCord gives the first guild our bot sees (the same in every fresh env), where rows are seeded.

    SimCord numbers every object it creates, the bot's synced commands included, so this is asked of our bot.
    """
    if not _GUILD_ID:

        async def probe() -> None:
            services = await make_services(clock=SimcordClock())
            try:
                async with simcord.run(make_bot(services)) as env:
                    _GUILD_ID.append(world(env)[0].id)
            finally:
                await services.db.close()

        with short_settle():
            asyncio.run(probe())
    return _GUILD_ID[0]


def _member_rows(guild_id: int, count: int, now: int) -> dict[str, list[tuple[Any, ...]]]:
    """Per seeded member: an opted-in daily check-in (plan + schedule) with one kept answer, the moments log
    with one moment, one vent post with its link, and one favourite strategy."""
    later, rule = now + 86400 * 300, Recurrence.daily((9, 0), "UTC").to_json()
    users = [SEEDED_USER + i for i in range(count)]
    blob = secrets.token_bytes(120)  # stands in for Fernet ciphertext; nothing decrypts other members' rows
    return {
        "INSERT INTO schedules (id, guild_id, kind, owner_id, target, recurrence, next_run_at, paused, created_at,"
        " expires_at) VALUES (?, ?, 'checkin', ?, '{}', ?, ?, 0, ?, ?)": [
            (i + 1, guild_id, uid, rule, now + 9 * 3600, now, later) for i, uid in enumerate(users)
        ],
        "INSERT INTO checkin_plans (guild_id, user_id, schedule_id, cadence, days, at_minute, timezone, prompt_set,"
        " keep_days, paused_until, dm_closed, created_at, expires_at)"
        " VALUES (?, ?, ?, 'daily', '', 540, 'UTC', 'daily', 30, NULL, 0, ?, ?)": [
            (guild_id, uid, i + 1, now, later) for i, uid in enumerate(users)
        ],
        "INSERT INTO checkin_answers (guild_id, user_id, token, prompt_id, body, created_at, expires_at)"
        " VALUES (?, ?, ?, 'seeded', ?, ?, ?)": [
            (guild_id, uid, f"{i:08x}", blob, now, later) for i, uid in enumerate(users)
        ],
        "INSERT INTO moment_settings (guild_id, user_id, keep_days, lookback_schedule_id, dm_closed, created_at,"
        " expires_at) VALUES (?, ?, 90, NULL, 0, ?, ?)": [(guild_id, uid, now, later) for uid in users],
        "INSERT INTO moments (guild_id, user_id, body, created_at, expires_at) VALUES (?, ?, ?, ?, ?)": [
            (guild_id, uid, blob, now, later) for uid in users
        ],
        "INSERT INTO vent_posts (post_id, guild_id, channel_id, message_id, is_forum, created_at)"
        " VALUES (?, ?, 1, ?, 0, ?)": [(i + 1, guild_id, i + 1, now) for i in range(count)],
        # created_at given, as the bot's own trigger would fill it in (and without the trigger's scan of vent_posts).
        "INSERT INTO vent_links (message_id, post_id, guild_id, member_tag, is_post, expires_at, created_at)"
        " VALUES (?, ?, ?, ?, 1, ?, ?)": [
            (i + 1, i + 1, guild_id, secrets.token_hex(16), later, now) for i in range(count)
        ],
        "INSERT INTO strategy_favourites (guild_id, user_id, strategy_id, saved_at, expires_at)"
        " VALUES (?, ?, 'seeded', ?, ?)": [(guild_id, uid, now, later) for uid in users],
    }


def seed_members(path: Path, guild_id: int, count: int, now: int) -> None:
    """Seed `count` members' rows (see `_member_rows`) into a migrated template, in one transaction.

    Plain sqlite3 without a journal: this is the template, not a measured database; each round's copy is
    opened by the bot with the production pragmas.
    """
    conn = sqlite3.connect(path, isolation_level=None)
    try:
        conn.execute("PRAGMA journal_mode = OFF").fetchall()
        conn.execute("PRAGMA synchronous = OFF")
        conn.execute("BEGIN")
        conn.execute("INSERT OR IGNORE INTO guilds (guild_id, joined_at) VALUES (?, ?)", (guild_id, now))
        for sql, rows in _member_rows(guild_id, count, now).items():
            conn.executemany(sql, rows)
        conn.execute("COMMIT")
    finally:
        conn.close()


async def migrate(path: Path) -> None:
    """A freshly migrated file database."""
    services = await make_services(db_path=str(path))
    await services.db.close()


def ours_factory(template: Path) -> BotFactory:
    """Our bot with every feature loaded, on a fresh copy of `template` opened with the production pragmas."""

    async def factory() -> tuple[discord.Client, Any, Callable[[], Awaitable[None]]]:
        folder = Path(tempfile.mkdtemp(prefix="bench-"))
        shutil.copyfile(template, folder / "bench.db")
        services = await make_services(clock=SimcordClock(), db_path=str(folder / "bench.db"))

        async def cleanup() -> None:
            await services.db.close()
            shutil.rmtree(folder, ignore_errors=True)

        return make_bot(services), services, cleanup

    return factory


@contextmanager
def template_for(members: int) -> Iterator[Path]:
    """A seeded template database for `members` members, removed afterwards."""
    with tempfile.TemporaryDirectory(prefix="bench-template-") as folder:
        path = Path(folder) / "template.db"
        started = time.perf_counter()
        asyncio.run(migrate(path))
        seed_members(path, bench_guild_id(), members, int(datetime(2026, 1, 1, tzinfo=UTC).timestamp()))
        print(f"  (seeded {members:,} members' rows in {time.perf_counter() - started:.1f} s)", flush=True)
        yield path


# -- the suite -------------------------------------------------------------------------------------


@dataclass
class Case:
    """One interaction to compare: our scenario, the bare bot doing the same Discord calls, and the target."""

    label: str
    ours: Scenario
    bare: Side
    target_us: float


def run_suite(cases: list[Case], scales: tuple[int, ...], *, n: int, rounds: int, profile: bool) -> list[str]:
    """Run every case at every scale; print one line each as it finishes, return markdown table rows."""
    rows = []
    for members in scales:
        print(f"== {members:,} members' rows", flush=True)
        with template_for(members) as template:
            for case in cases:
                ours = Side(ours_factory(template), case.ours)
                result = compare(case.label, ours, case.bare, n=n, rounds=rounds)
                print("  " + report(result, case.target_us), flush=True)
                rows.append(table_row(result, members, case.target_us))
                if profile and members == scales[0]:
                    split = format_split(split_profile(ours, n), split_profile(case.bare, n))
                    print(f"    profiled added CPU by package (main thread): {split}", flush=True)
    return rows


def table_row(result: Comparison, members: int, target_us: float) -> str:
    """`| label | members | added (IQR) | ours | bare | ratio | target |`."""
    median, q1, q3 = result.added_us()
    ours, bare = (statistics.median(values) * 1e6 for values in (result.ours, result.bare))
    verdict = "met" if median <= target_us else f"gap {median - target_us:,.0f} µs"
    return (
        f"| {result.label} | {members:,} | **{median:,.0f}** ({q1:,.0f}–{q3:,.0f}) | {ours:,.0f} | {bare:,.0f} "
        f"| {result.ratio:.2f} | ≤ {target_us:,.0f}: {verdict} |"
    )


TABLE_HEAD = (
    "| interaction | members' rows | added µs/interaction, median (IQR) | ours µs | bare µs | ratio | target |\n"
    "|---|---:|---:|---:|---:|---:|---|"
)


def cli(cases: list[Case], description: str, argv: list[str] | None = None) -> None:
    """The shared command line of the interaction benchmarks."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--members", default=",".join(str(s) for s in SCALES), help="comma-separated member counts")
    parser.add_argument("--n", type=int, default=40, help="interactions per round (default 40)")
    parser.add_argument("--rounds", type=int, default=6, help="pairs of rounds, bare then ours (default 6)")
    parser.add_argument("--profile", action="store_true", help="cProfile one round of ours at the first scale")
    args = parser.parse_args(argv)
    scales = tuple(int(s) for s in args.members.split(","))
    started = time.perf_counter()
    rows = run_suite(cases, scales, n=args.n, rounds=args.rounds, profile=args.profile)
    print(TABLE_HEAD)
    print("\n".join(rows))
    print(f"(n={args.n} interactions × {args.rounds} pairs of rounds; whole run {time.perf_counter() - started:.0f} s)")


# -- read-only commands ----------------------------------------------------------------------------


async def bare_ping(ctx: Ctx, n: int) -> Callable[[], Awaitable[Any]]:
    """The bare bot's constant ephemeral answer (one interaction response, like each read-only command)."""
    _, channel, member = world(ctx.env)
    return lambda: member.slash(channel, "ping")


BARE_PING = Side(bare_factory, bare_ping)


async def config_show(ctx: Ctx, n: int) -> Callable[[], Awaitable[Any]]:
    """/config show by a moderator."""
    _, channel, mod = world(ctx.env)
    return lambda: mod.slash(channel, "config show")


async def help_command(ctx: Ctx, n: int) -> Callable[[], Awaitable[Any]]:
    """/help by a member."""
    _, channel, member = world(ctx.env)
    return lambda: member.slash(channel, "help")


CASES = [
    Case("/config show", config_show, BARE_PING, READ_ONLY_TARGET_US),
    Case("/help", help_command, BARE_PING, READ_ONLY_TARGET_US),
]


if __name__ == "__main__":
    cli(CASES, "Read-only commands (/config show, /help) against a bare bot.")
