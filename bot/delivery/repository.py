"""SQL for dm_notices: the one-time notices members are owed after a feature paused a DM to them."""

from __future__ import annotations

from dataclasses import dataclass

from bot.db.connection import Database
from bot.privacy import TableDeclaration, declare

declare(
    TableDeclaration(
        table="dm_notices",
        feature="notices",
        purpose="That I paused something of yours (check-ins, the weekly look-back, strategy reminders), so I "
        "can tell you why, once, the next time you use a command.",
        personal=True,
        who_can_see="Nobody but you.",
        retention="Until you are told (after your next command in that server), resume or stop what was "
        "paused, or use /privacy forget; a year at most.",
        user_columns=("user_id",),
        expires_column="expires_at",
        columns={
            "guild_id": "The server it happened in.",
            "user_id": "Your Discord id.",
            "kind": "What was paused.",
            "reason": "Why: I couldn't send you a direct message, or a reminder had no saved strategies left.",
            "created_at": "When it was paused.",
            "expires_at": "When this is deleted if you haven't been told by then.",
        },
    )
)


@dataclass(frozen=True)
class StoredNotice:
    """One notice a member is owed in a server."""

    guild_id: int
    user_id: int
    kind: str
    reason: str
    created_at: int
    expires_at: int


COLUMNS = "guild_id, user_id, kind, reason, created_at, expires_at"


class NoticeRepository:
    """SQL for dm_notices (one row per server, member and paused kind)."""

    def __init__(self, db: Database) -> None:
        self.db = db

    async def members(self) -> list[tuple[int, int]]:
        """(guild id, user id) of everyone owed at least one notice: the in-memory mirror's load."""
        rows = await self.db.fetchall("SELECT DISTINCT guild_id, user_id FROM dm_notices")
        return [(int(r["guild_id"]), int(r["user_id"])) for r in rows]

    async def put(self, notice: StoredNotice) -> None:
        """Record a notice, replacing an older one about the same paused kind (the newest reason wins)."""
        await self.db.execute(
            f"INSERT OR REPLACE INTO dm_notices ({COLUMNS}) VALUES (?, ?, ?, ?, ?, ?)",  # noqa: S608 - constant
            (notice.guild_id, notice.user_id, notice.kind, notice.reason, notice.created_at, notice.expires_at),
        )

    async def owed(self, guild_id: int, user_id: int) -> list[StoredNotice]:
        """The member's notices in one server, oldest first."""
        rows = await self.db.fetchall(
            f"SELECT {COLUMNS} FROM dm_notices WHERE guild_id = ? AND user_id = ?"  # noqa: S608 - constant
            " ORDER BY created_at, kind",
            (guild_id, user_id),
        )
        return [StoredNotice(**dict(r)) for r in rows]

    async def delete(self, guild_id: int, user_id: int, kind: str) -> bool:
        """Remove one notice; True only for the caller that actually removed it (so it is told once)."""
        removed = await self.db.execute(
            "DELETE FROM dm_notices WHERE guild_id = ? AND user_id = ? AND kind = ?", (guild_id, user_id, kind)
        )
        return removed > 0

    async def for_user(self, user_id: int, kind: str) -> list[StoredNotice]:
        """The member's notices of one kind in every server (for /privacy export)."""
        rows = await self.db.fetchall(
            f"SELECT {COLUMNS} FROM dm_notices WHERE user_id = ? AND kind = ? ORDER BY guild_id",  # noqa: S608
            (user_id, kind),
        )
        return [StoredNotice(**dict(r)) for r in rows]

    async def delete_for_user(self, user_id: int, kind: str) -> int:
        """Remove the member's notices of one kind everywhere (for /privacy forget)."""
        return await self.db.execute("DELETE FROM dm_notices WHERE user_id = ? AND kind = ?", (user_id, kind))
