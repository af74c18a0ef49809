"""The PostgreSQL side of `Database`: an asyncpg pool, for deployments where several processes share one database.

Statements are the same text as on SQLite (`$1, $2…` placeholders). Transactions of one process run one at a
time, as they do on SQLite's single connection, so code written for SQLite keeps its meaning; what several
processes do at once is kept apart by row locks (schedule claims), advisory locks (migrations, maintenance) and
by each server's work belonging to the process that holds its shard.
"""

from __future__ import annotations

import asyncio
import contextvars
import hashlib
import itertools
import logging
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable
from contextlib import asynccontextmanager
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import asyncpg

from bot.db.connection import _AFTER_COMMIT, _IN_TRANSACTION, Database, Params, Row, UnusableDatabaseError

log = logging.getLogger(__name__)

# The connection the current task's transaction holds (statements inside it must use it).
_CONNECTION: contextvars.ContextVar[asyncpg.Connection | None] = contextvars.ContextVar("pg_conn", default=None)
POOL_MIN = 1
POOL_MAX = 8
# Seconds between tries to hold a process's shards again after their connection ended; the last repeats.
SHARD_RETRY_DELAYS = (1.0, 2.0, 5.0, 10.0, 30.0)
# Settings each session asks for: a name the server's views show, and no waiting forever on a lock another
# process holds.
SESSION_SETTINGS = {"application_name": "peer-circle", "lock_timeout": "10s"}


# Tables whose rows a delete in the named tables can remove through a foreign key (ON DELETE CASCADE).
_REFERENCING = (
    "SELECT array_agg(DISTINCT c.conrelid::regclass::text) FROM pg_constraint c "
    "WHERE c.contype = 'f' AND c.confrelid::regclass::text = ANY($1::text[])"
)


_OWN_TABLES = (
    "SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema() "
    "AND table_type = 'BASE TABLE' ORDER BY table_name"
)


def without_password(url: str) -> str:
    """The address with its password removed, for messages and logs."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    host = parts.hostname or ""
    netloc = f"{parts.username}@{host}" if parts.username else host
    if parts.port:
        netloc += f":{parts.port}"
    return urlunsplit((parts.scheme, netloc, parts.path, parts.query, parts.fragment))


def lock_key(name: str) -> int:
    """A stable 64-bit advisory-lock key for a name (the same in every process and release)."""
    return int.from_bytes(hashlib.sha256(f"peer-circle:{name}".encode()).digest()[:8], "big", signed=True)


def _rowcount(status: str) -> int:
    """Rows changed, from a command status such as `UPDATE 3`, `DELETE 0` or `INSERT 0 1`."""
    last = status.rsplit(" ", 1)[-1]
    return int(last) if last.isdigit() else 0


def _values(params: Params) -> tuple[Any, ...]:
    if isinstance(params, dict):
        raise TypeError("PostgreSQL statements take their values in order ($1, $2…), not by name")
    return tuple(params)


class PostgresDatabase(Database):
    """`Database` over an asyncpg pool."""

    dialect = "postgres"

    def __init__(self, pool: asyncpg.Pool, url: str) -> None:
        self.pool = pool
        self.url = url
        self.path = without_password(url)
        self._tx_lock = asyncio.Lock()
        self._shard_conn: asyncpg.Connection | None = None
        self._shard_retake: asyncio.Task[None] | None = None
        self._closing = False
        # Called with the shards another process took while this one's connection was down: stop then.
        self.on_shards_taken: Callable[[list[int]], None] | None = None
        # How to stop each listening connection (closed with the pool, so closing never reads as a lost one).
        self._listening: list[Callable[[], Awaitable[None]]] = []

    @asynccontextmanager
    async def _connection(self) -> AsyncIterator[asyncpg.Connection]:
        held = _CONNECTION.get() if _IN_TRANSACTION.get() is self else None
        if held is not None:
            yield held
            return
        async with self.pool.acquire() as conn:
            yield conn

    async def execute(self, sql: str, params: Params = ()) -> int:
        """Run one statement; return the number of rows it changed (from the command status)."""
        async with self._connection() as conn:
            return _rowcount(await conn.execute(sql, *_values(params)))

    async def executemany(self, sql: str, rows: Iterable[Params]) -> None:
        """Run one statement for many parameter sets."""
        batch = [_values(r) for r in rows]
        if not batch:
            return
        async with self._connection() as conn:
            await conn.executemany(sql, batch)

    async def fetchall(self, sql: str, params: Params = ()) -> list[Row]:
        """Return every row of a query (asyncpg records: by column name or position)."""
        async with self._connection() as conn:
            return list(await conn.fetch(sql, *_values(params)))

    async def copy_rows(self, table: str, columns: list[str], records: list[tuple[Any, ...]]) -> None:
        """Bulk-load rows with COPY (inside the current transaction when there is one)."""
        async with self._connection() as conn:
            await conn.copy_records_to_table(table, records=records, columns=columns)

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[Database]:
        """Run the body as one transaction: all of it is written, or none of it."""
        if _IN_TRANSACTION.get() is self:
            yield self
            return
        pending: list[Callable[[], Awaitable[None]]] = []
        async with self._tx_lock, self.pool.acquire() as conn:
            token = _IN_TRANSACTION.set(self)
            held = _CONNECTION.set(conn)
            actions = _AFTER_COMMIT.set(pending)
            try:
                async with conn.transaction():
                    yield self
            finally:
                _AFTER_COMMIT.reset(actions)
                _CONNECTION.reset(held)
                _IN_TRANSACTION.reset(token)
        for action in pending:
            await action()

    @asynccontextmanager
    async def savepoint(self) -> AsyncIterator[Database]:
        """Inside a transaction, a part undone alone if it fails; outside one, a transaction of its own."""
        conn = _CONNECTION.get() if _IN_TRANSACTION.get() is self else None
        if conn is None:
            async with self.transaction() as tx:
                yield tx
            return
        pending = _AFTER_COMMIT.get()
        kept = len(pending) if pending is not None else 0
        try:
            async with conn.transaction():  # nested: asyncpg makes it a savepoint
                yield self
        except BaseException:
            if pending is not None:
                del pending[kept:]
            raise

    @asynccontextmanager
    async def exclusive(self, name: str) -> AsyncIterator[bool]:
        """Yield True in the one process that holds the advisory lock for `name`; False in every other.

        A session lock on a connection of its own: it is released when the body ends, or by the server when
        the process dies (its connection closes), so a crashed process never blocks the others for good.
        """
        async with self.pool.acquire() as conn:
            got = bool(await conn.fetchval("SELECT pg_try_advisory_lock($1)", lock_key(name)))
            try:
                yield got
            finally:
                if got:
                    await conn.execute("SELECT pg_advisory_unlock($1)", lock_key(name))

    @asynccontextmanager
    async def waiting_lock(self, name: str) -> AsyncIterator[asyncpg.Connection]:
        """Hold the advisory lock for `name`, waiting for it (migrations: every process waits its turn)."""
        async with self.pool.acquire() as conn:
            await conn.execute("SET lock_timeout = 0")  # a long migration elsewhere is worth waiting for
            await conn.execute("SELECT pg_advisory_lock($1)", lock_key(name))
            try:
                yield conn
            finally:
                await conn.execute("SELECT pg_advisory_unlock($1)", lock_key(name))
                await conn.execute("RESET lock_timeout")

    async def checkpoint(self, tables: Iterable[str] = (), *, rewrite: bool = True) -> None:
        """Make erased rows leave the data files: VACUUM what was erased, then CHECKPOINT where allowed.

        `rewrite` (after a member's erasure, a server's removal, a lowered retention period) runs
        `VACUUM (FULL, ANALYZE)`: each table and its indexes are written afresh and the old files removed,
        since a plain VACUUM frees an erased row's space but can leave its bytes in table and index pages
        until they are reused. Without it (the routine purge of expired rows) a plain `VACUUM (ANALYZE)`.
        ANALYZE replaces the column statistics, whose samples could hold an erased value. Tables that lose
        rows through a foreign key go too; with no table named, the whole database. Outside any transaction
        (VACUUM cannot run inside one). docs/PRIVACY.md says what none of this reaches (the WAL, backups).
        """
        options = "(FULL, ANALYZE)" if rewrite else "(ANALYZE)"
        async with self.pool.acquire() as conn:
            names = set(tables)
            if not names:
                # Every table of the bot's, not the whole database: VACUUM FULL of the system catalogs would
                # cost seconds and hold nothing of a member's.
                names = {r[0] for r in await conn.fetch(_OWN_TABLES)}
            reached = names
            while reached:  # cascades go on: a child's children lose rows too
                reached = set(await conn.fetchval(_REFERENCING, sorted(reached)) or ()) - names
                names |= reached
            quoted = ", ".join('"' + n.replace('"', '""') + '"' for n in sorted(names))
            await conn.execute(f"VACUUM {options} {quoted}")
            if rewrite:
                # ANALYZE wrote new statistics; the old ones (whose samples can hold an erased value) stay as
                # dead rows of the statistics catalog until it is rewritten too. Needs the bot's role to own
                # the database (docs/DEPLOYMENT.md); otherwise PostgreSQL skips it with a warning.
                await conn.execute("VACUUM (FULL) pg_catalog.pg_statistic")
            try:
                await conn.execute("CHECKPOINT")
            except asyncpg.InsufficientPrivilegeError:
                log.debug("CHECKPOINT needs the pg_checkpoint role; the server writes the pages at its next one")

    async def listen(
        self, channel: str, callback: Callable[[str], None], on_lost: Callable[[], None] | None = None
    ) -> Callable[[], Awaitable[None]]:
        """Call `callback(payload)` for each NOTIFY on `channel`, from any process; returns how to stop.

        The listening connection is a connection of its own (not the pool's); `on_lost` runs if it drops.
        """
        conn = await asyncpg.connect(self.url, server_settings=SESSION_SETTINGS)

        def relay(_conn: object, _pid: int, _channel: str, payload: str) -> None:
            callback(payload)

        def lost(_conn: object) -> None:
            if on_lost is not None and not stopping:
                on_lost()

        stopping = False
        conn.add_termination_listener(lost)
        await conn.add_listener(channel, relay)

        async def stop() -> None:
            nonlocal stopping
            stopping = True
            if stop in self._listening:
                self._listening.remove(stop)
            if not conn.is_closed():
                await conn.close()

        self._listening.append(stop)
        return stop

    async def notify(self, channel: str, payload: str) -> None:
        """Tell every listening process (this one too) something changed; sent when the transaction commits."""
        async with self._connection() as conn:
            await conn.execute("SELECT pg_notify($1, $2)", channel, payload)

    async def hold_shards(
        self, shard_ids: list[int], count: int, *, retry_delays: tuple[float, ...] = SHARD_RETRY_DELAYS
    ) -> list[int]:
        """Hold an advisory lock per shard for as long as this process runs; return the shards another
        process already holds (then nothing is held, and the process must not start).

        Two processes running one shard would both answer its servers' interactions and post their
        schedules; the server releases the locks when the process (its connection) ends. If that
        connection ends while the process runs (a database restart, a network cut), the locks are gone:
        the process takes them again, waiting `retry_delays` between tries (the last one repeats while
        the database cannot be reached). If another process took one meanwhile, this one lets go of all
        of them and calls `on_shards_taken` with those shards: it must stop.
        """
        conn = await asyncpg.connect(self.url, server_settings=SESSION_SETTINGS)
        taken = [
            shard
            for shard in shard_ids
            if not await conn.fetchval("SELECT pg_try_advisory_lock($1)", lock_key(f"shard:{shard}/{count}"))
        ]
        if taken:
            await conn.close()
            return taken
        self._shard_conn = conn
        pid = conn.get_server_pid()
        conn.add_termination_listener(lambda _conn: self._shard_connection_ended(shard_ids, count, retry_delays, pid))
        return []

    def shard_connection_pid(self) -> int | None:
        """The server process id of the connection holding this process's shards (for tests and logs)."""
        conn = self._shard_conn
        return None if conn is None or conn.is_closed() else conn.get_server_pid()

    async def shards_settled(self) -> bool:
        """Wait for any taking-again of the shards to finish; whether this process holds them now."""
        if self._shard_retake is not None:
            await asyncio.shield(self._shard_retake)
        return self._shard_conn is not None and not self._shard_conn.is_closed()

    def _shard_connection_ended(
        self, shard_ids: list[int], count: int, delays: tuple[float, ...], old_pid: int
    ) -> None:
        if self._closing or self._shard_conn is None:
            return
        log.warning("lost the connection holding shards %s; taking them again", shard_ids)
        self._shard_conn = None
        self._shard_retake = asyncio.get_running_loop().create_task(
            self._retake_shards(shard_ids, count, delays, old_pid)
        )

    async def _retake_shards(self, shard_ids: list[int], count: int, delays: tuple[float, ...], old_pid: int) -> None:
        for attempt in itertools.count():
            await asyncio.sleep(delays[min(attempt, len(delays) - 1)])
            if self._closing:
                return
            try:
                taken = await self.hold_shards(shard_ids, count, retry_delays=delays)
                # Our own ended connection's server process may still be exiting, and holds the locks until
                # it has: that is not another process, so wait for it.
                ours = bool(taken) and await self.fetchval("SELECT 1 FROM pg_stat_activity WHERE pid = $1", (old_pid,))
            except (OSError, asyncpg.PostgresError, asyncpg.InterfaceError) as error:
                log.warning("cannot reach PostgreSQL to hold shards again (%s); trying again", type(error).__name__)
                continue
            if not taken:
                log.warning("holding shards %s again", shard_ids)
                return
            if ours:
                continue
            log.error("shards %s were taken by another process while the connection was down", taken)
            if self.on_shards_taken is not None:
                self.on_shards_taken(taken)
            return

    async def close(self) -> None:
        """Close the pool, the listening connections and the shards held; safe to call twice."""
        self._closing = True
        if self._shard_retake is not None and not self._shard_retake.done():
            self._shard_retake.cancel()
        for stop in list(self._listening):
            await stop()
        conn, self._shard_conn = self._shard_conn, None
        if conn is not None and not conn.is_closed():
            await conn.close()
        if not self.pool.is_closing():
            await self.pool.close()


async def open_postgres(url: str, *, min_size: int = POOL_MIN, max_size: int = POOL_MAX) -> PostgresDatabase:
    """Connect a pool to `url`; a plain one-line error naming DATABASE_URL (never its password) if it fails."""
    try:
        pool = await asyncpg.create_pool(
            url, min_size=min_size, max_size=max_size, server_settings=SESSION_SETTINGS, command_timeout=60
        )
    except (TimeoutError, OSError, asyncpg.PostgresError) as error:
        raise UnusableDatabaseError(
            f"DATABASE_URL: cannot connect to {without_password(url)} ({type(error).__name__}); check the address, "
            "the user and password, and that the server is running."
        ) from error
    return PostgresDatabase(pool, url)


# Server settings under which PostgreSQL's own log could hold what the bot binds as parameters (member ids,
# keyed hashes) or prints in an error's detail (a key's values). Each with the safe value docs/DEPLOYMENT.md gives.
_LOG_CHECKS = (
    ("log_parameter_max_length", "0", "statement logs would show each statement's values"),
    ("log_parameter_max_length_on_error", "0", "error logs would show the failing statement's values"),
    ("log_error_verbosity", "terse", "error details (such as the values of a duplicate key) would be logged"),
)


async def erasure_problems(db: Database) -> list[str]:
    """What keeps erasing from reaching every file of this database (empty when nothing does).

    Rewriting the statistics catalog after an erasure needs the bot's role to own the database.
    """
    owns = await db.fetchval(
        "SELECT pg_has_role(current_user, datdba, 'USAGE') FROM pg_database WHERE datname = current_database()"
    )
    if owns:
        return []
    return [
        "the bot's role does not own this database, so PostgreSQL will not let it rewrite the statistics "
        "catalog after an erasure (an erased id can stay there until autovacuum); make it the owner "
        "(ALTER DATABASE … OWNER TO …)"
    ]


async def log_settings_problems(db: Database) -> list[str]:
    """What in the server's logging settings could write member ids into its log (empty when nothing).

    Only matters when statements or errors are logged at all; the bot's statements never hold a value in
    their text (every value is a bound parameter), so these three settings are what decides it.
    """
    problems: list[str] = []
    logs_statements = await db.fetchval(
        "SELECT current_setting('log_statement') <> 'none' OR current_setting('log_min_duration_statement') <> '-1'"
    )
    for name, safe, why in _LOG_CHECKS:
        value = await db.fetchval("SELECT current_setting($1)", (name,))
        if name == "log_parameter_max_length" and not logs_statements:
            continue
        if value != safe:
            problems.append(f"{name} is {value} (set it to {safe}: {why})")
    return problems
