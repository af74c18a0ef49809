"""Numbered SQL migrations, tracked with PRAGMA user_version inside the database itself.

Each file `NNNN_name.sql` is applied in its own transaction together with the version bump, so a
failing migration leaves the database exactly at the previous version.
"""

from __future__ import annotations

import logging
import re
import sqlite3
from dataclasses import dataclass
from pathlib import Path

from bot.db.connection import Database, UnusableDatabaseError, read_only_uri

log = logging.getLogger(__name__)

MIGRATIONS_ROOT = Path(__file__).parent / "migrations"
MIGRATIONS_DIR = MIGRATIONS_ROOT / "sqlite"
# PostgreSQL deployments began at version 16: its folder starts with a baseline equal to SQLite's 0001–0016,
# and every later migration has a file of the same number in both folders.
POSTGRES_DIR = MIGRATIONS_ROOT / "postgres"
MIGRATION_LOCK = "migrations"
_NAME = re.compile(r"^(\d{4})_[a-z0-9_]+\.sql$")


class MigrationError(Exception):
    """A migration could not be applied; the database stays at `version`."""

    def __init__(self, version: int, name: str, reason: str) -> None:
        super().__init__(f"migration {name} failed ({reason}); the database is still at version {version}")
        self.version = version
        self.name = name


@dataclass(frozen=True)
class Migration:
    """One migration file."""

    version: int
    name: str
    statements: tuple[str, ...]


def split_statements(script: str) -> list[str]:
    """Split a SQL script into complete statements (executescript would commit on its own)."""
    statements: list[str] = []
    buffer = ""
    for line in script.splitlines(keepends=True):
        buffer += line
        if sqlite3.complete_statement(buffer):
            statement = buffer.strip()
            if statement and statement != ";":
                statements.append(statement)
            buffer = ""
    if buffer.strip():
        # A trailing statement without ";" is still a statement.
        statements.append(buffer.strip())
    return statements


def load_migrations(directory: Path = MIGRATIONS_DIR) -> list[Migration]:
    """Read every migration file in order, checking the numbering has no gaps or repeats."""
    migrations: list[Migration] = []
    for path in sorted(directory.glob("*.sql")):
        match = _NAME.match(path.name)
        if not match:
            raise MigrationError(0, path.name, "file name must look like 0001_name.sql")
        migrations.append(Migration(int(match.group(1)), path.name, tuple(split_statements(path.read_text("utf-8")))))
    # A folder may start at a baseline (PostgreSQL's starts at 16); from there the numbers have no gaps.
    first = migrations[0].version if migrations and directory.name == "postgres" else 1
    for expected, migration in enumerate(migrations, start=first):
        if migration.version != expected:
            raise MigrationError(expected - 1, migration.name, f"expected number {expected:04d}")
    return migrations


def migrations_for(db: Database) -> Path:
    """The migration folder for the database's engine."""
    return POSTGRES_DIR if db.dialect == "postgres" else MIGRATIONS_DIR


def head_version(directory: Path = MIGRATIONS_DIR) -> int:
    """The version a fully migrated database has."""
    migrations = load_migrations(directory)
    return migrations[-1].version if migrations else 0


async def current_version(db: Database) -> int:
    """The version the database is at now (0 for an empty one)."""
    if db.dialect == "postgres":
        exists = await db.fetchval("SELECT to_regclass('schema_version') IS NOT NULL")
        return int(await db.fetchval("SELECT max(version) FROM schema_version") or 0) if exists else 0
    return int(await db.fetchval("PRAGMA user_version") or 0)


def newer_than_code(path: Path | str, version: int, head: int) -> UnusableDatabaseError:
    """The error for a database a newer release has migrated: this code must not touch it."""
    return UnusableDatabaseError(
        f"DATABASE_PATH: {path} is at version {version}, newer than this code (version {head}). "
        "It was left as it is; run the newer peer-circle, or restore a backup made with this version."
    )


async def apply_migrations(db: Database, directory: Path | None = None) -> int:
    """Bring the database to head; return the version reached.

    Raises UnusableDatabaseError, changing nothing, when the database is already past this code's head.
    On PostgreSQL the processes sharing the database take turns (an advisory lock): one migrates, the
    others then find it at head.
    """
    directory = directory or migrations_for(db)
    if db.dialect == "postgres":
        from bot.db.postgres import PostgresDatabase

        assert isinstance(db, PostgresDatabase)
        async with db.waiting_lock(MIGRATION_LOCK):
            return await _apply_postgres(db, directory)
    version, pending = await _pending(db, directory)
    for migration in pending:
        try:
            async with db.transaction():
                for statement in migration.statements:
                    await db.execute(statement)
                # PRAGMA takes no parameters; the value is an int we parsed from a file name.
                await db.execute(f"PRAGMA user_version = {migration.version:d}")
        except sqlite3.Error as error:
            raise MigrationError(version, migration.name, str(error)) from error
        version = migration.version
        log.info("applied migration %s", migration.name)
    return version


async def _pending(db: Database, directory: Path) -> tuple[int, list[Migration]]:
    """The database's version and the migrations past it; refuses (changing nothing) one newer than this code."""
    version = await current_version(db)
    migrations = load_migrations(directory)
    head = migrations[-1].version if migrations else 0
    if version > head:
        raise newer_than_code(db.path, version, head)
    return version, [m for m in migrations if m.version > version]


def version_on_disk(path: Path) -> int | None:
    """The version of an existing database file, read without writing; None when there is no file."""
    if not path.exists():
        return None
    conn = sqlite3.connect(read_only_uri(path), uri=True)
    try:
        return int(conn.execute("PRAGMA user_version").fetchone()[0])
    finally:
        conn.close()


async def _apply_postgres(db: Database, directory: Path) -> int:
    """PostgreSQL's migrations: each file is one script in one transaction, with its version row."""
    import asyncpg

    version, pending = await _pending(db, directory)
    for migration in pending:
        script = (directory / migration.name).read_text("utf-8")
        try:
            async with db.transaction():
                await db.execute("CREATE TABLE IF NOT EXISTS schema_version (version BIGINT PRIMARY KEY)")
                # A whole file at once: plain SQL with functions in $$ quotes, which asyncpg sends as one script.
                await db.execute(script)
                await db.execute("INSERT INTO schema_version (version) VALUES ($1)", (migration.version,))
        except asyncpg.PostgresError as error:
            raise MigrationError(version, migration.name, str(error)) from error
        version = migration.version
        log.info("applied migration %s", migration.name)
    return version
