"""The database layer on both engines: statements, row counts, keys, transactions, savepoints, after-commit
actions; and what only PostgreSQL has: advisory locks, change notices between processes, VACUUM after
erasing, migrations taken in turn, a password never shown."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import discord
import pytest

from bot.__main__ import stop_when_shards_taken
from bot.changes import ChangeFeed
from bot.clock import FakeClock, to_timestamp
from bot.db import Database, MigrationError, UnusableDatabaseError, apply_migrations, head_version, open_database
from bot.db.migrate import POSTGRES_DIR, current_version
from bot.db.postgres import PostgresDatabase, erasure_problems, log_settings_problems, without_password
from bot.testing import make_bot, make_services
from tests.dbfile import DbAddress
from tests.pg import PgServer, database_name, read_rows, run_sync
from tests.privacy_bytes import id_encodings, scan


async def test_statements_count_rows_and_return_keys(db: Database) -> None:
    await db.execute("INSERT INTO guilds (guild_id, joined_at) VALUES ($1, $2)", (1 << 40, 5))
    insert = (
        "INSERT INTO moments (guild_id, user_id, body, created_at, expires_at) VALUES ($1, $2, $3, $4, $5) RETURNING id"
    )
    key = await db.insert(insert, (1 << 40, 7, b"x", 5, 10))
    again = await db.insert(insert, (1 << 40, 7, b"y", 6, 10))
    assert again == key + 1
    assert await db.execute("UPDATE moments SET expires_at = $1 WHERE user_id = $2", (20, 7)) == 2
    assert await db.execute("DELETE FROM moments WHERE id = $1", (key,)) == 1
    assert await db.execute("DELETE FROM moments WHERE id = $1", (key,)) == 0
    row = await db.fetchone("SELECT id, body FROM moments WHERE user_id = $1", (7,))
    assert row is not None and row["id"] == again and bytes(row[1]) == b"y"
    assert await db.fetchval("SELECT count(*) FROM moments WHERE guild_id = $1", (1 << 40,)) == 1


async def test_a_failed_transaction_writes_nothing_and_runs_no_after_commit_action(db: Database) -> None:
    told: list[str] = []

    async def tell() -> None:
        told.append("told")

    with pytest.raises(RuntimeError):
        async with db.transaction() as tx:
            await tx.execute("INSERT INTO guilds (guild_id, joined_at) VALUES ($1, $2)", (11, 1))
            await tx.after_commit(tell)
            raise RuntimeError("half way")
    assert await db.fetchval("SELECT count(*) FROM guilds WHERE guild_id = $1", (11,)) == 0
    assert told == []
    async with db.transaction() as tx:
        await tx.execute("INSERT INTO guilds (guild_id, joined_at) VALUES ($1, $2)", (11, 1))
        await tx.after_commit(tell)
        assert told == []  # not before the commit
    assert told == ["told"]


async def test_a_savepoint_undoes_only_its_part(db: Database) -> None:
    async with db.transaction() as tx:
        await tx.execute("INSERT INTO guilds (guild_id, joined_at) VALUES ($1, $2)", (21, 1))
        with pytest.raises(ValueError):
            async with tx.savepoint():
                await tx.execute("INSERT INTO guilds (guild_id, joined_at) VALUES ($1, $2)", (22, 1))
                raise ValueError("this part only")
    ids = [r[0] for r in await db.fetchall("SELECT guild_id FROM guilds WHERE guild_id IN ($1, $2)", (21, 22))]
    assert ids == [21]


async def test_transactions_of_one_process_do_not_interleave(db: Database) -> None:
    await db.execute("INSERT INTO guilds (guild_id, joined_at) VALUES ($1, $2)", (31, 0))

    async def bump() -> None:
        async with db.transaction() as tx:
            seen = await tx.fetchval("SELECT joined_at FROM guilds WHERE guild_id = $1", (31,))
            await asyncio.sleep(0)
            await tx.execute("UPDATE guilds SET joined_at = $1 WHERE guild_id = $2", (seen + 1, 31))

    await asyncio.gather(*(bump() for _ in range(20)))
    assert await db.fetchval("SELECT joined_at FROM guilds WHERE guild_id = $1", (31,)) == 20


# -- PostgreSQL only --------------------------------------------------------------------------------------


@pytest.fixture
async def two_processes(pg_server: PgServer) -> tuple[PostgresDatabase, PostgresDatabase]:
    url = await pg_server.fresh_database()
    first, second = await open_database(url), await open_database(url)
    assert isinstance(first, PostgresDatabase) and isinstance(second, PostgresDatabase)
    yield first, second
    await first.close()
    await second.close()
    await pg_server.drop(url)


async def test_one_process_at_a_time_holds_maintenance(
    two_processes: tuple[PostgresDatabase, PostgresDatabase],
) -> None:
    first, second = two_processes
    async with first.exclusive("maintenance") as mine:
        assert mine
        async with second.exclusive("maintenance") as theirs:
            assert not theirs
    async with second.exclusive("maintenance") as theirs:
        assert theirs  # released when the first finished


async def test_a_crashed_holder_releases_the_lock(two_processes: tuple[PostgresDatabase, PostgresDatabase]) -> None:
    first, second = two_processes
    holder = asyncio.ensure_future(_hold(first))
    await asyncio.sleep(0.2)
    async with second.exclusive("maintenance") as theirs:
        assert not theirs
    holder.cancel()
    await first.pool.close()  # the process dies: its connections close, the server drops its locks
    for _ in range(50):
        async with second.exclusive("maintenance") as theirs:
            if theirs:
                break
        await asyncio.sleep(0.05)
    assert theirs


async def _hold(db: PostgresDatabase) -> None:
    async with db.exclusive("maintenance"):
        await asyncio.sleep(3600)


async def test_a_settings_change_reaches_the_other_process(
    two_processes: tuple[PostgresDatabase, PostgresDatabase],
) -> None:
    first, second = two_processes
    heard: list[str] = []
    feed_a, feed_b = ChangeFeed(first), ChangeFeed(second)
    feed_b.on("config", heard.append)
    await feed_a.start()
    await feed_b.start()
    try:
        async with first.transaction():
            await feed_a.changed("config", 42)
            await asyncio.sleep(0.2)
            assert heard == []  # not before the change is committed
        for _ in range(100):
            if heard:
                break
            await asyncio.sleep(0.02)
        assert heard == ["42"]
    finally:
        await feed_a.stop()
        await feed_b.stop()


async def test_losing_the_listening_connection_drops_every_kept_copy(
    two_processes: tuple[PostgresDatabase, PostgresDatabase],
) -> None:
    first, second = two_processes
    heard: list[str] = []
    feed = ChangeFeed(first)
    feed.on("config", heard.append)
    await feed.start()
    try:
        await second.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
            "WHERE query LIKE 'LISTEN%' AND pid <> pg_backend_pid()"
        )
        for _ in range(100):
            if heard:
                break
            await asyncio.sleep(0.02)
        assert heard == ["*"]
    finally:
        await feed.stop()


async def test_an_erasure_leaves_no_byte_of_the_rows_in_the_data_files(pg_server: PgServer) -> None:
    url = await pg_server.fresh_database()
    db = await open_database(url)
    member = 987_654_321_012_345_678
    address = DbAddress.of(url, pg_server.data_dir)
    try:
        await db.execute("INSERT INTO guilds (guild_id, joined_at) VALUES ($1, $2)", (5, 1))
        rows = [(5, 1000 + n, b"other", 1, 2) for n in range(300)]
        rows.insert(150, (5, member, b"kept words", 1, 2))
        await db.executemany(
            "INSERT INTO moments (guild_id, user_id, body, created_at, expires_at) VALUES ($1, $2, $3, $4, $5)", rows
        )
        read_rows(url, "CHECKPOINT")
        assert scan(address, id_encodings(member)), "the scan finds the member before"
        before = read_rows(url, "SELECT pg_relation_filenode('moments')")
        await db.execute("DELETE FROM moments WHERE user_id = $1", (member,))
        await db.checkpoint(["moments"])
        assert scan(address, id_encodings(member)) == {}  # neither the table nor its four indexes
        assert read_rows(url, "SELECT pg_relation_filenode('moments')") != before  # written afresh
        # The routine purge only vacuums (no rewrite): the space is freed and counted.
        await db.execute("DELETE FROM moments WHERE user_id = $1", (1000,))
        await db.checkpoint(["moments"], rewrite=False)
        assert read_rows(url, "SELECT vacuum_count FROM pg_stat_user_tables WHERE relname = 'moments'")[0][0] >= 1
    finally:
        await db.close()
        await pg_server.drop(url)


async def test_migrations_run_once_when_processes_start_together(pg_server: PgServer) -> None:
    url = await pg_server.empty_database()
    dbs = [await open_database(url) for _ in range(3)]
    try:
        versions = await asyncio.gather(*(apply_migrations(d) for d in dbs))
        assert versions == [head_version(POSTGRES_DIR)] * 3
        assert read_rows(url, "SELECT version FROM schema_version ORDER BY version") == [
            (v,) for v in range(16, head_version(POSTGRES_DIR) + 1)
        ]
    finally:
        for d in dbs:
            await d.close()
        await pg_server.drop(url)


async def test_a_failing_migration_leaves_the_version(pg_server: PgServer, tmp_path: Path) -> None:
    folder = tmp_path / "postgres"
    folder.mkdir()
    for path in sorted(POSTGRES_DIR.glob("*.sql")):
        (folder / path.name).write_text(path.read_text("utf-8"), "utf-8")
    next_version = head_version(POSTGRES_DIR) + 1
    (folder / f"{next_version:04d}_broken.sql").write_text(
        "CREATE TABLE half_made (a BIGINT);\nALTER TABLE no_such_table ADD COLUMN b BIGINT;\n", "utf-8"
    )
    url = await pg_server.empty_database()
    db = await open_database(url)
    try:
        with pytest.raises(MigrationError) as raised:
            await apply_migrations(db, folder)
        assert raised.value.version == head_version(POSTGRES_DIR)
        assert await current_version(db) == head_version(POSTGRES_DIR)
        assert await db.fetchval("SELECT to_regclass('half_made') IS NULL")
    finally:
        await db.close()
        await pg_server.drop(url)


async def test_a_database_from_a_newer_release_is_left_alone(pg_server: PgServer) -> None:
    url = await pg_server.fresh_database()
    db = await open_database(url)
    try:
        await db.execute("INSERT INTO schema_version (version) VALUES ($1)", (head_version(POSTGRES_DIR) + 5,))
        with pytest.raises(UnusableDatabaseError, match="newer than this code"):
            await apply_migrations(db)
    finally:
        await db.close()
        await pg_server.drop(url)


async def test_a_wrong_password_is_never_shown(pg_server: PgServer) -> None:
    url = pg_server.url().replace("postgresql://postgres", "postgresql://nobody:hunter2secret")
    with pytest.raises(UnusableDatabaseError) as raised:
        await open_database(url)
    assert "hunter2secret" not in str(raised.value)
    assert "DATABASE_URL" in str(raised.value)
    assert without_password("postgresql://u:pw@h:5/db") == "postgresql://u@h:5/db"


async def test_log_settings_that_could_record_ids_are_named(pg_server: PgServer) -> None:
    url = await pg_server.fresh_database()
    db = await open_database(url)
    try:
        assert await log_settings_problems(db) == []  # the test server is set up as docs/DEPLOYMENT.md says
    finally:
        await db.close()
    name = database_name(url)
    read_rows(pg_server.url(), f'ALTER DATABASE "{name}" SET log_parameter_max_length_on_error = -1')
    db = await open_database(url)
    try:
        problems = await log_settings_problems(db)
        assert len(problems) == 1 and problems[0].startswith("log_parameter_max_length_on_error is -1")
    finally:
        await db.close()
        await pg_server.drop(url)


async def test_a_role_that_cannot_rewrite_the_statistics_catalog_is_named(pg_server: PgServer) -> None:
    # Erasing rewrites pg_statistic, which only the database's owner may do; a bot connecting as another
    # role is warned at start instead of erasing less than docs/PRIVACY.md says without a word.
    url = await pg_server.fresh_database()
    name = database_name(url)
    read_rows(
        pg_server.url(), "DO $$ BEGIN CREATE ROLE visitor LOGIN; EXCEPTION WHEN duplicate_object THEN NULL; END $$"
    )
    read_rows(pg_server.url(), f'GRANT ALL ON DATABASE "{name}" TO visitor')
    owner, visitor = await open_database(url), await open_database(url.replace("postgres:", "visitor:", 1))
    try:
        assert await erasure_problems(owner) == []
        [problem] = await erasure_problems(visitor)
        assert "does not own this database" in problem and "statistics catalog" in problem
    finally:
        await owner.close()
        await visitor.close()
        await pg_server.drop(url)


async def test_two_processes_cannot_run_the_same_shard(
    two_processes: tuple[PostgresDatabase, PostgresDatabase],
) -> None:
    first, second = two_processes
    assert await first.hold_shards([0, 1], 4) == []
    assert await second.hold_shards([1, 2], 4) == [1]  # refused whole: nothing held
    assert await second.hold_shards([2, 3], 4) == []
    await first.close()  # the process ends: its shards are free for a replacement
    assert await second.hold_shards([0, 1], 4) == []


async def _end_shard_connection(killer: PostgresDatabase, holder: PostgresDatabase) -> None:
    """What a PostgreSQL restart or a dropped network does to the connection holding a process's shards."""
    pid = holder.shard_connection_pid()
    assert pid is not None
    assert await killer.fetchval("SELECT pg_terminate_backend($1)", (pid,))
    for _ in range(100):  # until the holder has noticed (the server's message reaches it in a moment)
        if holder.shard_connection_pid() != pid:  # none yet, or already a new connection
            return
        await asyncio.sleep(0.02)  # real I/O: waiting for a socket, not for a time of day
    raise AssertionError("the process never noticed its shard connection ended")


async def _hold_when_free(db: PostgresDatabase, shards: list[int], count: int) -> list[int]:
    """Try to hold shards until the server has let the ended connection's locks go (it does so at once,
    but a terminated backend takes a moment to exit); what was still taken after two seconds."""
    taken = await db.hold_shards(shards, count)
    for _ in range(40):
        if not taken:
            break
        await asyncio.sleep(0.05)  # real I/O: waiting for another process to exit, not for a time of day
        taken = await db.hold_shards(shards, count)
    return taken


async def test_a_process_that_loses_its_shard_connection_holds_its_shards_again(
    two_processes: tuple[PostgresDatabase, PostgresDatabase],
) -> None:
    # Without holding them again, a second process could start on the same shards after an outage, and
    # both would answer those servers.
    first, second = two_processes
    lost: list[list[int]] = []
    first.on_shards_taken = lost.append
    assert await first.hold_shards([0, 1], 4, retry_delays=(0.05,)) == []
    await _end_shard_connection(second, first)
    assert await first.shards_settled() is True
    assert await second.hold_shards([1], 4) == [1]  # refused: the first process holds it again
    assert lost == []


async def test_a_process_whose_shard_was_taken_during_an_outage_is_told_to_stop(
    two_processes: tuple[PostgresDatabase, PostgresDatabase],
) -> None:
    first, second = two_processes
    lost: list[list[int]] = []
    first.on_shards_taken = lost.append
    assert await first.hold_shards([0, 1], 4, retry_delays=(3.0,)) == []
    await _end_shard_connection(second, first)
    assert await _hold_when_free(second, [1], 4) == []  # another process started on shard 1 meanwhile
    assert await first.shards_settled() is False
    assert lost == [[1]]
    assert await second.hold_shards([0], 4) == []  # the first process let go of shard 0 too: it stops


async def test_the_bot_stops_when_its_shard_was_taken_during_an_outage(
    two_processes: tuple[PostgresDatabase, PostgresDatabase],
) -> None:
    first, second = two_processes
    client = discord.Client(intents=discord.Intents.none())
    taken = stop_when_shards_taken(first, client)
    assert await first.hold_shards([0, 1], 4, retry_delays=(3.0,)) == []
    await _end_shard_connection(second, first)
    assert await _hold_when_free(second, [0], 4) == []
    assert await first.shards_settled() is False
    for _ in range(20):  # the close runs as its own task
        if client.is_closed():
            break
        await asyncio.sleep(0)
    assert client.is_closed() and taken == [0]


async def test_expired_rows_leave_the_data_files_within_a_day(pg_server: PgServer) -> None:
    """The purge vacuums at every pass and rewrites the tables it purged within a day (PRIVACY.md), restart or not."""
    url = await pg_server.fresh_database()
    clock = FakeClock()
    services = await make_services(clock=clock, db_path=url)
    bot = make_bot(services, extensions=())
    address = DbAddress.of(url, pg_server.data_dir)
    now = to_timestamp(clock.now())

    async def moment(user_id: int, expires_at: int) -> None:
        await services.db.execute(
            "INSERT INTO moments (guild_id, user_id, body, created_at, expires_at) VALUES ($1, $2, $3, $4, $5)",
            (5, user_id, b"words", now, expires_at),
        )

    def filenode() -> object:
        return read_rows(url, "SELECT pg_relation_filenode('moments')")

    try:
        await services.db.execute("INSERT INTO guilds (guild_id, joined_at) VALUES ($1, $2)", (5, now))
        for n in range(200):
            await moment(1000 + n, now + 10 * 86400)
        first, second = 987_654_321_012_345_678, 876_543_210_987_654_321
        await moment(first, now - 1)
        await moment(second, now + 3600)
        written = filenode()
        await bot.run_maintenance()  # the first member's row goes: vacuumed, not yet rewritten
        assert read_rows(url, "SELECT count(*) FROM moments WHERE user_id = $1", (first,)) == [(0,)]
        assert filenode() == written
        clock.advance(timedelta(hours=2))
        await bot.run_maintenance()  # the second member's row goes too: still vacuumed only
        assert read_rows(url, "SELECT count(*) FROM moments WHERE user_id = $1", (second,)) == [(0,)]
        assert filenode() == written
        # The process restarts (or another one takes the purge), and nothing else expires: what was purged
        # is still rewritten within a day of the first removal, from what the database remembers.
        await services.db.close()
        services = await make_services(clock=clock, db_path=url)
        bot = make_bot(services, extensions=())
        clock.advance(timedelta(hours=20))
        await bot.run_maintenance()
        assert filenode() == written  # 22 hours: not yet
        clock.advance(timedelta(hours=1))
        await bot.run_maintenance()
        assert filenode() != written  # 23 hours: rewritten, both members' bytes went with the old files
        assert scan(address, id_encodings(first)) == {}
        assert scan(address, id_encodings(second)) == {}
        rewritten = filenode()
        clock.advance(timedelta(days=2))
        await bot.run_maintenance()
        assert filenode() == rewritten  # nothing purged since: nothing to rewrite
    finally:
        await services.db.close()
        await pg_server.drop(url)


def test_check_reports_the_postgres_database_and_refuses_missing_keys(pg_server: PgServer, tmp_path: Path) -> None:
    """`peer-circle check` with DATABASE_URL: reaches the server, says its version, never shows the password."""
    url = run_sync(pg_server.fresh_database())
    root = Path(__file__).resolve().parents[2]
    env = {
        **os.environ,
        "PYTHONPATH": str(root),
        "DATABASE_PATH": str(tmp_path / "x.db"),
        "DATABASE_URL": url,
        "ENCRYPTION_KEY": "",
        "HASH_KEY": "",
    }
    refused = subprocess.run(
        [sys.executable, "-m", "bot", "--check"], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=60
    )
    assert refused.returncode == 2 and "ENCRYPTION_KEY" in refused.stderr
    keys = subprocess.run(
        [sys.executable, "-m", "bot.cli", "keys"], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=60
    )
    env |= dict(line.split("=", 1) for line in keys.stdout.splitlines())
    checked = subprocess.run(
        [sys.executable, "-m", "bot", "--check"], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=60
    )
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert f"at version {head_version(POSTGRES_DIR)} of {head_version(POSTGRES_DIR)}" in checked.stdout
    run_sync(pg_server.drop(url))
