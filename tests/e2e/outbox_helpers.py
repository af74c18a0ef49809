"""Shared pieces for the outbox tests: a file database, and many members due at once."""

from __future__ import annotations

from typing import Any

from bot.clock import to_timestamp
from bot.scheduling.recurrence import Recurrence


async def seed_checkins(services: Any, guild_id: int, user_ids: list[int], due: int) -> None:
    """Give every member a daily 00:01 UTC check-in plan first due at `due` (as many opting in would)."""
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
    services.scheduler.wake()  # rows written behind its back: re-read the earliest due time


def check_in_dms(user: Any) -> int:
    """How many check-in prompts a user's DM channel holds."""
    return sum(1 for m in user.dm_channel.history() if m.content.startswith("Your check-in"))
