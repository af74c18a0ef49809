"""Foundation benchmarks: /config show against a bare bot, and /privacy export and forget at 10,000 rows.

Run: `make bench` (all) or `.venv/bin/python -m bench.core`.
"""

from __future__ import annotations

import asyncio
import tempfile
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import discord
import simcord

from bench.harness import bare_factory, compare, report, world
from bot.app import Services
from bot.testing import SimcordClock, make_bot, make_services

ROWS = 10_000


async def ours_factory() -> tuple[discord.Client, Callable[[], Awaitable[None]]]:
    """The real bot over an in-memory database."""
    services = await make_services(clock=SimcordClock())
    return make_bot(services), services.db.close


async def config_show(env: simcord.Env) -> Callable[[], Awaitable[Any]]:
    """/config show by a moderator."""
    _, channel, mod = world(env)
    return lambda: mod.slash(channel, "config show")


async def bare_ping(env: simcord.Env) -> Callable[[], Awaitable[Any]]:
    """The bare bot's constant answer."""
    _, channel, mod = world(env)
    return lambda: mod.slash(channel, "ping")


async def seed_rows(services: Services, user_id: int, rows: int) -> None:
    """Give one member `rows` stored rows (preferences in that many servers) in one transaction."""
    db = services.db
    now = int(time.time())
    async with db.transaction():
        await db.executemany(
            "INSERT INTO guilds (guild_id, joined_at) VALUES (?, ?)", [(10_000 + i, now) for i in range(rows)]
        )
        await db.executemany(
            "INSERT INTO member_preferences (guild_id, user_id, timezone, quiet_start, quiet_end, updated_at, "
            "expires_at) VALUES (?, ?, 'Europe/London', NULL, NULL, ?, ?)",
            [(10_000 + i, user_id, now, now + 86400) for i in range(rows)],
        )


async def privacy_at_scale(rows: int) -> dict[str, float]:
    """Time /privacy export and /privacy forget for a member with `rows` stored rows (file database)."""
    with tempfile.TemporaryDirectory() as folder:
        services = await make_services(clock=SimcordClock(), db_path=str(Path(folder) / "bench.db"))
        try:
            async with simcord.run(make_bot(services)) as env:
                _, channel, member = world(env)
                await seed_rows(services, member.id, rows)
                start = time.perf_counter()
                result = await member.slash(channel, "privacy export")
                export_s = time.perf_counter() - start
                size = len(await result.response.attachments[0].read())
                asked = await member.slash(channel, "privacy forget")
                start = time.perf_counter()
                await member.click(asked.response.message, label="Yes, erase everything")
                forget_s = time.perf_counter() - start
                left = await services.db.fetchval(
                    "SELECT count(*) FROM member_preferences WHERE user_id = ?", (member.id,)
                )
                assert left == 0
        finally:
            await services.db.close()
    return {"export_s": export_s, "forget_s": forget_s, "export_bytes": float(size)}


def main() -> None:
    """Print the foundation's figures."""
    mine, base = compare("/config show", (ours_factory, config_show), (bare_factory, bare_ping), n=100, rounds=5)
    print(report(mine, base, target=1.5))
    figures = asyncio.run(privacy_at_scale(ROWS))
    print(
        f"/privacy export, {ROWS:,} rows: {figures['export_s'] * 1000:,.0f} ms "
        f"({figures['export_bytes'] / 1e6:.1f} MB of JSON)"
    )
    print(f"/privacy forget, {ROWS:,} rows: {figures['forget_s'] * 1000:,.0f} ms")


if __name__ == "__main__":
    main()
