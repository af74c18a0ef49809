"""The database behind a small interface the repositories use: SQLite here, PostgreSQL in bot.db.postgres.

SQLite wants a single writer, and a single aiosqlite connection gives us that for free. The lock
makes sure two coroutines never interleave statements inside one another's transaction, because a
transaction belongs to the connection, not to the coroutine that began it.
"""

from __future__ import annotations

import asyncio
import contextvars
import logging
import sqlite3
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable, Sequence
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from pathlib import Path
from typing import Any
from urllib.parse import quote

import aiosqlite
import asyncpg

Params = Sequence[Any] | dict[str, Any]
# A unique key or other constraint refused a write, on either engine (catch this, not an engine's own class).
IntegrityErrors: tuple[type[Exception], ...] = (sqlite3.IntegrityError, asyncpg.IntegrityConstraintViolationError)
# sqlite3.Row or asyncpg.Record: both read by column name or position.
Row = Any

# Set while the current task is inside transaction(); statements then run without re-taking the lock.
_IN_TRANSACTION: contextvars.ContextVar[Database | None] = contextvars.ContextVar("in_tx", default=None)
# What the current transaction runs once it has committed (see Database.after_commit).
_AFTER_COMMIT: contextvars.ContextVar[list[Callable[[], Awaitable[None]]] | None] = contextvars.ContextVar(
    "after_commit", default=None
)

BUSY_TIMEOUT_MS = 5000
# After a checkpoint the WAL file is cut back to at most this many bytes, so old pages (which may
# hold erased data) do not linger in a large, reused journal that operators back up.
JOURNAL_SIZE_LIMIT = 1024 * 1024

# aiosqlite logs every statement with its parameters at DEBUG, which would put what members wrote
# (and who they are) into logs. Keep it quiet whatever level the rest of the bot logs at.
logging.getLogger("aiosqlite").setLevel(logging.INFO)


def _bind(sql: str, params: Params) -> Params:
    """SQLite's parameters for a statement written with PostgreSQL's `$1, $2…` placeholders.

    SQLite reads `$1` as a parameter named "1", so the values are handed over by those names; the
    statement's text is never changed. (Statements still written with `?` keep positional values.)
    """
    if isinstance(params, dict) or "$1" not in sql:
        return params
    return {str(i): value for i, value in enumerate(params, start=1)}


def is_postgres_url(target: str) -> bool:
    """Whether a DATABASE_URL (or what open_database is given) names a PostgreSQL database."""
    return target.startswith(("postgresql://", "postgres://"))


class UnusableDatabaseError(Exception):
    """The database file cannot be used; the message is one plain line naming the file and what to do."""


def placeholders(count: int, start: int = 1) -> str:
    """`$start, $start+1, …` for `count` values: an `IN (...)` list or a row of VALUES built in code."""
    return ", ".join(f"${n}" for n in range(start, start + count))


class Database:
    """What repositories use: statements, transactions, after-commit actions. SQLite or PostgreSQL below it.

    Statements are written once with `$1, $2…` placeholders and run unchanged on both engines; where the
    engines need different text, a repository keeps both and picks by `dialect`.
    """

    # Which SQL a repository picks where the two engines need different text ("sqlite" or "postgres").
    dialect = "sqlite"
    # Where the data lives, for messages (a file path, or a PostgreSQL address without its password).
    path: str

    async def execute(self, sql: str, params: Params = ()) -> int:
        """Run one statement; return the number of rows it changed."""
        raise NotImplementedError

    async def insert(self, sql: str, params: Params = ()) -> int:
        """Run an INSERT ending in `RETURNING <key>` and return the new row's key."""
        value = await self.fetchval(sql, params)
        if value is None:
            raise RuntimeError("insert returned no key")
        return int(value)

    async def executemany(self, sql: str, rows: Iterable[Params]) -> None:
        """Run one statement for many parameter sets."""
        raise NotImplementedError

    async def fetchall(self, sql: str, params: Params = ()) -> list[Row]:
        """Return every row of a query."""
        raise NotImplementedError

    async def fetchone(self, sql: str, params: Params = ()) -> Row | None:
        """Return the first row of a query, or None (use for queries that return one row)."""
        rows = await self.fetchall(sql, params)
        return rows[0] if rows else None

    async def fetchval(self, sql: str, params: Params = ()) -> Any:
        """Return the first column of the first row, or None."""
        row = await self.fetchone(sql, params)
        return None if row is None else row[0]

    def transaction(self) -> AbstractAsyncContextManager[Database]:
        """Run the body as one transaction: all of it is written, or none of it."""
        raise NotImplementedError

    def savepoint(self) -> AbstractAsyncContextManager[Database]:
        """Inside a transaction, a part undone alone if it fails; outside one, a transaction of its own."""
        raise NotImplementedError

    def exclusive(self, name: str) -> AbstractAsyncContextManager[bool]:
        """Yield whether this process is the one running `name` now (maintenance, migrations).

        One process per SQLite file, so always True there; PostgreSQL takes an advisory lock.
        """
        return _always_first()

    async def after_commit(self, action: Callable[[], Awaitable[None]]) -> None:
        """Run `action` once the current transaction commits (never if it rolls back); at once outside one.

        For what must not happen while the database is locked or before the change is durable, such as
        telling other members by direct message.
        """
        pending = _AFTER_COMMIT.get()
        if _IN_TRANSACTION.get() is self and pending is not None:
            pending.append(action)
        else:
            await action()

    async def notify(self, channel: str, payload: str) -> None:
        """Tell the other processes sharing this database that something changed (PostgreSQL: NOTIFY).

        One process per SQLite file, so nobody else to tell: each process's caches are already its own.
        """

    async def listen(
        self, channel: str, callback: Callable[[str], None], on_lost: Callable[[], None] | None = None
    ) -> Callable[[], Awaitable[None]]:
        """Call `callback(payload)` for each notice from another process; returns how to stop listening.

        `on_lost` runs if the listening connection drops (notices may have been missed meanwhile).
        """

        async def stop() -> None:
            return None

        return stop

    async def checkpoint(self, tables: Iterable[str] = (), *, rewrite: bool = True) -> None:
        """Make erased rows leave the files on disk now (after forget, purges, a server's removal).

        `tables` names what was erased and `rewrite` says whether those tables must be written afresh
        (PostgreSQL: VACUUM FULL after an erasure someone asked for, a plain VACUUM for routine expiry);
        SQLite overwrites deleted content as it goes (`secure_delete`) and only folds in its WAL.
        """
        raise NotImplementedError

    async def close(self) -> None:
        """Close the connection(s); safe to call twice."""
        raise NotImplementedError


@asynccontextmanager
async def _always_first() -> AsyncIterator[bool]:
    yield True


class SqliteDatabase(Database):
    """A thin wrapper over one aiosqlite connection in autocommit mode with explicit transactions."""

    def __init__(self, conn: aiosqlite.Connection, path: str) -> None:
        self._conn = conn
        self._lock = asyncio.Lock()
        self.path = path

    @asynccontextmanager
    async def _turn(self) -> AsyncIterator[None]:
        if _IN_TRANSACTION.get() is self:
            yield
            return
        async with self._lock:
            yield

    # Each call below is one round trip to aiosqlite's worker thread; closing a cursor would be
    # another, so cursors of finished statements are left to the garbage collector.
    async def execute(self, sql: str, params: Params = ()) -> int:
        """Run one statement; return the number of rows it changed."""
        async with self._turn():
            cursor = await self._conn.execute(sql, _bind(sql, params))
            return cursor.rowcount

    async def executemany(self, sql: str, rows: Iterable[Params]) -> None:
        """Run one statement for many parameter sets."""
        async with self._turn():
            await self._conn.executemany(sql, (_bind(sql, r) for r in rows))

    async def fetchall(self, sql: str, params: Params = ()) -> list[Row]:
        """Return every row of a query."""
        async with self._turn():
            return list(await self._conn.execute_fetchall(sql, _bind(sql, params)))

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[Database]:
        """Run the body as one transaction: all of it is written, or none of it."""
        if _IN_TRANSACTION.get() is self:
            # Nested use joins the outer transaction; the outer one decides commit or rollback.
            yield self
            return
        pending: list[Callable[[], Awaitable[None]]] = []
        async with self._lock:
            token = _IN_TRANSACTION.set(self)
            actions = _AFTER_COMMIT.set(pending)
            try:
                await self._conn.execute("BEGIN IMMEDIATE")
                try:
                    yield self
                except BaseException:
                    await self._conn.rollback()
                    raise
                else:
                    await self._conn.commit()
            finally:
                _AFTER_COMMIT.reset(actions)
                _IN_TRANSACTION.reset(token)
        # Outside the lock and the transaction: an action may talk to Discord, or use the database itself.
        for action in pending:
            await action()

    @asynccontextmanager
    async def savepoint(self) -> AsyncIterator[Database]:
        """Inside a transaction, a part that is undone alone if it fails (the rest of the transaction goes on).

        Outside one, it is a transaction of its own.
        """
        if _IN_TRANSACTION.get() is not self:
            async with self.transaction() as tx:
                yield tx
            return
        pending = _AFTER_COMMIT.get()
        kept = len(pending) if pending is not None else 0
        await self._conn.execute("SAVEPOINT part")
        try:
            yield self
        except BaseException:
            await self._conn.execute("ROLLBACK TO part")
            await self._conn.execute("RELEASE part")
            if pending is not None:
                del pending[kept:]  # what the undone part meant to do afterwards is dropped with it
            raise
        await self._conn.execute("RELEASE part")

    async def checkpoint(self, tables: Iterable[str] = (), *, rewrite: bool = True) -> None:
        """Copy the WAL into the database file and truncate the WAL to zero bytes.

        Run after erasing (forget, purges, a server's removal): until then the erased rows' old
        pages still sit in the `-wal` file, which an operator's backup would copy.
        """
        if self.path == ":memory:":
            return
        async with self._turn():
            # Read its result row: a statement left unfinished would make the next COMMIT fail with
            # "SQL statements in progress" until the garbage collector happened to finalize it.
            await self._conn.execute_fetchall("PRAGMA wal_checkpoint(TRUNCATE)")

    async def close(self) -> None:
        """Close the connection; safe to call twice."""
        await self._conn.close()


def read_only_uri(path: Path) -> str:
    """A URI that reads `path` without writing to it or beside it.

    With no -wal file everything is in the main file, so `immutable` reads it without creating the
    -wal and -shm files a plain read-only open of a WAL database would leave behind. With one
    (after a crash, or while another process has it open) `mode=ro` also reads what the WAL holds.
    """
    wal = path.with_name(path.name + "-wal")
    return f"file:{quote(str(path.resolve()))}?{'mode=ro' if wal.exists() else 'immutable=1'}"


async def open_database(path: str | Path) -> Database:
    """Open (creating if needed) the database with the pragmas the bot relies on.

    A `postgresql://` address opens a PostgreSQL pool instead (see bot.db.postgres).
    """
    path = str(path)
    if is_postgres_url(path):
        from bot.db.postgres import open_postgres  # bot.db.postgres builds on this module

        return await open_postgres(path)
    if path != ":memory:":
        Path(path).parent.mkdir(parents=True, exist_ok=True)
    conn = await aiosqlite.connect(path, isolation_level=None)
    try:
        await _set_pragmas(conn, path)
    except BaseException:
        # Close the connection's worker thread, or a failed start-up would never exit.
        await conn.close()
        raise
    return SqliteDatabase(conn, path)


async def _set_pragmas(conn: aiosqlite.Connection, path: str) -> None:
    conn.row_factory = aiosqlite.Row
    await conn.execute("PRAGMA foreign_keys = ON")
    await conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
    if path != ":memory:":
        await conn.execute_fetchall("PRAGMA journal_mode = WAL")  # read its row: see checkpoint()
        # SQLite's recommended pairing with WAL: never corrupts; a power cut may lose the last commits.
        await conn.execute("PRAGMA synchronous = NORMAL")
        # Overwrite deleted content on disk rather than leaving it in free pages.
        await conn.execute("PRAGMA secure_delete = ON")
        await conn.execute(f"PRAGMA journal_size_limit = {JOURNAL_SIZE_LIMIT}")
