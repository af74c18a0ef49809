"""A member's own time zone and quiet hours, shared by every feature that sends them a DM."""

from __future__ import annotations

from dataclasses import dataclass

from bot.db.connection import Database
from bot.privacy import TableDeclaration, declare

declare(
    TableDeclaration(
        table="member_preferences",
        feature="preferences",
        purpose="Your time zone and quiet hours, so direct messages arrive at times you chose.",
        personal=True,
        who_can_see="Nobody but you.",
        retention="365 days after you last set or used them; /preferences clear removes them at once.",
        user_columns=("user_id",),
        expires_column="expires_at",
        columns={
            "guild_id": "The server you set them in.",
            "user_id": "Your Discord id.",
            "timezone": "The time zone you chose.",
            "quiet_start": "Start of your quiet hours (minutes after midnight).",
            "quiet_end": "End of your quiet hours (minutes after midnight).",
            "updated_at": "When you last changed them.",
            "expires_at": "When they will be deleted unless used again.",
        },
    )
)


@dataclass(frozen=True)
class Preferences:
    """A member's stored preferences in one server."""

    guild_id: int
    user_id: int
    timezone: str | None
    quiet_start: int | None
    quiet_end: int | None
    updated_at: int
    expires_at: int


class PreferencesRepository:
    """SQL for member_preferences."""

    def __init__(self, db: Database) -> None:
        self.db = db

    async def get(self, guild_id: int, user_id: int) -> Preferences | None:
        """The member's preferences in a server, if they set any."""
        row = await self.db.fetchone(
            "SELECT * FROM member_preferences WHERE guild_id = $1 AND user_id = $2", (guild_id, user_id)
        )
        return None if row is None else Preferences(**dict(row))

    async def set_timezone(self, guild_id: int, user_id: int, timezone: str, updated_at: int, expires_at: int) -> None:
        """Store the member's time zone, keeping their quiet hours (one statement, so a change of quiet hours
        made at the same moment is never written back over)."""
        await self.db.execute(
            "INSERT INTO member_preferences (guild_id, user_id, timezone, updated_at, expires_at)"
            " VALUES ($1, $2, $3, $4, $5) ON CONFLICT (guild_id, user_id) DO UPDATE"
            " SET timezone = excluded.timezone, updated_at = excluded.updated_at, expires_at = excluded.expires_at",
            (guild_id, user_id, timezone, updated_at, expires_at),
        )

    async def set_quiet_hours(
        self, guild_id: int, user_id: int, start: int | None, end: int | None, updated_at: int, expires_at: int
    ) -> None:
        """Store (or clear, with None) the member's quiet hours, keeping their time zone (one statement, as above)."""
        await self.db.execute(
            "INSERT INTO member_preferences (guild_id, user_id, quiet_start, quiet_end, updated_at, expires_at)"
            " VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (guild_id, user_id) DO UPDATE"
            " SET quiet_start = excluded.quiet_start, quiet_end = excluded.quiet_end,"
            " updated_at = excluded.updated_at, expires_at = excluded.expires_at",
            (guild_id, user_id, start, end, updated_at, expires_at),
        )

    async def for_user(self, user_id: int) -> list[Preferences]:
        """The member's preferences in every server."""
        rows = await self.db.fetchall("SELECT * FROM member_preferences WHERE user_id = $1", (user_id,))
        return [Preferences(**dict(row)) for row in rows]

    async def delete_for_user(self, user_id: int, guild_id: int | None = None) -> int:
        """Erase the member's preferences (in one server, or everywhere)."""
        if guild_id is None:
            return await self.db.execute("DELETE FROM member_preferences WHERE user_id = $1", (user_id,))
        return await self.db.execute(
            "DELETE FROM member_preferences WHERE user_id = $1 AND guild_id = $2", (user_id, guild_id)
        )
