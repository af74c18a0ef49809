"""SQL for what a server adds beside the built-in content, and the built-ins it hides or rewords
(`server_items`: check-in prompts, co-reflection prompts, resources, support options), and for the
server's own /explain texts (`explain_overrides`, one pair of texts, not a list)."""

from __future__ import annotations

from dataclasses import dataclass

from bot.db.connection import Database, IntegrityErrors, Row
from bot.privacy import TableDeclaration, declare

declare(
    TableDeclaration(
        table="server_items",
        feature="server libraries",
        purpose="What a server's moderators and facilitators added beside the built-in content (check-in and "
        "co-reflection prompts, resources, support options), and the built-in ones they changed or hid.",
        personal=True,
        who_can_see="Moderators and facilitators of that server; members see the items in use (prompts, "
        "/resources, /support).",
        retention="Until the server removes them or the bot leaves the server. /privacy forget removes the link "
        "to the member who added a co-reflection prompt; the prompt stays with the server. Who added anything "
        "else is not recorded.",
        user_columns=("created_by",),
        expires_column="expires_at",
        on_forget="unlinked",
        columns={
            "id": "Row number inside the database.",
            "guild_id": "The server it belongs to.",
            "kind": "What it is: a check-in prompt, a co-reflection prompt, a resource or a support option.",
            "number": "The number of the server's own item, as shown in commands (empty for a built-in).",
            "builtin_id": "The built-in item this row changes or hides (empty for the server's own items).",
            "variant": "For check-in prompts: daily or weekly.",
            "name": "The name of a resource or support option.",
            "text": "A prompt's wording, or a resource's description, as the server wrote it.",
            "url": "A resource's or support option's link.",
            "topic": "A resource's topic.",
            "hidden": "Whether the item is hidden.",
            "created_by": "Who added a co-reflection prompt or changed a built-in one (cleared by /privacy "
            "forget); empty for every other kind.",
            "created_at": "When it was added.",
            "updated_at": "When it was last changed.",
            "expires_at": "Not used (items last until the server removes them); kept for the purge job.",
        },
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


# How many times an add reads the next number again after another add took it at the same moment.
_ADD_ATTEMPTS = 8


class DuplicateNameError(Exception):
    """An item with that name already exists in the server."""


@dataclass(frozen=True)
class ItemFields:
    """What an item says; each kind uses some of these (prompts: text, resources: name, url, text…)."""

    text: str | None = None
    name: str | None = None
    url: str | None = None
    topic: str | None = None
    variant: str | None = None


@dataclass(frozen=True)
class ServerItem:
    """One row: the server's own item (`number` set) or its change to a built-in (`builtin_id` set).

    `text` is a prompt's wording or a resource's description; `variant` the check-in prompt set.
    """

    guild_id: int
    kind: str
    number: int | None
    builtin_id: str | None
    text: str | None
    name: str | None
    url: str | None
    topic: str | None
    variant: str | None
    hidden: bool
    created_by: int | None
    created_at: int
    updated_at: int


_COLUMNS = (
    "guild_id, kind, number, builtin_id, text, name, url, topic, variant, hidden, created_by, created_at, updated_at"
)


def _item(row: Row) -> ServerItem:
    return ServerItem(
        guild_id=row["guild_id"],
        kind=row["kind"],
        number=row["number"],
        builtin_id=row["builtin_id"],
        text=row["text"],
        name=row["name"],
        url=row["url"],
        topic=row["topic"],
        variant=row["variant"],
        hidden=bool(row["hidden"]),
        created_by=row["created_by"],
        created_at=row["created_at"],
        updated_at=row["updated_at"],
    )


class ServerItemRepository:
    """All SQL touching server_items."""

    def __init__(self, db: Database) -> None:
        self.db = db

    async def rows(self, guild_id: int, kind: str) -> list[ServerItem]:
        """Every row of a server and kind: built-in changes first, then its own items by name and number."""
        rows = await self.db.fetchall(
            f"SELECT {_COLUMNS} FROM server_items WHERE guild_id = $1 AND kind = $2"  # noqa: S608 - constant
            # NULLS FIRST: PostgreSQL would put unnamed items last; SQLite's order is kept.
            " ORDER BY number IS NOT NULL, lower(name) NULLS FIRST, number, builtin_id",
            (guild_id, kind),
        )
        return [_item(r) for r in rows]

    async def own(self, guild_id: int, kind: str, number: int) -> ServerItem | None:
        """The server's own item by number (None for another server's, or another kind's)."""
        row = await self.db.fetchone(
            f"SELECT {_COLUMNS} FROM server_items WHERE guild_id = $1 AND kind = $2 AND number = $3",  # noqa: S608
            (guild_id, kind, number),
        )
        return None if row is None else _item(row)

    async def by_name(self, guild_id: int, kind: str, name: str) -> ServerItem | None:
        """The server's own item by its name, any case."""
        row = await self.db.fetchone(
            f"SELECT {_COLUMNS} FROM server_items WHERE guild_id = $1 AND kind = $2"  # noqa: S608
            " AND lower(name) = lower(CAST($3 AS TEXT)) AND number IS NOT NULL",
            (guild_id, kind, name),
        )
        return None if row is None else _item(row)

    async def count_own(self, guild_id: int, kind: str) -> int:
        """How many items of its own of a kind a server has."""
        value = await self.db.fetchval(
            "SELECT count(*) FROM server_items WHERE guild_id = $1 AND kind = $2 AND number IS NOT NULL",
            (guild_id, kind),
        )
        return int(value or 0)

    async def add(self, guild_id: int, kind: str, fields: ItemFields, created_by: int | None, now_ts: int) -> int:
        """Store a server's own item under the next number of its kind; return that number.

        DuplicateNameError if the name is taken (any case).
        """
        params = (guild_id, kind, fields.text, fields.name, fields.url, fields.topic, fields.variant, created_by)
        # Numbers count per kind across every server, so another process (or a statement beside this one
        # on PostgreSQL's pool) can read the same highest number at the same moment; the unique index
        # refuses the second, which then reads the highest number again. Only a clash of names is the
        # member's to fix.
        for _attempt in range(_ADD_ATTEMPTS):
            try:
                # A savepoint: a refused insert must not spoil a transaction the caller may be in.
                async with self.db.savepoint() as db:
                    # The casts give PostgreSQL the types of values that stand alone in a SELECT list.
                    number = await db.fetchval(
                        "INSERT INTO server_items (guild_id, kind, number, text, name, url, topic, variant,"
                        " created_by, created_at, updated_at) SELECT CAST($1 AS BIGINT), CAST($2 AS TEXT),"
                        " COALESCE(MAX(number), 0) + 1, CAST($3 AS TEXT), CAST($4 AS TEXT), CAST($5 AS TEXT),"
                        " CAST($6 AS TEXT), CAST($7 AS TEXT), CAST($8 AS BIGINT), CAST($9 AS BIGINT),"
                        " CAST($9 AS BIGINT) FROM server_items WHERE kind = $2 RETURNING number",
                        (*params, now_ts),
                    )
                return int(number)
            except IntegrityErrors:
                if fields.name is not None and await self._name_taken(guild_id, kind, fields.name):
                    raise DuplicateNameError(fields.name) from None
        raise RuntimeError(f"no free {kind} number after {_ADD_ATTEMPTS} tries")

    async def _name_taken(self, guild_id: int, kind: str, name: str) -> bool:
        """Whether a row of the server and kind has this name in any case (what the unique index compares)."""
        found = await self.db.fetchval(
            "SELECT 1 FROM server_items WHERE guild_id = $1 AND kind = $2 AND lower(name) = lower(CAST($3 AS TEXT))",
            (guild_id, kind, name),
        )
        return found is not None

    async def update(self, guild_id: int, kind: str, number: int, fields: ItemFields, now_ts: int) -> bool:
        """Replace an own item's fields; DuplicateNameError if the new name is taken."""
        try:
            changed = await self.db.execute(
                "UPDATE server_items SET text = $1, name = $2, url = $3, topic = $4, variant = $5, updated_at = $6"
                " WHERE guild_id = $7 AND kind = $8 AND number = $9",
                (fields.text, fields.name, fields.url, fields.topic, fields.variant, now_ts, guild_id, kind, number),
            )
        except IntegrityErrors:
            raise DuplicateNameError(fields.name) from None
        return changed > 0

    async def set_hidden(self, guild_id: int, kind: str, number: int, hidden: bool, now_ts: int) -> bool:
        """Hide or show an own item."""
        changed = await self.db.execute(
            "UPDATE server_items SET hidden = $1, updated_at = $2 WHERE guild_id = $3 AND kind = $4 AND number = $5",
            (int(hidden), now_ts, guild_id, kind, number),
        )
        return changed > 0

    async def delete(self, guild_id: int, kind: str, number: int) -> bool:
        """Remove an own item; False if it was not there."""
        changed = await self.db.execute(
            "DELETE FROM server_items WHERE guild_id = $1 AND kind = $2 AND number = $3", (guild_id, kind, number)
        )
        return changed > 0

    async def hide_builtin(self, guild_id: int, kind: str, builtin_id: str, now_ts: int) -> bool:
        """Hide a built-in item (keeping any wording the server gave it); False if it already was."""
        return (
            await self.db.execute(
                "INSERT INTO server_items (guild_id, kind, builtin_id, hidden, created_at, updated_at)"
                " VALUES ($1, $2, $3, 1, $4, $4) ON CONFLICT (guild_id, kind, builtin_id) WHERE builtin_id IS NOT NULL"
                # Qualified: PostgreSQL finds a bare `hidden` ambiguous beside excluded.hidden.
                " DO UPDATE SET hidden = 1, updated_at = excluded.updated_at WHERE server_items.hidden = 0",
                (guild_id, kind, builtin_id, now_ts),
            )
            > 0
        )

    async def show_builtin(self, guild_id: int, kind: str, builtin_id: str, now_ts: int) -> bool:
        """Show a hidden built-in again: the row goes unless it also holds the server's wording."""
        async with self.db.transaction():
            deleted = await self.db.execute(
                "DELETE FROM server_items WHERE guild_id = $1 AND kind = $2 AND builtin_id = $3 AND hidden = 1"
                " AND text IS NULL AND created_by IS NULL",
                (guild_id, kind, builtin_id),
            )
            shown = await self.db.execute(
                "UPDATE server_items SET hidden = 0, updated_at = $1 WHERE guild_id = $2 AND kind = $3"
                " AND builtin_id = $4 AND hidden = 1",
                (now_ts, guild_id, kind, builtin_id),
            )
        return deleted + shown > 0

    async def change_builtin(
        self, guild_id: int, kind: str, builtin_id: str, *, text: str | None, hidden: bool, by: int | None, now_ts: int
    ) -> None:
        """Record a server's wording and hidden flag for a built-in item, and who made the change."""
        await self.db.execute(
            "INSERT INTO server_items (guild_id, kind, builtin_id, text, hidden, created_by, created_at, updated_at)"
            " VALUES ($1, $2, $3, $4, $5, $6, $7, $7) ON CONFLICT (guild_id, kind, builtin_id)"
            " WHERE builtin_id IS NOT NULL"
            " DO UPDATE SET text = excluded.text, hidden = excluded.hidden, created_by = excluded.created_by,"
            " updated_at = excluded.updated_at",
            (guild_id, kind, builtin_id, text, int(hidden), by, now_ts),
        )

    async def by_creator(self, user_id: int, kind: str) -> list[ServerItem]:
        """Rows of a kind a member added or changed, in every server (privacy export)."""
        rows = await self.db.fetchall(
            f"SELECT {_COLUMNS} FROM server_items WHERE created_by = $1 AND kind = $2 ORDER BY id",  # noqa: S608
            (user_id, kind),
        )
        return [_item(r) for r in rows]

    async def clear_creator(self, user_id: int, kind: str) -> int:
        """Unlink a member from the rows of a kind they added (privacy forget); the rows stay."""
        return await self.db.execute(
            "UPDATE server_items SET created_by = NULL WHERE created_by = $1 AND kind = $2", (user_id, kind)
        )


class ExplainRepository:
    """All SQL touching explain_overrides: one pair of texts per server, not a list."""

    def __init__(self, db: Database) -> None:
        self.db = db

    async def explain(self, guild_id: int) -> tuple[str | None, str | None]:
        """The server's own short and one-page /explain texts (None where it uses the built-in one)."""
        row = await self.db.fetchone("SELECT short, long FROM explain_overrides WHERE guild_id = $1", (guild_id,))
        return (None, None) if row is None else (row["short"], row["long"])

    async def set_explain(self, guild_id: int, short: str | None, long: str | None, now_ts: int) -> None:
        """Store the server's texts; both None removes the override."""
        if short is None and long is None:
            await self.db.execute("DELETE FROM explain_overrides WHERE guild_id = $1", (guild_id,))
            return
        await self.db.execute(
            "INSERT INTO explain_overrides (guild_id, short, long, updated_at) VALUES ($1, $2, $3, $4)"
            " ON CONFLICT (guild_id) DO UPDATE SET short = excluded.short, long = excluded.long,"
            " updated_at = excluded.updated_at",
            (guild_id, short, long, now_ts),
        )
