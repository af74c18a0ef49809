"""Retention: expired rows and rows older than their server's period leave the database file.

The rows are written as the features store them (real migrated tables, the registry's own
declarations); what is left is read back from the file with a separate connection.
"""

from __future__ import annotations

import logging

import pytest

from bot.app import EXTENSIONS
from bot.clock import to_timestamp
from bot.privacy import load_declarations
from bot.services.retention import describe_removed, purge_expired, purge_past_retention
from tests.dbfile import rows

DAY = 86400
SHORT, DEFAULT = 1, 2  # one server chose 30 days; the other keeps the default (90)


@pytest.fixture
async def seeded(services, clock):
    """Two servers, and a few moments, saved strategies and preferences of different ages."""
    now = to_timestamp(clock.now())
    for guild in (SHORT, DEFAULT):
        await services.db.execute("INSERT INTO guilds (guild_id, joined_at) VALUES ($1, $2)", (guild, now - 400 * DAY))
    await services.db.execute(
        "INSERT INTO guild_settings (guild_id, key, value) VALUES ($1, 'retention_days', '30')", (SHORT,)
    )
    return now


async def add_moment(services, moment_id: int, guild: int, created_at: int, expires_at: int) -> None:
    await services.db.execute(
        "INSERT INTO moments (id, guild_id, user_id, body, created_at, expires_at) VALUES ($1, $2, 7, $3, $4, $5)",
        (moment_id, guild, services.keys.encrypt("a kind word from a coworker"), created_at, expires_at),
    )


async def add_preference(services, user: int, expires_at: int) -> None:
    await services.db.execute(
        "INSERT INTO member_preferences (guild_id, user_id, timezone, updated_at, expires_at)"
        " VALUES ($1, $2, $3, $4, $5)",
        (SHORT, user, "Europe/London", expires_at - DAY, expires_at),
    )


def moment_ids(db_path) -> list[int]:
    return [row[0] for row in rows(db_path, "SELECT id FROM moments ORDER BY id")]


async def test_expired_rows_leave_the_file_and_the_counts_name_only_tables_that_lost_rows(
    services, clock, db_path, seeded, caplog
):
    now = seeded
    await add_moment(services, 1, DEFAULT, now - DAY, now - 1)
    await add_moment(services, 2, DEFAULT, now - DAY, now + 60)
    await add_preference(services, 8, now)  # expires this very second: gone
    await add_preference(services, 9, now + 1)
    with caplog.at_level(logging.INFO, logger="bot.services.retention"):
        removed = await purge_expired(services.db, clock, load_declarations(EXTENSIONS).values())
    assert removed == {"member_preferences": 1, "moments": 1}
    assert moment_ids(db_path) == [2]
    assert rows(db_path, "SELECT user_id FROM member_preferences") == [(9,)]
    assert len(rows(db_path, "SELECT guild_id FROM guilds")) == 2  # tables without an expiry are untouched
    assert [r.getMessage() for r in caplog.records] == [f"purged expired rows: {removed}"]


async def test_nothing_expired_removes_nothing_and_logs_nothing(services, clock, db_path, seeded, caplog):
    now = seeded
    await add_moment(services, 1, DEFAULT, now - DAY, now + 60)
    with caplog.at_level(logging.INFO, logger="bot.services.retention"):
        assert await purge_expired(services.db, clock, load_declarations(EXTENSIONS).values()) == {}
        assert await purge_past_retention(services.db, clock, load_declarations(EXTENSIONS).values()) == {}
    assert moment_ids(db_path) == [1]
    assert caplog.records == []


async def test_each_server_keeps_rows_for_its_own_period_or_the_default(services, clock, db_path, seeded, caplog):
    now, never = seeded, seeded + 1000 * DAY
    await add_moment(services, 1, SHORT, now - 31 * DAY, never)  # older than this server's 30 days
    await add_moment(services, 2, SHORT, now - 29 * DAY, never)
    await add_moment(services, 3, DEFAULT, now - 91 * DAY, never)  # older than the default 90 days
    await add_moment(services, 4, DEFAULT, now - 89 * DAY, never)
    with caplog.at_level(logging.INFO, logger="bot.services.retention"):
        removed = await purge_past_retention(services.db, clock, load_declarations(EXTENSIONS).values())
    assert removed == {"moments": 2}
    assert moment_ids(db_path) == [2, 4]
    assert [r.getMessage() for r in caplog.records] == ["purged rows past retention: {'moments': 2}"]


async def test_lowering_one_servers_period_removes_only_that_servers_old_rows(services, clock, db_path, seeded):
    now, never = seeded, seeded + 1000 * DAY
    await add_moment(services, 1, SHORT, now - 31 * DAY, never)
    await add_moment(services, 2, DEFAULT, now - 91 * DAY, never)
    removed = await purge_past_retention(services.db, clock, load_declarations(EXTENSIONS).values(), SHORT)
    assert removed == {"moments": 1}
    assert moment_ids(db_path) == [2]


def test_counts_are_told_in_plain_words_never_table_names():
    load_declarations(EXTENSIONS)
    told = describe_removed({"moments": 1, "checkin_answers": 3})
    assert told == "check-in answers (3), good moments (1)"
    # A table without a plural name is told by its purpose, still never by its name.
    told = describe_removed({"member_preferences": 2})
    assert told.startswith("Your time zone and quiet hours") and told.endswith(" (2)")
    assert "member_preferences" not in told
    assert describe_removed({}) == ""
