"""Migration 0011: server_items is rebuilt to
allow the kind 'welcome', keeping every row, id and index, and the CHECK still refuses other kinds."""

from __future__ import annotations

import shutil
import sqlite3
from pathlib import Path

import pytest

from bot.db import apply_migrations, head_version, open_database
from bot.db.migrate import MIGRATIONS_DIR

G1 = 100
T0 = 1_700_000_000
COLUMNS = "id, guild_id, kind, number, builtin_id, variant, name, text, url, topic, hidden, created_by, created_at"
ROWS = [
    (11, G1, "checkin", 3, None, "daily", None, "Our daily question?", None, None, 0, None, T0),
    (12, G1, "reflection", None, "one", None, None, "Our wording?", None, None, 1, 7001, T0),
    (13, G1, "resource", 2, None, None, "Peer Group", "About it.", "https://a.example.org", "groups", 0, None, T0),
    (14, G1, "support", 6, None, None, "Warmline", "Evenings.", None, None, 0, None, T0),
]


async def test_rebuild_keeps_every_row_and_allows_welcome(tmp_path: Path) -> None:
    folder = tmp_path / "old"
    folder.mkdir()
    for path in sorted(MIGRATIONS_DIR.glob("*.sql")):
        if int(path.name[:4]) <= 10:  # every migration before this one
            shutil.copy(path, folder / path.name)
    db = await open_database(":memory:")
    try:
        assert await apply_migrations(db, folder) == 10
        await db.execute("INSERT INTO guilds (guild_id, joined_at) VALUES (?, ?)", (G1, T0))
        await db.executemany(
            f"INSERT INTO server_items ({COLUMNS}, updated_at) VALUES ({', '.join('?' * 14)})",
            [(*row, T0) for row in ROWS],
        )
        assert await apply_migrations(db) == head_version()
        kept = await db.fetchall(f"SELECT {COLUMNS} FROM server_items ORDER BY id")
        assert [tuple(r) for r in kept] == ROWS
        await db.execute(
            "INSERT INTO server_items (guild_id, kind, builtin_id, text, created_at, updated_at)"
            " VALUES (?, 'welcome', 'welcome-setting', 'Our words', ?, ?)",
            (G1, T0, T0),
        )
        with pytest.raises(sqlite3.IntegrityError):
            await db.execute(
                "INSERT INTO server_items (guild_id, kind, number, created_at, updated_at)"
                " VALUES (?, 'nonsense', 99, ?, ?)",
                (G1, T0, T0),
            )
        with pytest.raises(sqlite3.IntegrityError):  # the unique indexes came back too
            await db.execute(
                "INSERT INTO server_items (guild_id, kind, builtin_id, created_at, updated_at)"
                " VALUES (?, 'welcome', 'welcome-setting', ?, ?)",
                (G1, T0, T0),
            )
        indexes = {r[0] for r in await db.fetchall("SELECT name FROM sqlite_master WHERE tbl_name = 'server_items'")}
        assert {"server_items_number", "server_items_builtin", "server_items_name", "server_items_guild"} <= indexes
    finally:
        await db.close()
