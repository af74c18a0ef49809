"""Shared pieces for the check-in, moments and disclosure end-to-end tests."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.app import Services
from bot.repositories import schema
from bot.testing import SimcordClock, make_services
from tests.dbfile import DbAddress, rows
from tests.e2e.world import World, make_world
from tests.fake_prompts import placeholder_content

# Virtual time starts at 2026-01-01 00:00 UTC (a Thursday); the server's zone defaults to UTC.
TO_NINE = 9 * 3600 + 60
DAY = 24 * 3600


@pytest.fixture
async def sim_services(database_target: str) -> AsyncIterator[Services]:
    """A fresh database on the test's engine (its bytes can be scanned through `db_path`) and placeholder prompts."""
    svc = await make_services(clock=SimcordClock(), db_path=database_target, content=placeholder_content())
    yield svc
    await svc.db.close()


@pytest.fixture
def world(simcord_env) -> World:
    """The standard small server."""
    return make_world(simcord_env)


async def advance(env, seconds: float) -> None:
    """Move virtual time in steps of at most six hours, each well inside SimCord's settle timeout."""
    while seconds > 0:
        step = min(seconds, 6 * 3600.0)
        await env.advance_time(step)
        seconds -= step


async def start(world: World, actor=None, **options):
    """Opt in through /checkin start and press Start; return the confirmation result."""
    actor = actor or world.member
    options.setdefault("time", "09:00")
    shown = await actor.slash(world.general, "checkin start", **options)
    return await actor.click(shown.response.message, label="Start")


def dms(actor) -> list:
    """The messages in the actor's DM channel with the bot, oldest first."""
    channel = actor.user.dm_channel
    return channel.history() if channel is not None else []


async def answer(actor, message, text: str, *, in_dm: bool = True):
    """Press Answer on a prompt (in the DM, or on an ephemeral reply in the server) and submit."""
    who = actor.user if in_dm else actor
    shown = await who.click(message, label="Answer")
    assert shown.modal is not None
    return await who.submit_modal(shown, {"checkin-answer": text})


async def rows_with(services: Services, value: str | int) -> dict[str, int]:
    """Every table holding `value` in any column, with counts."""
    found = {}
    for table in await schema.table_names(services.db):
        count = await schema.rows_mentioning(services.db, table, value)
        if count:
            found[table] = count
    return found


async def file_bytes(services: Services, path: Path) -> bytes:
    """The WAL as it stands, then the database file after a checkpoint: what an operator could read.

    On PostgreSQL (`path` a DbAddress): the database's own data files after the bot's checkpoint.
    """
    if isinstance(path, DbAddress):
        await services.db.checkpoint()
        rows(path, "CHECKPOINT")
        oid = rows(path, "SELECT oid FROM pg_database WHERE datname = current_database()")[0][0]
        return b"".join(_read(f) for f in sorted((path.data_dir / "base" / str(oid)).iterdir()))
    wal = path.with_name(path.name + "-wal")
    data = _read(wal)
    await services.db.checkpoint()
    return data + _read(path)


def _read(path: Path) -> bytes:
    # Read rather than test-then-read: PostgreSQL removes some files on its own (pg_internal.init)
    # between the listing and the read, and a file that is gone holds nothing.
    try:
        return path.read_bytes()
    except FileNotFoundError:
        return b""
