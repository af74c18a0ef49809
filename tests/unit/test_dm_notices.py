"""DmNotices, the one store of "I paused this because I couldn't DM you": told once, only while the
feature is on, kept across a restart, erased by forget, and answered from memory in the usual case."""

from __future__ import annotations

import shutil
from datetime import timedelta
from pathlib import Path

import pytest

from bot.db import apply_migrations, open_database
from bot.db.migrate import MIGRATIONS_DIR, load_migrations
from bot.delivery.notices import DM_CLOSED, NOTICE_TTL, NoticeSpec
from bot.privacy import load_declarations
from bot.services.retention import purge_expired
from bot.testing import make_services
from cogs.checkins.service import FEATURE as CHECKINS
from cogs.strategies.service import FEATURE as STRATEGIES

G, G2, U, OTHER = 1, 2, 42, 43
KIND = "checkin"
TEXT = "I paused your check-ins."


@pytest.fixture
async def notices(services):
    await services.guilds.ensure_guild(G)
    await services.guilds.ensure_guild(G2)
    services.notices.register(NoticeSpec(KIND, CHECKINS, {DM_CLOSED: TEXT}))
    return services.notices


async def test_told_once_after_the_next_command(notices):
    await notices.record(G, U, KIND)
    assert await notices.due(G, U) == [TEXT]
    assert await notices.due(G, U) == []
    assert await notices.owed(G, U, KIND) is None


async def test_only_the_member_and_the_server_it_happened_in(notices):
    await notices.record(G, U, KIND)
    assert await notices.due(G, OTHER) == []
    assert await notices.due(G2, U) == []
    assert await notices.due(G, U) == [TEXT]


async def test_waits_while_the_feature_is_off_and_is_told_once_it_is_back_on(notices, services):
    await notices.record(G, U, KIND)
    await services.guilds.set_feature(G, CHECKINS, enabled=False)
    assert await notices.due(G, U) == []
    assert await notices.due(G, U) == []
    assert await notices.owed(G, U, KIND) == DM_CLOSED  # untouched while off
    await services.guilds.set_feature(G, CHECKINS, enabled=True)
    assert await notices.due(G, U) == [TEXT]
    assert await notices.due(G, U) == []


async def test_waits_while_its_feature_is_not_loaded(notices):
    notices.unregister(KIND)
    await notices.record(G, U, KIND)
    assert await notices.due(G, U) == []
    notices.register(NoticeSpec(KIND, CHECKINS, {DM_CLOSED: TEXT}))
    assert await notices.due(G, U) == [TEXT]


async def test_survives_a_restart_because_it_is_stored(database_target):
    path = database_target
    before = await make_services(db_path=path)
    await before.guilds.ensure_guild(G)
    await before.notices.record(G, U, KIND)
    await before.db.close()
    after = await make_services(db_path=path)
    try:
        after.notices.register(NoticeSpec(KIND, CHECKINS, {DM_CLOSED: TEXT}))
        assert await after.notices.due(G, U) == [TEXT]
        assert await after.notices.due(G, U) == []
    finally:
        await after.db.close()


async def test_forget_erases_it_everywhere_and_only_for_that_member(notices):
    await notices.record(G, U, KIND)
    await notices.record(G2, U, KIND)
    await notices.record(G, U, "strategy_reminder")
    await notices.record(G, OTHER, KIND)
    assert [n["guild_id"] for n in await notices.export(U, KIND)] == [str(G), str(G2)]
    assert await notices.forget(U, KIND) == 2
    assert await notices.export(U, KIND) == []
    assert await notices.due(G, U) == []
    assert await notices.owed(G, U, "strategy_reminder") == DM_CLOSED  # another feature's: its own forget
    assert await notices.due(G, OTHER) == [TEXT]


async def test_the_usual_command_reads_nothing_from_the_database(notices, monkeypatch):
    await notices.record(G, U, KIND)
    assert await notices.due(G, OTHER) == []  # loads the mirror once

    async def no_reads(*args):
        raise AssertionError("read the database for a member with nothing owed")

    monkeypatch.setattr(notices.repo, "owed", no_reads)
    monkeypatch.setattr(notices.repo, "members", no_reads)
    assert await notices.due(G, OTHER) == []
    assert await notices.due(G2, U) == []
    assert await notices.take(G, OTHER, KIND) is None


async def test_closed_records_only_when_the_feature_paused_something(notices):
    paused: list[tuple[int, int]] = []

    async def nothing_to_pause(guild_id: int, user_id: int) -> bool:
        return False

    async def pause(guild_id: int, user_id: int) -> bool:
        paused.append((guild_id, user_id))
        return True

    await notices.closed(G, U, KIND, nothing_to_pause)()
    assert await notices.owed(G, U, KIND) is None
    await notices.closed(G, U, KIND, pause)()
    assert paused == [(G, U)]
    assert await notices.owed(G, U, KIND) == DM_CLOSED


async def test_follow_up_runs_when_told_and_can_say_there_is_nothing_left(notices):
    told: list[int] = []

    async def follow_up(guild_id: int, user_id: int) -> bool:
        told.append(user_id)
        return user_id == U  # OTHER's paused thing is gone

    notices.unregister(KIND)
    notices.register(NoticeSpec(KIND, CHECKINS, {DM_CLOSED: TEXT}, on_told=follow_up))
    await notices.record(G, U, KIND)
    await notices.record(G, OTHER, KIND)
    assert await notices.due(G, U) == [TEXT]
    assert await notices.due(G, OTHER) == []
    assert await notices.owed(G, OTHER, KIND) is None
    assert told == [U, OTHER]


async def test_cleared_when_the_member_resumed(notices):
    await notices.record(G, U, KIND)
    await notices.clear(G, U, KIND)
    assert await notices.due(G, U) == []


async def test_a_notice_in_the_features_own_reply_is_not_told_after_other_commands(notices):
    notices.register(NoticeSpec("strategy_reminder", STRATEGIES, {"no_favourites": "none saved"}, in_own_reply=True))
    await notices.record(G, U, "strategy_reminder", "no_favourites")
    await notices.record(G, U, KIND)
    assert await notices.due(G, U) == [TEXT]
    assert await notices.due(G, U) == []
    assert await notices.take(G, U, "strategy_reminder") == "none saved"
    assert await notices.take(G, U, "strategy_reminder") is None


async def test_expires_with_the_retention_purge(notices, services, clock):
    await notices.record(G, U, KIND)
    clock.advance(NOTICE_TTL + timedelta(minutes=1))
    await purge_expired(services.db, clock, load_declarations().values())
    assert await notices.owed(G, U, KIND) is None


@pytest.mark.sqlite_only  # SQLite's numbered migration history; PostgreSQL starts from its baseline
async def test_the_migration_moves_every_notice_still_owed(tmp_path):
    """Flags and JSON notices from before the one store become rows in it, and the old places are emptied."""
    db = await open_database(":memory:")
    try:
        await apply_migrations(db, _migrations_before_this_one(tmp_path / "earlier"))
        await _old_style_notices(db)
        await apply_migrations(db)
        rows = await db.fetchall("SELECT guild_id, user_id, kind, reason FROM dm_notices ORDER BY user_id")
        assert [tuple(r) for r in rows] == [
            (G, 1, "checkin", "dm_closed"),
            (G, 2, "moments-lookback", "dm_closed"),
            (G, 3, "strategy_reminder", "no_favourites"),
        ]
        assert await db.fetchval("SELECT count(*) FROM checkin_plans WHERE dm_closed = 1") == 0
        assert await db.fetchval("SELECT count(*) FROM moment_settings WHERE dm_closed = 1") == 0
        targets = [r["target"] for r in await db.fetchall("SELECT target FROM schedules ORDER BY id")]
        assert targets == ['{"group":null,"turn":2}', '{"group":"isolation","turn":1}']
    finally:
        await db.close()


def _migrations_before_this_one(folder: Path) -> Path:
    # By name, not number: this migration may be renumbered when others land before it.
    mine = next(m for m in load_migrations() if m.name.endswith("_dm_notices.sql"))
    folder.mkdir()
    for path in sorted(MIGRATIONS_DIR.glob("*.sql")):
        if int(path.name[:4]) < mine.version:
            shutil.copy(path, folder / path.name)
    return folder


async def _old_style_notices(db) -> None:
    await db.execute("INSERT INTO guilds (guild_id, joined_at) VALUES (?, 0)", (G,))
    for user, closed in ((1, 1), (4, 0)):
        await db.execute(
            "INSERT INTO checkin_plans (guild_id, user_id, cadence, at_minute, timezone, prompt_set, dm_closed,"
            " created_at, expires_at) VALUES (?, ?, 'daily', 540, 'UTC', 'daily', ?, 0, 9999999999)",
            (G, user, closed),
        )
    await db.execute(
        "INSERT INTO moment_settings (guild_id, user_id, keep_days, dm_closed, created_at, expires_at)"
        " VALUES (?, 2, 90, 1, 0, 9999999999)",
        (G,),
    )
    # One owed, one already told (the old "told:" marker), both kept in a reminder's JSON target.
    owed = '{"group":null,"notice":"no_favourites","turn":2}'
    told = '{"group":"isolation","notice":"told:dm_closed","turn":1}'
    for user, target in ((3, owed), (5, told)):
        await db.execute(
            "INSERT INTO schedules (guild_id, kind, owner_id, target, recurrence, paused, created_at)"
            " VALUES (?, 'strategy_reminder', ?, ?, '{}', 1, 0)",
            (G, user, target),
        )
