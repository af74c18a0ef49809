"""SQL for the good-moments log (settings and encrypted moments)."""

from __future__ import annotations

from dataclasses import dataclass

from bot.db.connection import Database
from bot.privacy import TableDeclaration, declare

declare(
    TableDeclaration(
        table="moment_settings",
        feature="moments",
        purpose="That you turned on the good-moments log, how long moments are kept, and the weekly look-back.",
        personal=True,
        who_can_see="Nobody but you.",
        retention="Until you delete all your moments; deleted after a year without using the log.",
        user_columns=("user_id",),
        expires_column="expires_at",
        columns={
            "guild_id": "The server you keep the log in.",
            "user_id": "Your Discord id.",
            "keep_days": "How long each moment is kept.",
            "lookback_schedule_id": "The weekly look-back schedule, if you turned it on.",
            "dm_closed": "No longer used (always 0): a pause because DMs were closed is now noted in dm_notices.",
            "created_at": "When you turned the log on.",
            "expires_at": "When these settings are deleted unless used again.",
        },
    )
)
declare(
    TableDeclaration(
        table="moments",
        feature="moments",
        purpose="Good moments you wrote down to look back on.",
        personal=True,
        who_can_see="Nobody but you. The text is encrypted.",
        retention="30, 90 or 365 days, as you chose, and never longer than the server's retention period; "
        "you can delete any of them at once.",
        user_columns=("user_id",),
        expires_column="expires_at",
        retention_anchor="created_at",
        items="good moments",
        columns={
            "id": "Number of the moment.",
            "guild_id": "The server you wrote it in.",
            "user_id": "Your Discord id.",
            "body": "What you wrote, encrypted.",
            "created_at": "When you wrote it.",
            "expires_at": "When it is deleted.",
        },
    )
)


@dataclass(frozen=True)
class MomentSettings:
    """A member's good-moments log settings in one server."""

    guild_id: int
    user_id: int
    keep_days: int
    lookback_schedule_id: int | None
    created_at: int
    expires_at: int


@dataclass(frozen=True)
class StoredText:
    """One encrypted moment."""

    id: int
    guild_id: int
    body: bytes
    created_at: int
    expires_at: int


# The casts type the SELECT's bare parameters for PostgreSQL; SQLite has no BYTEA and keeps the bytes as given.
_ADD_MOMENT = {
    engine: "INSERT INTO moments (guild_id, user_id, body, created_at, expires_at)"  # noqa: S608 - constant
    f" SELECT CAST($1 AS BIGINT), CAST($2 AS BIGINT), {body}, CAST($4 AS BIGINT), CAST($5 AS BIGINT)"
    " WHERE EXISTS (SELECT 1 FROM moment_settings WHERE guild_id = $1 AND user_id = $2) RETURNING id"
    for engine, body in (("sqlite", "$3"), ("postgres", "CAST($3 AS BYTEA)"))
}


class MomentRepository:
    """SQL for moment_settings and moments (both owned by one member per row)."""

    def __init__(self, db: Database) -> None:
        self.db = db

    async def settings(self, guild_id: int, user_id: int) -> MomentSettings | None:
        """The member's log settings in a server, if they turned it on."""
        row = await self.db.fetchone(
            "SELECT guild_id, user_id, keep_days, lookback_schedule_id, created_at, expires_at"
            " FROM moment_settings WHERE guild_id = $1 AND user_id = $2",
            (guild_id, user_id),
        )
        return None if row is None else MomentSettings(**dict(row))

    async def settings_for_user(self, user_id: int) -> list[MomentSettings]:
        """The member's log settings everywhere."""
        rows = await self.db.fetchall("SELECT guild_id FROM moment_settings WHERE user_id = $1", (user_id,))
        found = [await self.settings(r["guild_id"], user_id) for r in rows]
        return [s for s in found if s is not None]

    async def turn_on(self, guild_id: int, user_id: int, keep_days: int, now: int, expires_at: int) -> MomentSettings:
        """Turn the member's log on, or (already on) set how long moments are kept and renew it; the settings.

        An existing row keeps its look-back and start: only the columns chosen here are written, so a
        look-back turned on at the same moment is not written back over with a copy read before it.
        """
        row = await self.db.fetchone(
            "INSERT INTO moment_settings (guild_id, user_id, keep_days, lookback_schedule_id, created_at, expires_at)"
            " VALUES ($1, $2, $3, NULL, $4, $5) ON CONFLICT (guild_id, user_id) DO UPDATE SET"
            " keep_days = excluded.keep_days, expires_at = excluded.expires_at"
            " RETURNING guild_id, user_id, keep_days, lookback_schedule_id, created_at, expires_at",
            (guild_id, user_id, keep_days, now, expires_at),
        )
        assert row is not None  # an upsert always returns its row
        return MomentSettings(**dict(row))

    async def set_keep(self, guild_id: int, user_id: int, keep_days: int) -> bool:
        """Set how long new moments are kept (only that column); False when the log is off."""
        changed = await self.db.execute(
            "UPDATE moment_settings SET keep_days = $1 WHERE guild_id = $2 AND user_id = $3",
            (keep_days, guild_id, user_id),
        )
        return changed > 0

    async def set_lookback(self, guild_id: int, user_id: int, schedule_id: int | None) -> bool:
        """Record the look-back's schedule, or None for off (only that column); False when the log is off."""
        changed = await self.db.execute(
            "UPDATE moment_settings SET lookback_schedule_id = $1 WHERE guild_id = $2 AND user_id = $3",
            (schedule_id, guild_id, user_id),
        )
        return changed > 0

    async def delete_settings(self, user_id: int, guild_id: int | None = None) -> int:
        """Remove the member's log settings in one server, or everywhere."""
        if guild_id is None:
            return await self.db.execute("DELETE FROM moment_settings WHERE user_id = $1", (user_id,))
        return await self.db.execute(
            "DELETE FROM moment_settings WHERE user_id = $1 AND guild_id = $2", (user_id, guild_id)
        )

    async def add(self, guild_id: int, user_id: int, body: bytes, created: int, expires: int) -> int | None:
        """Store an encrypted moment while the member's log is on; None when it was turned off meanwhile.

        The log is checked in the same statement, so a moment sent while "delete all" runs is either
        written before that deletes the moments, or not at all.
        """
        value = await self.db.fetchval(_ADD_MOMENT[self.db.dialect], (guild_id, user_id, body, created, expires))
        return None if value is None else int(value)

    async def renew(self, guild_id: int, user_id: int, expires: int) -> bool:
        """Push back when the member's log settings expire; False when the log is off (never turns it back on)."""
        return (
            await self.db.execute(
                "UPDATE moment_settings SET expires_at = $1 WHERE guild_id = $2 AND user_id = $3",
                (expires, guild_id, user_id),
            )
            > 0
        )

    async def list(self, user_id: int, guild_id: int | None = None) -> list[StoredText]:
        """The member's moments (one server, or everywhere), newest first."""
        if guild_id is None:
            rows = await self.db.fetchall(
                "SELECT id, guild_id, body, created_at, expires_at FROM moments"
                " WHERE user_id = $1 ORDER BY created_at DESC, id DESC",
                (user_id,),
            )
        else:
            rows = await self.db.fetchall(
                "SELECT id, guild_id, body, created_at, expires_at FROM moments"
                " WHERE user_id = $1 AND guild_id = $2 ORDER BY created_at DESC, id DESC",
                (user_id, guild_id),
            )
        return [StoredText(**dict(r)) for r in rows]

    async def delete(self, user_id: int, item_id: int | None = None, guild_id: int | None = None) -> int:
        """Delete one of the member's moments, all of them in a server, or all of them everywhere."""
        if item_id is not None:
            return await self.db.execute("DELETE FROM moments WHERE id = $1 AND user_id = $2", (item_id, user_id))
        if guild_id is not None:
            return await self.db.execute(
                "DELETE FROM moments WHERE user_id = $1 AND guild_id = $2", (user_id, guild_id)
            )
        return await self.db.execute("DELETE FROM moments WHERE user_id = $1", (user_id,))
