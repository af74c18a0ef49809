"""SQL for pending_rewrites: purged tables still to be written afresh (see BotApp's purge)."""

from __future__ import annotations

from collections.abc import Iterable

from bot.db.connection import Database
from bot.privacy import TableDeclaration, declare

declare(
    TableDeclaration(
        table="pending_rewrites",
        feature="core",
        purpose="The names of tables expired rows were removed from, and since when, so that on PostgreSQL "
        "they are written afresh within a day even if the bot restarts.",
        personal=False,
        who_can_see="Nobody: only the bot reads it.",
        retention="Until the tables are rewritten, within a day.",
    )
)


class PendingRewrites:
    """All SQL touching pending_rewrites."""

    def __init__(self, db: Database) -> None:
        self.db = db

    async def note(self, tables: Iterable[str], now_ts: int) -> None:
        """Remember tables that lost rows now; a table already waiting keeps its earlier time."""
        await self.db.executemany(
            "INSERT INTO pending_rewrites (table_name, since) VALUES ($1, $2) ON CONFLICT (table_name) DO NOTHING",
            [(table, now_ts) for table in sorted(set(tables))],
        )

    async def due(self, waited_since_ts: int) -> list[str]:
        """Every waiting table, when the longest-waiting has waited since `waited_since_ts` or before; else none.

        All of them at once: one rewrite pass then covers every table that waits.
        """
        rows = await self.db.fetchall("SELECT table_name, since FROM pending_rewrites ORDER BY table_name")
        if not rows or min(int(row["since"]) for row in rows) > waited_since_ts:
            return []
        return [str(row["table_name"]) for row in rows]

    async def done(self, tables: Iterable[str]) -> None:
        """Forget tables that were just rewritten."""
        await self.db.executemany(
            "DELETE FROM pending_rewrites WHERE table_name = $1", [(table,) for table in sorted(set(tables))]
        )
