"""Migrations: reach head, are atomic, and stop with the version unchanged on failure.

On PostgreSQL the same checks run over its own folder (bot/db/migrations/postgres), from an empty database.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from bot.db import MigrationError, apply_migrations, head_version, open_database
from bot.db.migrate import current_version, load_migrations, migrations_for, split_statements
from tests.pg import PgServer, run_sync


@pytest.fixture
def empty_target(engine: str, request: pytest.FixtureRequest) -> Iterator[str]:
    """A database with nothing in it: SQLite in memory, or a new PostgreSQL database with no tables."""
    if engine == "sqlite":
        yield ":memory:"
        return
    server: PgServer = request.getfixturevalue("pg_server")
    url = run_sync(server.empty_database())
    yield url
    run_sync(server.drop(url))


async def test_fresh_database_reaches_head(empty_target):
    db = await open_database(empty_target)
    try:
        head = head_version(migrations_for(db))
        assert await current_version(db) == 0
        assert await apply_migrations(db) == head
        assert await current_version(db) == head
        # Applying again is a no-op.
        assert await apply_migrations(db) == head
    finally:
        await db.close()


@pytest.mark.sqlite_only  # SQLite's own settings
async def test_pragmas_are_set(tmp_path):
    db = await open_database(tmp_path / "x.db")
    try:
        assert await db.fetchval("PRAGMA foreign_keys") == 1
        assert await db.fetchval("PRAGMA journal_mode") == "wal"
        assert await db.fetchval("PRAGMA busy_timeout") == 5000
    finally:
        await db.close()


async def test_failing_migration_leaves_previous_version(tmp_path, empty_target):
    folder = tmp_path / "migrations"
    folder.mkdir()
    (folder / "0001_ok.sql").write_text("CREATE TABLE a (x INTEGER);")
    (folder / "0002_bad.sql").write_text("CREATE TABLE b (y INTEGER);\nINSERT INTO nowhere VALUES (1);")
    db = await open_database(empty_target)
    try:
        with pytest.raises(MigrationError) as err:
            await apply_migrations(db, folder)
        assert err.value.version == 1
        assert "0002_bad.sql" in str(err.value)
        assert await current_version(db) == 1
        # The half of 0002 that ran was rolled back.
        tables = {
            "sqlite": "SELECT count(*) FROM sqlite_master WHERE name = 'b'",
            "postgres": "SELECT count(*) FROM pg_tables WHERE schemaname = 'public' AND tablename = 'b'",
        }
        assert await db.fetchval(tables[db.dialect]) == 0
        assert await db.fetchval("SELECT count(*) FROM a") == 0  # 0001 stayed
    finally:
        await db.close()


def test_numbering_gaps_are_refused(tmp_path):
    (tmp_path / "0001_a.sql").write_text("SELECT 1;")
    (tmp_path / "0003_c.sql").write_text("SELECT 1;")
    with pytest.raises(MigrationError, match="0002"):
        load_migrations(tmp_path)


def test_split_keeps_triggers_whole():
    script = "CREATE TABLE t (x);\nCREATE TRIGGER tr AFTER INSERT ON t BEGIN\n  SELECT 1;\n  SELECT 2;\nEND;\n"
    assert len(split_statements(script)) == 2


async def test_transaction_rolls_back_on_error(db):
    with pytest.raises(RuntimeError):
        async with db.transaction():
            await db.execute("INSERT INTO guilds (guild_id, joined_at) VALUES (1, 0)")
            raise RuntimeError("boom")
    assert await db.fetchval("SELECT count(*) FROM guilds") == 0
