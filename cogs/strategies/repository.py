"""SQL for a member's saved strategies (`strategy_favourites`)."""

from __future__ import annotations

from bot.db.connection import Database
from bot.privacy import TableDeclaration, declare

declare(
    TableDeclaration(
        table="strategy_favourites",
        feature="strategies",
        purpose="Strategies you saved with /strategy save, so /strategy saved and your reminders can show them.",
        personal=True,
        who_can_see="Nobody but you.",
        retention="The server's retention period after you last saved a strategy; /strategy unsave or "
        "/privacy forget removes them at once.",
        user_columns=("user_id",),
        expires_column="expires_at",
        retention_anchor="used_at",
        items="saved strategies",
        columns={
            "guild_id": "The server you saved it in.",
            "user_id": "Your Discord id.",
            "strategy_id": "Which strategy (an id from the shared content, never anything you wrote).",
            "saved_at": "When you saved it.",
            "used_at": "When you last saved any strategy here (the retention period counts from it).",
            "expires_at": "When it will be deleted unless you save again.",
        },
    )
)


class FavouritesRepository:
    """All SQL touching strategy_favourites."""

    def __init__(self, db: Database) -> None:
        self.db = db

    async def add(self, guild_id: int, user_id: int, strategy_id: str, now_ts: int, expires_ts: int) -> bool:
        """Save a strategy (renewing every favourite's expiry); False if it was already saved."""
        async with self.db.transaction() as tx:
            changed = await tx.execute(
                "INSERT INTO strategy_favourites (guild_id, user_id, strategy_id, saved_at, used_at, expires_at)"
                " VALUES ($1, $2, $3, $4, $4, $5) ON CONFLICT DO NOTHING",
                (guild_id, user_id, strategy_id, now_ts, expires_ts),
            )
            # Saving is using: the member's whole list is kept for another retention period.
            await tx.execute(
                "UPDATE strategy_favourites SET used_at = $1, expires_at = $2 WHERE guild_id = $3 AND user_id = $4",
                (now_ts, expires_ts, guild_id, user_id),
            )
        return changed > 0

    async def ids(self, guild_id: int, user_id: int) -> list[str]:
        """The member's saved strategy ids in a server, oldest first."""
        rows = await self.db.fetchall(
            "SELECT strategy_id FROM strategy_favourites WHERE guild_id = $1 AND user_id = $2"
            " ORDER BY saved_at, strategy_id",
            (guild_id, user_id),
        )
        return [row["strategy_id"] for row in rows]

    async def count(self, guild_id: int, user_id: int) -> int:
        """How many strategies the member saved in a server."""
        value = await self.db.fetchval(
            "SELECT count(*) FROM strategy_favourites WHERE guild_id = $1 AND user_id = $2", (guild_id, user_id)
        )
        return int(value or 0)

    async def remove(self, guild_id: int, user_id: int, strategy_ids: list[str]) -> int:
        """Unsave some strategies; return how many went."""
        removed = 0
        async with self.db.transaction() as tx:
            for strategy_id in strategy_ids:
                removed += await tx.execute(
                    "DELETE FROM strategy_favourites WHERE guild_id = $1 AND user_id = $2 AND strategy_id = $3",
                    (guild_id, user_id, strategy_id),
                )
        return removed

    async def for_user(self, user_id: int) -> list[dict[str, object]]:
        """Every favourite of the member in every server, for /privacy export."""
        rows = await self.db.fetchall(
            "SELECT guild_id, strategy_id, saved_at, expires_at FROM strategy_favourites WHERE user_id = $1"
            " ORDER BY guild_id, saved_at",
            (user_id,),
        )
        return [
            {
                "guild_id": str(r["guild_id"]),
                "strategy_id": r["strategy_id"],
                "saved_at": r["saved_at"],
                "expires_at": r["expires_at"],
            }
            for r in rows
        ]

    async def delete_for_user(self, user_id: int) -> int:
        """Erase every favourite of the member (privacy forget)."""
        return await self.db.execute("DELETE FROM strategy_favourites WHERE user_id = $1", (user_id,))
