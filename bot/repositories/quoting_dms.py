"""SQL for quoting_dms: the ids of direct messages the bot sent that quote something a member kept."""

from __future__ import annotations

from dataclasses import dataclass

from bot.db.connection import Database, Row
from bot.privacy import TableDeclaration, declare

declare(
    TableDeclaration(
        table="quoting_dms",
        feature="core",
        purpose="Which of my direct messages to you quote something you kept (a weekly look-back quotes good "
        "moments), so I can delete those messages when what they quote is deleted, expires or is forgotten.",
        personal=True,
        who_can_see="Nobody but you; it holds only message ids, never the text.",
        retention="As long as what the message quotes; the message is deleted with it.",
        user_columns=("user_id",),
        expires_column="expires_at",
        columns={
            "channel_id": "Our direct-message channel.",
            "message_id": "My message.",
            "guild_id": "The server the quoted item belongs to.",
            "user_id": "Your Discord id.",
            "item_table": "Where the quoted item is kept (for example, good moments).",
            "item_id": "Which item it quotes.",
            "created_at": "When I sent the message.",
            "expires_at": "When the quoted item expires; the message is deleted then.",
        },
    )
)


@dataclass(frozen=True)
class QuotingDm:
    """One of the bot's DMs and one item it quotes."""

    channel_id: int
    message_id: int
    guild_id: int
    user_id: int
    item_table: str
    item_id: int
    created_at: int
    expires_at: int


# Tables whose items a DM may quote; each has an integer `id` primary key. Names here are code, never
# input, which is why they may be placed in SQL text.
QUOTABLE = ("moments",)


_FIELDS = ("channel_id", "message_id", "guild_id", "user_id", "item_table", "item_id", "created_at", "expires_at")


def _dm(row: Row) -> QuotingDm:
    return QuotingDm(
        channel_id=int(row["channel_id"]),
        message_id=int(row["message_id"]),
        guild_id=int(row["guild_id"]),
        user_id=int(row["user_id"]),
        item_table=str(row["item_table"]),
        item_id=int(row["item_id"]),
        created_at=int(row["created_at"]),
        expires_at=int(row["expires_at"]),
    )


class QuotingDmRepository:
    """SQL for quoting_dms."""

    def __init__(self, db: Database) -> None:
        self.db = db

    async def add(self, rows: list[QuotingDm]) -> None:
        """Record a sent DM and every item it quotes."""
        if any(row.item_table not in QUOTABLE for row in rows):
            raise ValueError("a quoted item must come from a table listed in QUOTABLE")
        await self.db.executemany(
            "INSERT INTO quoting_dms (channel_id, message_id, guild_id, user_id, item_table, item_id,"
            " created_at, expires_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT DO NOTHING",
            [tuple(getattr(row, f) for f in _FIELDS) for row in rows],
        )

    async def for_user(self, user_id: int) -> list[QuotingDm]:
        """Every recorded DM of one member, oldest first."""
        rows = await self.db.fetchall(
            "SELECT * FROM quoting_dms WHERE user_id = $1 ORDER BY created_at, message_id", (user_id,)
        )
        return [_dm(r) for r in rows]

    async def for_guild(self, guild_id: int) -> list[QuotingDm]:
        """Every recorded DM quoting an item of one server."""
        rows = await self.db.fetchall("SELECT * FROM quoting_dms WHERE guild_id = $1", (guild_id,))
        return [_dm(r) for r in rows]

    async def due(self, now_ts: int) -> list[QuotingDm]:
        """DMs quoting an item that has expired or no longer exists (deleted, forgotten, past retention)."""
        found: list[QuotingDm] = []
        for table in QUOTABLE:
            rows = await self.db.fetchall(
                "SELECT * FROM quoting_dms q WHERE q.item_table = $1 AND (q.expires_at <= $2 OR NOT EXISTS "  # noqa: S608
                f'(SELECT 1 FROM "{table}" i WHERE i.id = q.item_id))',
                (table, now_ts),
            )
            found += [_dm(r) for r in rows]
        return found

    async def delete_messages(self, message_ids: list[int]) -> int:
        """Forget these messages (every item row of each); return rows deleted."""
        removed = 0
        for message_id in sorted(set(message_ids)):
            removed += await self.db.execute("DELETE FROM quoting_dms WHERE message_id = $1", (message_id,))
        return removed
