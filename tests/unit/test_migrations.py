"""Migrations: reach head, are atomic, and stop with the version unchanged on failure."""

from __future__ import annotations

import pytest

from bot.db import MigrationError, apply_migrations, head_version, open_database
from bot.db.migrate import current_version, load_migrations, split_statements


async def test_fresh_database_reaches_head():
    db = await open_database(":memory:")
    try:
        assert await apply_migrations(db) == head_version()
        assert await current_version(db) == head_version()
        # Applying again is a no-op.
        assert await apply_migrations(db) == head_version()
    finally:
        await db.close()


async def test_pragmas_are_set(tmp_path):
    db = await open_database(tmp_path / "x.db")
    try:
        assert await db.fetchval("PRAGMA foreign_keys") == 1
        assert await db.fetchval("PRAGMA journal_mode") == "wal"
        assert await db.fetchval("PRAGMA busy_timeout") == 5000
    finally:
        await db.close()


async def test_failing_migration_leaves_previous_version(tmp_path):
    folder = tmp_path / "migrations"
    folder.mkdir()
    (folder / "0001_ok.sql").write_text("CREATE TABLE a (x INTEGER);")
    (folder / "0002_bad.sql").write_text("CREATE TABLE b (y INTEGER);\nINSERT INTO nowhere VALUES (1);")
    db = await open_database(":memory:")
    try:
        with pytest.raises(MigrationError) as err:
            await apply_migrations(db, folder)
        assert err.value.version == 1
        assert "0002_bad.sql" in str(err.value)
        assert await current_version(db) == 1
        # The half of 0002 that ran was rolled back.
        assert await db.fetchval("SELECT count(*) FROM sqlite_master WHERE name = 'b'") == 0
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
