"""A real PostgreSQL 16 for the tests (the `pgserver` wheel), with a fresh, migrated database per test.

One server per test session; the schema is migrated once into a template database, and each test gets
its own copy (`CREATE DATABASE … TEMPLATE`, a file copy inside the server, a few tens of milliseconds).
The server logs every statement (`log_statement = all`) with the parameter settings the deployment guide
asks for, so a test can read the log and show no member id reached it.
"""

from __future__ import annotations

import asyncio
import itertools
import threading
from collections.abc import Coroutine
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import urlsplit

import asyncpg

T = TypeVar("T")
TEMPLATE = "pc_template"
# What docs/DEPLOYMENT.md tells operators to set for the bot's role, plus logging every statement so the
# tests see the worst case an operator could turn on.
SERVER_SETTINGS = {
    "log_statement": "all",
    "log_parameter_max_length": "0",
    "log_parameter_max_length_on_error": "0",
    "log_error_verbosity": "terse",
    "fsync": "off",  # a test server: its files are thrown away (production keeps fsync on)
}


class PgServer:
    """The session's server: where it listens, its data folder and log, and the next free database name."""

    def __init__(self, root: Path) -> None:
        import pgserver  # only the tests need it

        self._server = pgserver.get_server(str(root / "pgdata"), cleanup_mode="stop")
        self.data_dir = Path(self._server.pgdata)
        self.log_path = Path(self._server.log)
        self._names = itertools.count(1)
        self._template_ready = False
        run_sync(self._configure())

    def url(self, database: str = "postgres") -> str:
        """The address of one database on this server (a Unix socket, user postgres)."""
        return str(self._server.get_uri(database))

    async def _configure(self) -> None:
        conn = await asyncpg.connect(self.url())
        try:
            for name, value in SERVER_SETTINGS.items():
                await conn.execute(f"ALTER SYSTEM SET {name} = '{value}'")
            await conn.execute("SELECT pg_reload_conf()")
        finally:
            await conn.close()

    async def fresh_database(self) -> str:
        """A new database at the migrations' head; returns its address."""
        if not self._template_ready:
            await self._make_template()
        return await self._create(f"t{next(self._names)}", f' TEMPLATE "{TEMPLATE}"')

    async def empty_database(self) -> str:
        """A new database with nothing in it (for migration tests)."""
        return await self._create(f"e{next(self._names)}", "")

    async def _create(self, name: str, options: str) -> str:
        conn = await asyncpg.connect(self.url())
        try:
            await conn.execute(f'CREATE DATABASE "{name}"{options}')
        finally:
            await conn.close()
        return self.url(name)

    async def drop(self, url: str) -> None:
        """Drop a test's database (closing whatever connections a killed test left)."""
        name = database_name(url)
        conn = await asyncpg.connect(self.url())
        try:
            await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        finally:
            await conn.close()

    async def _make_template(self) -> None:
        from bot.db import apply_migrations, open_database

        conn = await asyncpg.connect(self.url())
        try:
            await conn.execute(f'DROP DATABASE IF EXISTS "{TEMPLATE}"')
            await conn.execute(f'CREATE DATABASE "{TEMPLATE}"')
        finally:
            await conn.close()
        db = await open_database(self.url(TEMPLATE))
        try:
            await apply_migrations(db)
        finally:
            await db.close()
        self._template_ready = True

    def stop(self) -> None:
        """Stop the server."""
        self._server.cleanup()


def database_name(url: str) -> str:
    """The database an address names."""
    return urlsplit(url).path.lstrip("/")


def run_sync(coro: Coroutine[Any, Any, T]) -> T:
    """Run a coroutine to its end from synchronous code, even while a test's event loop is running."""
    result: list[T] = []
    errors: list[BaseException] = []

    def body() -> None:
        try:
            result.append(asyncio.run(coro))
        except BaseException as error:  # handed to the caller's thread
            errors.append(error)

    thread = threading.Thread(target=body)
    thread.start()
    thread.join()
    if errors:
        raise errors[0]
    return result[0]


def read_rows(url: str, sql: str, params: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """Run one query on its own connection (as an operator's psql would) and return plain tuples."""

    async def go() -> list[tuple[Any, ...]]:
        conn = await asyncpg.connect(url)
        try:
            return [tuple(r) for r in await conn.fetch(sql, *params)]
        finally:
            await conn.close()

    return run_sync(go())
