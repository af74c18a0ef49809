"""Retention: delete every stored row whose expiry has passed, table by table from the registry."""

from __future__ import annotations

import logging
from collections.abc import Iterable

from bot.clock import Clock, to_timestamp
from bot.db.connection import Database
from bot.privacy import TableDeclaration
from bot.repositories import schema

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
