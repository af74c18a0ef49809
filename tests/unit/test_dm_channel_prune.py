"""The backstop prune of stored DM channel ids walks the table a slice per maintenance pass.

Stopping a scheduled DM forgets the member's DM channel id at once (bot/scheduling/scheduler.py); the
maintenance pass catches ids whose schedules went another way, one bounded slice at a time, so a pass
costs the same at 1,000 members as at 100,000.
"""

from __future__ import annotations

from pathlib import Path

from bot.db.connection import Database
from bot.delivery.repository import DmChannelRepository
from tests.dbfile import rows as read_rows

KINDS = ("checkin",)
GUILD = 1


async def _seed(db: Database, owners: list[int]) -> None:
    await db.execute("INSERT INTO guilds (guild_id, joined_at) VALUES ($1, 0)", (GUILD,))
    for n, owner in enumerate(owners, start=1):
        await db.execute(
            "INSERT INTO schedules (id, guild_id, kind, owner_id, target, recurrence, next_run_at, paused,"
            " created_at, expires_at) VALUES ($1, $2, 'checkin', $3, '{}', '{}', NULL, 0, 0, 99999999)",
            (n, GUILD, owner),
        )


async def test_each_slice_forgets_only_ids_without_a_scheduled_dm_and_the_walk_wraps(
    db: Database, db_path: Path
) -> None:
    channels = DmChannelRepository(db)
    users = [101, 102, 103, 104, 105]
    await _seed(db, users)
    for user in users:
        assert await channels.put(user, user + 1000, 0, 99999999, KINDS)
    # Two members' schedules go without the scheduler (as a server's removal would).
    await db.execute("DELETE FROM schedules WHERE owner_id IN (102, 105)")

    assert await channels.prune(KINDS, 0, 2) == 102  # 101 kept, 102 forgotten
    assert await channels.prune(KINDS, 102, 2) == 104  # 103 and 104 kept
    assert await channels.prune(KINDS, 104, 2) is None  # 105 forgotten; the end: start again
    assert await channels.prune(KINDS, 0, 10) is None  # a full pass over what is left changes nothing

    rows = read_rows(db_path, "SELECT user_id FROM dm_channels ORDER BY user_id")
    assert [r[0] for r in rows] == [101, 103, 104]


async def test_an_empty_table_ends_the_walk(db: Database) -> None:
    assert await DmChannelRepository(db).prune(KINDS, 0, 5) is None
