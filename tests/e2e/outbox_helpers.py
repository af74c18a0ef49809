"""Shared pieces for the outbox tests: a file database, and many members due at once."""

from __future__ import annotations

from typing import Any

from bench.dm_fanout import seed


async def seed_checkins(services: Any, guild_id: int, user_ids: list[int], due: int) -> None:
    """Give every member a daily 00:01 UTC check-in plan first due at `due` (as many opting in would)."""
    await seed(services, guild_id, user_ids, due)  # the same rows the DM fan-out benchmark seeds
    services.scheduler.wake()  # rows written behind its back: re-read the earliest due time


def check_in_dms(user: Any) -> int:
    """How many check-in prompts a user's DM channel holds."""
    return sum(1 for m in user.dm_channel.history() if m.content.startswith("Your check-in"))
