"""Migration 0010: rows stored before it get the retention start the purge counts from.

Built with the migrations before it, given rows, then migrated to head: each old row must get the
moment its retention period started, or a lowered retention would never reach it. PostgreSQL starts at
its baseline (version 16), so it has no rows from before 0010; the trigger 0010 added runs on both.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from bot.db import Database, apply_migrations, head_version, open_database
from bot.db.migrate import MIGRATIONS_DIR

G = 100
POST_AT, REPLY_AT, SAVED_1, SAVED_2 = 1_700_000_000, 1_700_000_500, 1_700_001_000, 1_700_002_000
DAY = 86400


@pytest.mark.sqlite_only  # SQLite's numbered history (0001-0009, then 0010); PostgreSQL begins at its baseline
async def test_old_rows_get_their_retention_start(tmp_path: Path):
    folder = tmp_path / "before"
    folder.mkdir()
    for path in sorted(MIGRATIONS_DIR.glob("000[1-9]_*.sql")):
        shutil.copy(path, folder / path.name)
    db = await open_database(tmp_path / "x.db")
    try:
        assert await apply_migrations(db, folder) == 9
        await db.execute("INSERT INTO guilds (guild_id, joined_at) VALUES (?, 0)", (G,))
        await db.execute("INSERT INTO guild_settings (guild_id, key, value) VALUES (?, 'retention_days', '30')", (G,))
        await db.execute(
            "INSERT INTO vent_posts (post_id, guild_id, channel_id, message_id, is_forum, created_at)"
            " VALUES (1, ?, 2, 3, 1, ?)",
            (G, POST_AT),
        )
        await db.execute(
            "INSERT INTO vent_replies (message_id, post_id, guild_id, pseudonym, is_op, created_at)"
            " VALUES (4, 1, ?, 'Anon A', 0, ?)",
            (G, REPLY_AT),
        )
        links = "INSERT INTO vent_links (message_id, post_id, guild_id, member_tag, is_post, expires_at) VALUES"
        await db.execute(f"{links} (3, 1, ?, 'tag', 1, 9), (4, 1, ?, 'tag', 0, 9)", (G, G))
        favourites = "INSERT INTO strategy_favourites (guild_id, user_id, strategy_id, saved_at, expires_at) VALUES"
        await db.execute(f"{favourites} (?, 5, 'a', ?, 9), (?, 5, 'b', ?, 9)", (G, SAVED_1, G, SAVED_2))
        await db.execute(
            "INSERT INTO schedules (guild_id, kind, owner_id, recurrence, created_at, expires_at)"
            " VALUES (?, 'strategy_reminder', 5, '{}', 0, ?), (?, 'checkin', 5, '{}', 0, ?)",
            (G, SAVED_2 + 30 * DAY, G, SAVED_2),
        )
        assert await apply_migrations(db) == head_version()
        got = await db.fetchall("SELECT message_id, created_at FROM vent_links ORDER BY message_id")
        assert [tuple(r) for r in got] == [(3, POST_AT), (4, REPLY_AT)]
        # Saving renews the whole list, so each favourite counts from the latest save.
        assert {r[0] for r in await db.fetchall("SELECT used_at FROM strategy_favourites")} == {SAVED_2}
        renewed = await db.fetchall("SELECT kind, renewed_at FROM schedules ORDER BY kind")
        assert [tuple(r) for r in renewed] == [("checkin", None), ("strategy_reminder", SAVED_2)]
        # A link written after the migration takes its post's time (the trigger), with venting's SQL unchanged.
        await db.execute(
            "INSERT INTO vent_replies (message_id, post_id, guild_id, pseudonym, is_op, created_at)"
            " VALUES (6, 1, ?, 'Anon B', 0, ?)",
            (G, REPLY_AT + DAY),
        )
        await db.execute(f"{links} (6, 1, ?, 'tag2', 0, 9)", (G,))
        assert await db.fetchval("SELECT created_at FROM vent_links WHERE message_id = 6") == REPLY_AT + DAY
    finally:
        await db.close()


async def test_a_new_link_takes_its_messages_time(db: Database):
    """Venting's SQL leaves created_at out of a link; the trigger copies its reply's (or post's) time."""
    await db.execute("INSERT INTO guilds (guild_id, joined_at) VALUES ($1, 0)", (G,))
    await db.execute(
        "INSERT INTO vent_posts (post_id, guild_id, channel_id, message_id, is_forum, created_at)"
        " VALUES (1, $1, 2, 3, 1, $2)",
        (G, POST_AT),
    )
    await db.execute(
        "INSERT INTO vent_replies (message_id, post_id, guild_id, pseudonym, is_op, created_at)"
        " VALUES (4, 1, $1, 'Anon A', 0, $2)",
        (G, REPLY_AT),
    )
    links = "INSERT INTO vent_links (message_id, post_id, guild_id, member_tag, is_post, expires_at) VALUES"
    await db.execute(f"{links} (3, 1, $1, 'tag', 1, 9), (4, 1, $1, 'tag2', 0, 9)", (G,))
    got = await db.fetchall("SELECT message_id, created_at FROM vent_links ORDER BY message_id")
    assert [tuple(r) for r in got] == [(3, POST_AT), (4, REPLY_AT)]
