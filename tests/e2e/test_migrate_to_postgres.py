"""`peer-circle migrate-to-postgres`: a community's SQLite database, filled through the real bot with every
feature that keeps something, copied into PostgreSQL: every table's rows arrive exactly, the counts are
printed table by table, and a second copy into a database that already holds rows is refused with nothing
written."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from bot.db.transfer import TransferError, migrate_to_postgres
from bot.repositories import schema
from tests.e2e.checkin_helpers import sim_services, world
from tests.e2e.everyone_seed import seed_everything as _seed
from tests.pg import PgServer, read_rows, run_sync

__all__ = ["sim_services", "world"]

ROOT = Path(__file__).resolve().parents[2]


def _normal(value: Any) -> Any:
    return bytes(value) if isinstance(value, memoryview | bytearray) else value


async def _table_rows(services: Any, table: str) -> list[tuple[Any, ...]]:
    columns = await schema.column_names(services.db, table)
    listed = ", ".join(f'"{c}"' for c in columns)
    rows = await services.db.fetchall(f'SELECT {listed} FROM "{table}"')
    return sorted((tuple(_normal(v) for v in r) for r in rows), key=repr)


def _pg_rows(url: str, table: str, columns: list[str]) -> list[tuple[Any, ...]]:
    listed = ", ".join(f'"{c}"' for c in columns)
    rows = read_rows(url, f'SELECT {listed} FROM "{table}"')
    return sorted((tuple(_normal(v) for v in r) for r in rows), key=repr)


async def test_every_row_arrives_and_counts_are_printed_per_table(
    world, simcord_env, sim_services, tmp_path: Path, db_path: Path, pg_server: PgServer
) -> None:
    await _seed(world, simcord_env, sim_services)
    await sim_services.db.checkpoint()
    url = await pg_server.empty_database()
    source = db_path
    result = subprocess.run(  # noqa: ASYNC221 - the operator's command, run as they would; the bot is idle
        [sys.executable, "-m", "bot.cli", "migrate-to-postgres"],
        cwd=tmp_path,
        env={**os.environ, "PYTHONPATH": str(ROOT), "DATABASE_PATH": str(source), "DATABASE_URL": url},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    printed = {line.split()[0]: line.split()[1:] for line in result.stdout.splitlines()[1:] if len(line.split()) == 3}
    tables = await schema.table_names(sim_services.db)
    assert set(printed) == set(tables)
    filled = 0
    for table in tables:
        ours = await _table_rows(sim_services, table)
        theirs = _pg_rows(url, table, await schema.column_names(sim_services.db, table))
        assert theirs == ours, f"{table} differs after the copy"
        assert printed[table] == [str(len(ours)), str(len(ours))]
        filled += bool(ours)
    assert filled >= 20  # the seed reached most tables, so the comparison means something
    # New rows get keys after the copied ones (identity counters moved past them).
    top = read_rows(url, "SELECT max(id) FROM schedules")[0][0]
    made = read_rows(
        url,
        "INSERT INTO schedules (guild_id, kind, target, recurrence, next_run_at, paused, created_at) "
        "SELECT guild_id, kind, target, recurrence, NULL, 1, 0 FROM schedules LIMIT 1 RETURNING id",
    )
    assert made[0][0] > top
    await pg_server.drop(url)


async def test_a_database_that_already_holds_rows_is_refused_untouched(
    world, simcord_env, sim_services, db_path: Path, pg_server: PgServer
) -> None:
    await _seed(world, simcord_env, sim_services)
    await sim_services.db.checkpoint()
    url = await pg_server.fresh_database()
    read_rows(url, "INSERT INTO guilds (guild_id, joined_at) VALUES (1, 1)")
    with pytest.raises(TransferError, match="already holds rows in guilds"):
        run_sync(migrate_to_postgres(db_path, url))
    assert read_rows(url, "SELECT count(*) FROM guilds") == [(1,)]
    assert read_rows(url, "SELECT count(*) FROM schedules") == [(0,)]
    await pg_server.drop(url)


def test_a_missing_file_or_address_is_named(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "bot.cli", "migrate-to-postgres"],
        cwd=tmp_path,
        env={**os.environ, "PYTHONPATH": str(ROOT), "DATABASE_PATH": str(tmp_path / "none.db"), "DATABASE_URL": ""},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 2
    assert "DATABASE_URL" in result.stderr
