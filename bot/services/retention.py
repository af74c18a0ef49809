"""Retention: delete every stored row whose expiry has passed, and every row older than its server's
retention period, table by table from the registry."""

from __future__ import annotations

import logging
from collections.abc import Iterable

from bot.clock import Clock, to_timestamp
from bot.db.connection import Database
from bot.privacy import REGISTRY, TableDeclaration, follows_server_retention
from bot.repositories import schema
from bot.services.guild_settings import SETTINGS

log = logging.getLogger(__name__)


async def purge_expired(db: Database, clock: Clock, declarations: Iterable[TableDeclaration]) -> dict[str, int]:
    """Delete expired rows in every declared table with an expiry column; return counts by table."""
    now_ts = to_timestamp(clock.now())
    removed: dict[str, int] = {}
    for decl in declarations:
        if decl.expires_column:
            count = await schema.purge_expired(db, decl.table, decl.expires_column, now_ts)
            if count:
                removed[decl.table] = count
    if removed:
        log.info("purged expired rows: %s", removed)
    return removed


async def purge_past_retention(
    db: Database, clock: Clock, declarations: Iterable[TableDeclaration], guild_id: int | None = None
) -> dict[str, int]:
    """Delete rows older than their server's current retention period; return counts by table.

    Items were given an expiry from the period in force when they were stored; this is what makes a
    shorter period apply to them too (at once for one server after /config retention, and on every
    maintenance pass for all servers).
    """
    now_ts = to_timestamp(clock.now())
    default_days = int(SETTINGS["retention_days"].default)
    removed: dict[str, int] = {}
    for decl in follows_server_retention(declarations):
        assert decl.retention_anchor is not None
        count = await schema.purge_past_retention(db, decl.table, decl.retention_anchor, now_ts, default_days, guild_id)
        if count:
            removed[decl.table] = count
    if removed:
        log.info("purged rows past retention: %s", removed)
    return removed


def describe_removed(removed: dict[str, int]) -> str:
    """Counts by table in plain words, never table names ("check-in answers (3), good moments (1)")."""
    parts = sorted(f"{REGISTRY[table].items or REGISTRY[table].purpose} ({count})" for table, count in removed.items())
    return ", ".join(parts)
