"""Schema introspection and registry-driven maintenance: table lists, the purge and the scan.

Table and column names used here come from sqlite_master or from the privacy registry (code, never
input), which is why they may be placed in SQL text; every value is still a bound parameter.
"""

from __future__ import annotations

from bot.db.connection import Database


def _quote(identifier: str) -> str:
    return '"' + identifier.replace('"', '""') + '"'


_TABLES = {
    "sqlite": "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name",
    # schema_version is the migration runner's own bookkeeping (SQLite keeps it in PRAGMA user_version).
    "postgres": "SELECT table_name AS name FROM information_schema.tables WHERE table_schema = current_schema() "
    "AND table_type = 'BASE TABLE' AND table_name <> 'schema_version' ORDER BY table_name",
}
_COLUMNS = (
    "SELECT column_name AS name FROM information_schema.columns WHERE table_schema = current_schema() "
    "AND table_name = $1 ORDER BY ordinal_position"
)
_FOREIGN_KEYS = (
    "SELECT a.attname AS from_column, r.relname AS to_table, "
    "CASE c.confdeltype WHEN 'c' THEN 'CASCADE' WHEN 'n' THEN 'SET NULL' WHEN 'd' THEN 'SET DEFAULT' "
    "WHEN 'r' THEN 'RESTRICT' ELSE 'NO ACTION' END AS on_delete "
    "FROM pg_constraint c JOIN pg_class t ON t.oid = c.conrelid JOIN pg_class r ON r.oid = c.confrelid "
    "JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = ANY (c.conkey) "
    "WHERE c.contype = 'f' AND t.relname = $1 AND t.relnamespace = to_regnamespace(current_schema()) "
    "ORDER BY c.conname, a.attnum"
)


async def table_names(db: Database) -> list[str]:
    """Every table the migrations created (the engine's own tables excluded)."""
    rows = await db.fetchall(_TABLES[db.dialect])
    return [row["name"] for row in rows]


async def column_names(db: Database, table: str) -> list[str]:
    """The columns of one table."""
    if db.dialect == "postgres":
        return [row["name"] for row in await db.fetchall(_COLUMNS, (table,))]
    rows = await db.fetchall(f"PRAGMA table_info({_quote(table)})")
    return [row["name"] for row in rows]


async def foreign_keys(db: Database, table: str) -> list[tuple[str, str, str]]:
    """(column, referenced table, on-delete action) for each foreign key of a table."""
    if db.dialect == "postgres":
        rows = await db.fetchall(_FOREIGN_KEYS, (table,))
        return [(row["from_column"], row["to_table"], row["on_delete"]) for row in rows]
    rows = await db.fetchall(f"PRAGMA foreign_key_list({_quote(table)})")
    return [(row["from"], row["table"], row["on_delete"]) for row in rows]


async def purge_expired(db: Database, table: str, expires_column: str, now_ts: int) -> int:
    """Delete the rows of one table whose expiry has passed."""
    return await db.execute(
        f"DELETE FROM {_quote(table)} WHERE {_quote(expires_column)} <= $1",  # noqa: S608 - names from registry
        (now_ts,),
    )


async def purge_past_retention(
    db: Database, table: str, anchor: str, now_ts: int, default_days: int, guild_id: int | None = None
) -> int:
    """Delete the rows older than their server's retention period (counted from `anchor`).

    One statement per server, each with that server's own cutoff, so SQLite reads only the rows past
    it through the table's (guild_id, anchor) index; one statement with the period looked up per row
    would read every row of the table on every maintenance pass. `guild_id` limits it to one server
    (a moderator just lowered that server's period).
    """
    rows = await db.fetchall(
        "SELECT guilds.guild_id, CAST(s.value AS BIGINT) AS days FROM guilds LEFT JOIN guild_settings s "
        "ON s.guild_id = guilds.guild_id AND s.key = 'retention_days'"
    )
    t, a = _quote(table), _quote(anchor)
    removed = 0
    for row in rows:
        if guild_id is not None and row["guild_id"] != guild_id:
            continue
        cutoff = now_ts - 86400 * (row["days"] if row["days"] is not None else default_days)
        removed += await db.execute(
            f"DELETE FROM {t} WHERE guild_id = $1 AND {a} <= $2",  # noqa: S608 - names from the registry
            (row["guild_id"], cutoff),
        )
    return removed


async def rows_mentioning(db: Database, table: str, value: int | str) -> int:
    """How many rows of a table hold `value` in any column, exactly or inside text.

    Used by the tests that check /privacy forget left nothing behind, without trusting the features.
    """
    columns = await column_names(db, table)
    if not columns:
        return 0
    # Every column compared as text, so one statement fits every column type on both engines.
    find = "strpos" if db.dialect == "postgres" else "instr"
    clauses = " OR ".join(f"{find}(CAST({_quote(c)} AS TEXT), $1) > 0" for c in columns)
    count = await db.fetchval(f"SELECT count(*) FROM {_quote(table)} WHERE {clauses}", (str(value),))  # noqa: S608
    return int(count or 0)
