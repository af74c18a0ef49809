"""SQL for what a server's moderators add or change: resources, support options, hidden built-in
resources and the server's own /explain texts. None of it is about a person."""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass

from bot.db.connection import Database
from bot.privacy import TableDeclaration, declare

declare(
    TableDeclaration(
        table="server_entries",
        feature="resources and support",
        purpose="Resources and support options a server's moderators added.",
        personal=False,
        who_can_see="Members of that server.",
        retention="Until moderators remove them or the bot leaves the server. Who added them is not recorded.",
    )
)
declare(
    TableDeclaration(
        table="hidden_builtin_resources",
        feature="resources",
        purpose="Built-in resources a server's moderators chose not to show.",
        personal=False,
        who_can_see="Moderators of that server.",
        retention="Until shown again or the bot leaves the server.",
    )
)
declare(
    TableDeclaration(
        table="explain_overrides",
        feature="strategies",
        purpose="A server's own version of the /explain texts.",
        personal=False,
        who_can_see="Members of that server.",
        retention="Until moderators reset them or the bot leaves the server.",
    )
)


class DuplicateNameError(Exception):
    """An entry with that name already exists in the server."""


@dataclass(frozen=True)
class ServerEntry:
    """A resource or support option added by a server's moderators."""

    id: int
    guild_id: int
    kind: str
    name: str
    url: str | None
    description: str
    topic: str | None
    hidden: bool


_COLUMNS = "id, guild_id, kind, name, url, description, topic, hidden"


def _entry(row: sqlite3.Row) -> ServerEntry:
    return ServerEntry(
        row["id"],
        row["guild_id"],
        row["kind"],
        row["name"],
        row["url"],
        row["description"],
        row["topic"],
        bool(row["hidden"]),
    )


class ServerEntryRepository:
    """All SQL touching server_entries, hidden_builtin_resources and explain_overrides."""

    def __init__(self, db: Database) -> None:
        self.db = db

    async def add(
        self, guild_id: int, kind: str, name: str, url: str | None, description: str, topic: str | None, now_ts: int
    ) -> int:
        """Store a new entry; DuplicateNameError if the name is taken (any case)."""
        try:
            return await self.db.insert(
                "INSERT INTO server_entries (guild_id, kind, name, url, description, topic, hidden, created_at,"
                " updated_at) VALUES (?, ?, ?, ?, ?, ?, 0, ?, ?)",
                (guild_id, kind, name, url, description, topic, now_ts, now_ts),
            )
        except sqlite3.IntegrityError:
            raise DuplicateNameError(name) from None

    async def update(
        self, entry_id: int, name: str, url: str | None, description: str, topic: str | None, now_ts: int
    ) -> None:
        """Replace an entry's fields; DuplicateNameError if the new name is taken."""
        try:
            await self.db.execute(
                "UPDATE server_entries SET name = ?, url = ?, description = ?, topic = ?, updated_at = ? WHERE id = ?",
                (name, url, description, topic, now_ts, entry_id),
            )
        except sqlite3.IntegrityError:
            raise DuplicateNameError(name) from None

    async def set_hidden(self, entry_id: int, hidden: bool) -> None:
        """Hide or show an entry."""
        await self.db.execute("UPDATE server_entries SET hidden = ? WHERE id = ?", (int(hidden), entry_id))

    async def delete(self, entry_id: int) -> bool:
        """Remove an entry; False if it was not there."""
        return await self.db.execute("DELETE FROM server_entries WHERE id = ?", (entry_id,)) > 0

    async def by_name(self, guild_id: int, kind: str, name: str) -> ServerEntry | None:
        """An entry by its name, any case."""
        row = await self.db.fetchone(
            f"SELECT {_COLUMNS} FROM server_entries WHERE guild_id = ? AND kind = ? AND lower(name) = lower(?)",  # noqa: S608
            (guild_id, kind, name),
        )
        return None if row is None else _entry(row)

    async def entries(self, guild_id: int, kind: str) -> list[ServerEntry]:
        """A server's entries of one kind (hidden ones included), by name."""
        rows = await self.db.fetchall(
            f"SELECT {_COLUMNS} FROM server_entries WHERE guild_id = ? AND kind = ? ORDER BY lower(name)",  # noqa: S608
            (guild_id, kind),
        )
        return [_entry(row) for row in rows]

    async def count(self, guild_id: int, kind: str) -> int:
        """How many entries of a kind a server has."""
        value = await self.db.fetchval(
            "SELECT count(*) FROM server_entries WHERE guild_id = ? AND kind = ?", (guild_id, kind)
        )
        return int(value or 0)

    async def hidden_builtins(self, guild_id: int) -> set[str]:
        """Ids of built-in resources this server hides."""
        rows = await self.db.fetchall(
            "SELECT resource_id FROM hidden_builtin_resources WHERE guild_id = ?", (guild_id,)
        )
        return {row["resource_id"] for row in rows}

    async def set_builtin_hidden(self, guild_id: int, resource_id: str, hidden: bool) -> bool:
        """Hide or show a built-in resource; False if nothing changed."""
        if hidden:
            sql = "INSERT OR IGNORE INTO hidden_builtin_resources (guild_id, resource_id) VALUES (?, ?)"
        else:
            sql = "DELETE FROM hidden_builtin_resources WHERE guild_id = ? AND resource_id = ?"
        return await self.db.execute(sql, (guild_id, resource_id)) > 0

    async def explain(self, guild_id: int) -> tuple[str | None, str | None]:
        """The server's own short and one-page /explain texts (None where it uses the built-in one)."""
        row = await self.db.fetchone("SELECT short, long FROM explain_overrides WHERE guild_id = ?", (guild_id,))
        return (None, None) if row is None else (row["short"], row["long"])

    async def set_explain(self, guild_id: int, short: str | None, long: str | None, now_ts: int) -> None:
        """Store the server's texts; both None removes the override."""
        if short is None and long is None:
            await self.db.execute("DELETE FROM explain_overrides WHERE guild_id = ?", (guild_id,))
            return
        await self.db.execute(
            "INSERT INTO explain_overrides (guild_id, short, long, updated_at) VALUES (?, ?, ?, ?)"
            " ON CONFLICT (guild_id) DO UPDATE SET short = excluded.short, long = excluded.long,"
            " updated_at = excluded.updated_at",
            (guild_id, short, long, now_ts),
        )
