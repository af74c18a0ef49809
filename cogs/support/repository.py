"""SQL for members who volunteered to be reachable through /support (`support_volunteers`)."""

from __future__ import annotations

from bot.db.connection import Database
from bot.privacy import TableDeclaration, declare

VOLUNTEER_DAYS = 180

declare(
    TableDeclaration(
        table="support_volunteers",
        feature="support",
        purpose="Members who chose to be listed in /support, so others can reach out to them.",
        personal=True,
        who_can_see="Your mention is shown to members who use /support in that server; nothing else about you.",
        retention=f"{VOLUNTEER_DAYS} days after you joined, or until you leave with /support-volunteer; "
        "you are told when you join.",
        user_columns=("user_id",),
        expires_column="expires_at",
        columns={
            "guild_id": "The server you volunteered in.",
            "user_id": "Your Discord id, to show your mention.",
            "joined_at": "When you volunteered.",
            "expires_at": "When you will be taken off the list unless you volunteer again.",
        },
    )
)


class VolunteerRepository:
    """All SQL touching support_volunteers."""

    def __init__(self, db: Database) -> None:
        self.db = db

    async def join(self, guild_id: int, user_id: int, now_ts: int, expires_ts: int) -> bool:
        """List the member (renewing if already listed); True if they were not listed before.

        One transaction, so two presses at once list them once and only one is told it is new. A row
        whose listing ran out (not yet purged) counts as not listed.
        """
        async with self.db.transaction() as tx:
            was_until = await tx.fetchval(
                "SELECT expires_at FROM support_volunteers WHERE guild_id = $1 AND user_id = $2", (guild_id, user_id)
            )
            await tx.execute(
                "INSERT INTO support_volunteers (guild_id, user_id, joined_at, expires_at) VALUES ($1, $2, $3, $4)"
                " ON CONFLICT (guild_id, user_id) DO UPDATE SET joined_at = excluded.joined_at,"
                " expires_at = excluded.expires_at",
                (guild_id, user_id, now_ts, expires_ts),
            )
        return was_until is None or int(was_until) <= now_ts

    async def leave(self, guild_id: int, user_id: int) -> bool:
        """Take the member off the list; False if they were not on it."""
        return (
            await self.db.execute(
                "DELETE FROM support_volunteers WHERE guild_id = $1 AND user_id = $2", (guild_id, user_id)
            )
            > 0
        )

    async def listed(self, guild_id: int, now_ts: int, limit: int) -> list[int]:
        """Volunteers in a server whose listing has not expired, longest-standing first."""
        rows = await self.db.fetchall(
            "SELECT user_id FROM support_volunteers WHERE guild_id = $1 AND expires_at > $2"
            " ORDER BY joined_at, user_id LIMIT $3",
            (guild_id, now_ts, limit),
        )
        return [row["user_id"] for row in rows]

    async def for_user(self, user_id: int) -> list[dict[str, object]]:
        """Where the member volunteered, for /privacy export."""
        rows = await self.db.fetchall(
            "SELECT guild_id, joined_at, expires_at FROM support_volunteers WHERE user_id = $1", (user_id,)
        )
        return [
            {"guild_id": str(r["guild_id"]), "joined_at": r["joined_at"], "expires_at": r["expires_at"]} for r in rows
        ]

    async def delete_for_user(self, user_id: int) -> int:
        """Take the member off every list (privacy forget)."""
        return await self.db.execute("DELETE FROM support_volunteers WHERE user_id = $1", (user_id,))
