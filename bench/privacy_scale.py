"""/privacy export and forget of one member while the community grows: 1k, 10k and 100k members.

Run: `.venv/bin/python -m bench.privacy_scale` (or `--members 1000 10000` for fewer sizes).

Each size gets a fresh database FILE with the bot's production pragmas (WAL, synchronous=NORMAL,
secure_delete) and every migration, seeded in bulk with that many members' rows: opted-in check-in
plans, answers and their schedules, good moments and their settings, disclosure notes, saved
strategies, preferences, support listings, welcome runs, and anonymous posts and replies with their
links (spread over the last 90 days, about one thread per four members, as the bot writes them:
per-thread tag and per-day finder). The real bot is then started through SimCord with every feature
loaded, and the /privacy cog's own `collect` (export, plus the JSON file it sends) and `forget` are
timed for one member at a time: REPS different members, each exported then forgotten, reporting the
median and the interquartile range. The slash command and Discord round trip are left out: they do
not grow with the community.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

import simcord

from bench.harness import world
from bot.app import PeerCircleBot, Services
from bot.scheduling.recurrence import Recurrence
from bot.testing import SimcordClock, make_bot, make_services

SIZES = (1_000, 10_000, 100_000)
REPS = 7  # members timed per size (after one that warms the caches)
GUILD = 1_000
DAY = 86_400
RECURRENCE = Recurrence.daily((9, 0), "UTC").to_json()
FIRST_USER = 10**17


def _member_rows(user: int, now: int, i: int) -> dict[str, list[tuple[Any, ...]]]:
    """One member's rows in every table that keeps something about a person (ids, times, opaque bodies)."""
    body = os.urandom(64)
    later = now + 90 * DAY
    return {
        "checkin_plans": [(GUILD, user, None, "daily", "", 540, "UTC", "daily", 30, None, 0, now, later)],
        "checkin_answers": [(GUILD, user, f"t{i}-{k}", "p1", body, now - k * DAY, later) for k in range(3)],
        "moments": [(GUILD, user, body, now - k * DAY, later) for k in range(2)],
        "moment_settings": [(GUILD, user, 90, None, 0, now, later)],
        "disclosure_notes": [(GUILD, user, body, now, later)],
        "strategy_favourites": [(GUILD, user, "not-about-me", now, later, None)],
        "member_preferences": [(GUILD, user, "Europe/London", None, None, now, later)],
        "support_volunteers": [(GUILD, user, now, later)] if i % 10 == 0 else [],
        "welcome_runs": [(GUILD, user, 0, now, later)] if i % 5 == 0 else [],
        "schedules": [(GUILD, "checkin", user, "{}", RECURRENCE, now + DAY, 0, now, None, later, now, 0)],
    }


INSERTS = {
    "checkin_plans": "INSERT INTO checkin_plans (guild_id, user_id, schedule_id, cadence, days, at_minute, timezone, "
    "prompt_set, keep_days, paused_until, dm_closed, created_at, expires_at) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)",
    "checkin_answers": "INSERT INTO checkin_answers (guild_id, user_id, token, prompt_id, body, created_at, "
    "expires_at) VALUES (?,?,?,?,?,?,?)",
    "moments": "INSERT INTO moments (guild_id, user_id, body, created_at, expires_at) VALUES (?,?,?,?,?)",
    "moment_settings": "INSERT INTO moment_settings (guild_id, user_id, keep_days, lookback_schedule_id, dm_closed, "
    "created_at, expires_at) VALUES (?,?,?,?,?,?,?)",
    "disclosure_notes": "INSERT INTO disclosure_notes (guild_id, user_id, body, created_at, expires_at) "
    "VALUES (?,?,?,?,?)",
    "strategy_favourites": "INSERT INTO strategy_favourites (guild_id, user_id, strategy_id, saved_at, expires_at, "
    "used_at) VALUES (?,?,?,?,?,?)",
    "member_preferences": "INSERT INTO member_preferences (guild_id, user_id, timezone, quiet_start, quiet_end, "
    "updated_at, expires_at) VALUES (?,?,?,?,?,?,?)",
    "support_volunteers": "INSERT INTO support_volunteers (guild_id, user_id, joined_at, expires_at) VALUES (?,?,?,?)",
    "welcome_runs": "INSERT INTO welcome_runs (guild_id, user_id, ended, since, expires_at) VALUES (?,?,?,?,?)",
    "schedules": "INSERT INTO schedules (guild_id, kind, owner_id, target, recurrence, next_run_at, paused, "
    "created_at, last_run_at, expires_at, renewed_at, failures) VALUES (?,?,?,?,?,?,?,?,?,?,?,?)",
}


def _vent_rows(services: Services, members: list[int], now: int) -> dict[str, list[tuple[Any, ...]]]:
    """Anonymous posts (one per four members) and a reply from every member, links as the bot writes them."""
    tag = services.keys.tag
    posts, replies, links = [], [], []
    counts: dict[tuple[int, int], int] = {}
    threads = max(1, len(members) // 4)

    def link(message: int, post: int, user: int, is_post: int, at: int) -> None:
        day = at // DAY
        n = counts.get((user, day), 0)
        counts[(user, day)] = n + 1
        finder = tag("vent-find", GUILD, user, day, n)
        member_tag = tag("vent-member", GUILD, post, user)
        links.append((message, post, GUILD, member_tag, is_post, at + 90 * DAY, at, finder))

    for t in range(threads):
        post, at = 5 * 10**17 + t, now - (t % 90) * DAY
        posts.append((post, GUILD, 77, post, 1, at))
        link(post, post, members[t], 1, at)
    for i, user in enumerate(members):
        post, message, at = 5 * 10**17 + (i * 7) % threads, 6 * 10**17 + i, now - (i % 90) * DAY
        replies.append((message, post, GUILD, f"Anon {i % 65536:04X}", 0, at))
        link(message, post, user, 0, at)
    return {"vent_posts": posts, "vent_replies": replies, "vent_links": links}


VENT_INSERTS = {
    "vent_posts": "INSERT INTO vent_posts (post_id, guild_id, channel_id, message_id, is_forum, created_at) "
    "VALUES (?,?,?,?,?,?)",
    "vent_replies": "INSERT INTO vent_replies (message_id, post_id, guild_id, pseudonym, is_op, created_at) "
    "VALUES (?,?,?,?,?,?)",
    "vent_links": "INSERT INTO vent_links (message_id, post_id, guild_id, member_tag, is_post, expires_at, created_at, "
    "finder) VALUES (?,?,?,?,?,?,?,?)",
}


async def seed(services: Services, count: int, now: int) -> list[int]:
    """`count` members' rows, written in one transaction; return the members' ids."""
    members = [FIRST_USER + i for i in range(count)]
    db = services.db
    async with db.transaction():
        await db.execute("INSERT OR IGNORE INTO guilds (guild_id, joined_at) VALUES (?, ?)", (GUILD, now))
        batches: dict[str, list[tuple[Any, ...]]] = {table: [] for table in INSERTS}
        for i, user in enumerate(members):
            for table, rows in _member_rows(user, now, i).items():
                batches[table] += rows
        for table, rows in batches.items():
            await db.executemany(INSERTS[table], rows)
        for table, rows in _vent_rows(services, members, now).items():
            await db.executemany(VENT_INSERTS[table], rows)
    return members


def _quartiles(samples: list[float]) -> tuple[float, float]:
    q1, _, q3 = statistics.quantiles(samples, n=4, method="inclusive")
    return q1, q3


async def measure(count: int) -> dict[str, list[float]]:
    """Seconds per export and per forget of REPS members of a community of `count`."""
    with tempfile.TemporaryDirectory() as folder:
        services = await make_services(clock=SimcordClock(), db_path=str(Path(folder) / "bench.db"))
        try:
            bot = make_bot(services)
            async with simcord.run(bot) as env:
                world(env)
                now = int(services.clock.now().timestamp())
                members = await seed(services, count, now)
                await services.db.execute("ANALYZE")
                # Fold the seed's WAL into the file now, or the first forget's checkpoint would copy it all.
                await services.db.checkpoint()
                return await _time_privacy(bot, members)
        finally:
            await services.db.close()


async def _time_privacy(bot: PeerCircleBot, members: list[int]) -> dict[str, list[float]]:
    privacy: Any = bot.get_cog("Privacy")
    db = bot.services.db
    checkpoint = db.checkpoint
    spent: list[float] = []

    async def timed_checkpoint() -> None:
        # Forget ends by folding the WAL into the file (so erased rows leave no old pages); its fsync is
        # the disk's cost, not the community's, so it is shown apart.
        start = time.perf_counter()
        await checkpoint()
        spent.append(time.perf_counter() - start)

    db.checkpoint = timed_checkpoint  # type: ignore[method-assign]
    times: dict[str, list[float]] = {"export": [], "forget": [], "checkpoint": []}
    step = max(1, len(members) // (REPS + 1))
    # The first member warms SQLite's page cache and statement cache, as a running bot's are; not counted.
    for rep, user in enumerate(members[::step][: REPS + 1]):
        start = time.perf_counter()
        data, failed = await privacy.collect(user)
        json.dumps(data, ensure_ascii=False)  # the file the member is sent
        exported = time.perf_counter() - start
        assert not failed and data["Anonymous venting"]["anonymous_replies"], "the member's reply was not found"
        start = time.perf_counter()
        _, failed = await privacy.forget(user)
        forgot = time.perf_counter() - start
        assert not failed
        left = await db.fetchval("SELECT count(*) FROM moments WHERE user_id = ?", (user,))
        assert left == 0, "forget left rows"
        if rep:
            times["export"].append(exported)
            times["forget"].append(forgot)
            times["checkpoint"].append(spent[-1])
    return times


def table(results: dict[int, dict[str, list[float]]]) -> str:
    """The figures as a Markdown table (milliseconds)."""
    lines = [
        "| members | export median | export IQR | forget median | forget IQR | of which checkpoint (median) |",
        "| ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for count, times in results.items():
        cells = [f"{count:,}"]
        for kind in ("export", "forget"):
            q1, q3 = _quartiles(times[kind])
            cells += [f"{statistics.median(times[kind]) * 1000:.1f} ms", f"{q1 * 1000:.1f}–{q3 * 1000:.1f} ms"]
        cells.append(f"{statistics.median(times['checkpoint']) * 1000:.1f} ms")
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def main() -> None:
    """Measure each size and print the table."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--members", type=int, nargs="*", default=list(SIZES))
    sizes = parser.parse_args().members
    results = {count: asyncio.run(measure(count)) for count in sizes}
    print(f"/privacy export and forget of one member, {REPS} members each (file database, production pragmas)")
    print(table(results))


if __name__ == "__main__":
    main()
