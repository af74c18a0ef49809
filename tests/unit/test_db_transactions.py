"""Transactions, savepoints and after-commit actions on a real database file (used by /privacy forget)."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.db import Database
from tests import dbfile


async def _seed(db: Database) -> None:
    await db.execute("INSERT INTO guilds (guild_id, joined_at) VALUES (1, 0), (2, 0), (3, 0)")


async def test_a_failed_savepoint_is_undone_alone_and_the_rest_commits(db: Database, db_path: Path):
    await _seed(db)
    async with db.transaction():
        await db.execute("DELETE FROM guilds WHERE guild_id = 1")
        with pytest.raises(RuntimeError):
            async with db.savepoint():
                await db.execute("DELETE FROM guilds WHERE guild_id = 2")
                raise RuntimeError("a feature failed part-way")
        async with db.savepoint():
            await db.execute("DELETE FROM guilds WHERE guild_id = 3")
    assert [row[0] for row in dbfile.rows(db_path, "SELECT guild_id FROM guilds")] == [2]


async def test_a_failed_transaction_leaves_everything_as_it_was(db: Database, db_path: Path):
    await _seed(db)
    with pytest.raises(RuntimeError):
        async with db.transaction():
            async with db.savepoint():
                await db.execute("DELETE FROM guilds WHERE guild_id = 1")
            raise RuntimeError("the process dies before the end")
    assert dbfile.count(db_path, "guilds") == 3


async def test_after_commit_runs_once_written_and_never_after_a_rollback(db: Database, db_path: Path):
    await _seed(db)
    seen: list[str] = []

    async def tell(what: str) -> None:
        # Runs outside the transaction: what it sees on disk is already written, and it may use the database.
        seen.append(f"{what}:{dbfile.count(db_path, 'guilds')}:{await db.fetchval('SELECT count(*) FROM guilds')}")

    async with db.transaction():
        await db.execute("DELETE FROM guilds WHERE guild_id = 1")
        await db.after_commit(lambda: tell("kept"))
        with pytest.raises(RuntimeError):
            async with db.savepoint():
                await db.after_commit(lambda: tell("undone"))
                raise RuntimeError
        assert seen == []
    assert seen == ["kept:2:2"]
    await db.after_commit(lambda: tell("outside"))
    assert seen == ["kept:2:2", "outside:2:2"]
