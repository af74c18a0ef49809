"""SQL for kept disclosure notes (encrypted, expiring, one member per row)."""

from __future__ import annotations

from dataclasses import dataclass

from bot.db.connection import Database
from bot.privacy import TableDeclaration, declare

declare(
    TableDeclaration(
        table="disclosure_notes",
        feature="disclosure",
        purpose="Notes from the disclosure walk-through, only when you asked to keep them.",
        personal=True,
        who_can_see="Nobody but you. The text is encrypted.",
        retention="30 days, unless you delete them sooner.",
        user_columns=("user_id",),
        expires_column="expires_at",
        columns={
            "id": "Number of the note.",
            "guild_id": "The server you used /disclosure in.",
            "user_id": "Your Discord id.",
            "body": "Your notes, encrypted.",
            "created_at": "When you kept them.",
            "expires_at": "When they are deleted.",
        },
    )
)


@dataclass(frozen=True)
class StoredNote:
    """One kept note, still encrypted."""

    id: int
    guild_id: int
    body: bytes
    created_at: int
    expires_at: int


class DisclosureRepository:
    """SQL for disclosure_notes."""

    def __init__(self, db: Database) -> None:
        self.db = db

    async def add(self, guild_id: int, user_id: int, body: bytes, created: int, expires: int) -> int:
        """Store the member's encrypted notes."""
        return await self.db.insert(
            "INSERT INTO disclosure_notes (guild_id, user_id, body, created_at, expires_at)"
            " VALUES ($1, $2, $3, $4, $5) RETURNING id",
            (guild_id, user_id, body, created, expires),
        )

    async def list(self, user_id: int, guild_id: int | None = None) -> list[StoredNote]:
        """The member's notes (one server, or everywhere), newest first."""
        if guild_id is None:
            rows = await self.db.fetchall(
                "SELECT id, guild_id, body, created_at, expires_at FROM disclosure_notes"
                " WHERE user_id = $1 ORDER BY created_at DESC, id DESC",
                (user_id,),
            )
        else:
            rows = await self.db.fetchall(
                "SELECT id, guild_id, body, created_at, expires_at FROM disclosure_notes"
                " WHERE user_id = $1 AND guild_id = $2 ORDER BY created_at DESC, id DESC",
                (user_id, guild_id),
            )
        return [StoredNote(**dict(r)) for r in rows]

    async def delete(self, user_id: int, guild_id: int | None = None) -> int:
        """Delete the member's notes in a server, or everywhere."""
        if guild_id is None:
            return await self.db.execute("DELETE FROM disclosure_notes WHERE user_id = $1", (user_id,))
        return await self.db.execute(
            "DELETE FROM disclosure_notes WHERE user_id = $1 AND guild_id = $2", (user_id, guild_id)
        )
