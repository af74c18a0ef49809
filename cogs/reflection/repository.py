"""SQL for `reflection_prompts`: a server's own co-reflection prompts and its changes to built-in ones.

Reflection schedules themselves are rows of the shared `schedules` table (kind "reflection").
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.db.connection import Database, Row
from bot.privacy import TableDeclaration, declare

declare(
    TableDeclaration(
        table="reflection_prompts",
        feature="reflection",
        purpose="Co-reflection prompts a server added, and the built-in prompts it changed or hid.",
        personal=True,
        who_can_see="The server's facilitators and moderators; prompts are posted to channels members can read.",
        retention="Until the server deletes them or the bot leaves the server. /privacy forget removes the link "
        "to the member who added a prompt; the prompt stays with the server.",
        user_columns=("created_by",),
        expires_column="expires_at",
        columns={
            "id": "Number of the prompt.",
            "guild_id": "The server it belongs to.",
            "builtin_id": "The built-in prompt this row changes or hides (empty for the server's own prompts).",
            "text": "The prompt's wording, as facilitators wrote it (empty when a built-in is only hidden).",
            "hidden": "Whether the prompt is hidden from the library.",
            "created_by": "Who added the prompt or changed the built-in one (cleared by /privacy forget).",
            "created_at": "When it was added.",
            "updated_at": "When it was last changed.",
            "expires_at": "Not used for server prompts (they last until deleted); kept for the purge job.",
        },
    )
)


@dataclass(frozen=True)
class PromptRow:
    """One stored prompt or change to a built-in prompt."""

    id: int
    guild_id: int
    builtin_id: str | None
    text: str | None
    hidden: bool
    created_by: int | None
    created_at: int
    updated_at: int


def _to_row(r: Row) -> PromptRow:
    return PromptRow(
        id=r["id"],
        guild_id=r["guild_id"],
        builtin_id=r["builtin_id"],
        text=r["text"],
        hidden=bool(r["hidden"]),
        created_by=r["created_by"],
        created_at=r["created_at"],
        updated_at=r["updated_at"],
    )


_COLUMNS = "id, guild_id, builtin_id, text, hidden, created_by, created_at, updated_at"


class ReflectionPromptRepository:
    """All SQL touching `reflection_prompts`."""

    def __init__(self, db: Database) -> None:
        self.db = db

    async def for_guild(self, guild_id: int) -> list[PromptRow]:
        """Every stored row of a server, oldest first."""
        rows = await self.db.fetchall(
            f"SELECT {_COLUMNS} FROM reflection_prompts WHERE guild_id = ? ORDER BY id",  # noqa: S608 - constant
            (guild_id,),
        )
        return [_to_row(r) for r in rows]

    async def get(self, guild_id: int, prompt_id: int) -> PromptRow | None:
        """A server's own prompt by number (None for another server's or a built-in change)."""
        r = await self.db.fetchone(
            f"SELECT {_COLUMNS} FROM reflection_prompts WHERE guild_id = ? AND id = ? AND builtin_id IS NULL",  # noqa: S608
            (guild_id, prompt_id),
        )
        return None if r is None else _to_row(r)

    async def builtin_change(self, guild_id: int, builtin_id: str) -> PromptRow | None:
        """The server's change to a built-in prompt, if any."""
        r = await self.db.fetchone(
            f"SELECT {_COLUMNS} FROM reflection_prompts WHERE guild_id = ? AND builtin_id = ?",  # noqa: S608
            (guild_id, builtin_id),
        )
        return None if r is None else _to_row(r)

    async def count_own(self, guild_id: int) -> int:
        """How many prompts of its own a server has (for the per-server limit)."""
        value = await self.db.fetchval(
            "SELECT COUNT(*) FROM reflection_prompts WHERE guild_id = ? AND builtin_id IS NULL", (guild_id,)
        )
        return int(value or 0)

    async def add(self, guild_id: int, text: str, created_by: int | None, now_ts: int) -> int:
        """Store a server's own prompt; return its number."""
        return await self.db.insert(
            "INSERT INTO reflection_prompts (guild_id, text, created_by, created_at, updated_at)"
            " VALUES (?, ?, ?, ?, ?)",
            (guild_id, text, created_by, now_ts, now_ts),
        )

    async def set_text(self, prompt_id: int, text: str, now_ts: int) -> None:
        """Change a server prompt's wording."""
        await self.db.execute(
            "UPDATE reflection_prompts SET text = ?, updated_at = ? WHERE id = ?", (text, now_ts, prompt_id)
        )

    async def set_hidden(self, prompt_id: int, hidden: bool, now_ts: int) -> None:
        """Hide a server prompt from the library, or show it again."""
        await self.db.execute(
            "UPDATE reflection_prompts SET hidden = ?, updated_at = ? WHERE id = ?", (int(hidden), now_ts, prompt_id)
        )

    async def change_builtin(
        self, guild_id: int, builtin_id: str, *, text: str | None, hidden: bool, by: int | None, now_ts: int
    ) -> None:
        """Record a server's wording and/or hidden flag for a built-in prompt (one row per built-in)."""
        await self.db.execute(
            "INSERT INTO reflection_prompts (guild_id, builtin_id, text, hidden, created_by, created_at, updated_at)"
            " VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (guild_id, builtin_id) DO UPDATE SET text = excluded.text,"
            " hidden = excluded.hidden, created_by = excluded.created_by, updated_at = excluded.updated_at",
            (guild_id, builtin_id, text, int(hidden), by, now_ts, now_ts),
        )

    async def by_creator(self, user_id: int) -> list[PromptRow]:
        """Prompts a member added or changed, in every server (privacy export)."""
        rows = await self.db.fetchall(
            f"SELECT {_COLUMNS} FROM reflection_prompts WHERE created_by = ? ORDER BY id",  # noqa: S608 - constant
            (user_id,),
        )
        return [_to_row(r) for r in rows]

    async def clear_creator(self, user_id: int) -> int:
        """Unlink a member from the prompts they added (privacy forget); the prompts stay with the server."""
        return await self.db.execute("UPDATE reflection_prompts SET created_by = NULL WHERE created_by = ?", (user_id,))
