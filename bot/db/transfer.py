"""`peer-circle migrate-to-postgres`: copy an SQLite database into an empty PostgreSQL one, table by table.

Both are first brought to the same schema version by their own migrations. Every row is copied in one
PostgreSQL transaction, parents before children (foreign keys), identity counters are moved past the
copied keys, and each table's row count is compared before the transaction commits: a difference, or
any error, leaves PostgreSQL as it was. The SQLite file is only read.
"""

from __future__ import annotations

from dataclasses import dataclass
from graphlib import TopologicalSorter
from pathlib import Path

import asyncpg

from bot.db.connection import Database, UnusableDatabaseError, open_database
from bot.db.migrate import apply_migrations
from bot.db.postgres import PostgresDatabase
from bot.repositories.schema import column_names, foreign_keys, table_names

BATCH = 5000  # rows read from SQLite and sent with one COPY

_IDENTITY = (
    "SELECT table_name, column_name FROM information_schema.columns "
    "WHERE table_schema = current_schema() AND is_identity = 'YES'"
)


@dataclass(frozen=True)
class TableCount:
    """One table's rows on each side after the copy."""

    table: str
    sqlite: int
    postgres: int

    @property
    def same(self) -> bool:
        """Whether every row arrived."""
        return self.sqlite == self.postgres


class TransferError(Exception):
    """The copy was refused or failed; PostgreSQL is left as it was. The message says what to do."""


async def migrate_to_postgres(sqlite_path: Path, url: str) -> list[TableCount]:
    """Copy every table of the SQLite file into the PostgreSQL database at `url`; return the counts.

    Raises TransferError (nothing written) when PostgreSQL already holds data or a count differs.
    """
    if not sqlite_path.exists():  # noqa: ASYNC240 - one stat before anything starts
        raise TransferError(f"DATABASE_PATH: {sqlite_path} does not exist; nothing to copy.")
    source = await open_database(sqlite_path)
    try:
        target = await open_database(url)
    except UnusableDatabaseError:
        await source.close()
        raise
    try:
        assert isinstance(target, PostgresDatabase)
        await apply_migrations(source)
        await apply_migrations(target)
        return await _copy(source, target)
    finally:
        await target.close()
        await source.close()


async def _copy(source: Database, target: PostgresDatabase) -> list[TableCount]:
    tables = await _in_dependency_order(source)
    missing = sorted(set(tables) - set(await table_names(target)))
    if missing:
        raise TransferError(f"PostgreSQL lacks tables {', '.join(missing)}; are both at the same release?")
    counts: list[TableCount] = []
    async with target.transaction():
        for table in tables:
            if await target.fetchval(f'SELECT count(*) FROM "{table}"') > 0:  # noqa: S608 - name from the schema
                raise TransferError(f"PostgreSQL already holds rows in {table}; copy only into a new, empty database.")
        for table in tables:
            columns = await column_names(source, table)
            try:
                copied = await _copy_table(source, target, table, columns)
            except (asyncpg.PostgresError, asyncpg.InterfaceError, ValueError, TypeError) as error:
                raise TransferError(f"copying {table} failed ({type(error).__name__}); nothing was written.") from error
            counts.append(TableCount(table, copied, await target.fetchval(f'SELECT count(*) FROM "{table}"')))  # noqa: S608
        await _move_identity_counters(target)
        wrong = [c for c in counts if not c.same]
        if wrong:
            raise TransferError(
                "row counts differ for "
                + ", ".join(f"{c.table} ({c.sqlite} vs {c.postgres})" for c in wrong)
                + "; nothing was written."
            )
    return counts


async def _in_dependency_order(db: Database) -> list[str]:
    """Every table, each after the tables its foreign keys point to."""
    graph: dict[str, set[str]] = {}
    for table in await table_names(db):
        graph[table] = {parent for _, parent, _ in await foreign_keys(db, table) if parent != table}
    return list(TopologicalSorter(graph).static_order())


async def _copy_table(source: Database, target: PostgresDatabase, table: str, columns: list[str]) -> int:
    """Copy one table with COPY, in batches; return how many rows SQLite had.

    The table is read whole (a community's database is at most a few hundred MB): some tables have no
    rowid to page by, and the file is not written to while it is read.
    """
    listed = ", ".join(f'"{c}"' for c in columns)
    rows = await source.fetchall(f'SELECT {listed} FROM "{table}"')  # noqa: S608 - names from the schema
    for start in range(0, len(rows), BATCH):
        records = [tuple(r) for r in rows[start : start + BATCH]]
        await target.copy_rows(table, columns, records)
    return len(rows)


async def _move_identity_counters(target: PostgresDatabase) -> None:
    for row in await target.fetchall(_IDENTITY):
        table, column = row["table_name"], row["column_name"]
        await target.fetchval(
            f'SELECT setval(pg_get_serial_sequence($1, $2), coalesce(max("{column}"), 0) + 1, false) '  # noqa: S608
            f'FROM "{table}"',
            (table, column),
        )
