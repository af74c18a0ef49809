"""One source of truth, through the real bot: what the registry declares about each personal table
(kept until it expires, kept at most the server's retention period, erased or unlinked by forget,
covered by an export) is what the code does.

One member uses every feature that keeps something, so every personal table holds a row about them.
A new personal table fails the first test until it is seeded here, and then every check covers it.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bot.app import EXTENSIONS
from bot.privacy import TableDeclaration, count_items, load_declarations
from bot.privacy_doc import statements
from bot.repositories import schema
from tests.e2e.checkin_helpers import DAY, advance, sim_services, world
from tests.e2e.everyone_seed import seed_everything as _seed
from tests.privacy_bytes import keyed_encodings

__all__ = ["sim_services", "world"]

HOUR = 3600


def personal() -> list[TableDeclaration]:
    """Every declared table that can hold data about a person."""
    return sorted((d for d in load_declarations(EXTENSIONS).values() if d.personal), key=lambda d: d.table)


def _or_anchored(decl: TableDeclaration) -> str:
    return f' OR "{decl.retention_anchor}" IS NOT NULL' if decl.retention_anchor else ""


async def _rows_about(services, decl: TableDeclaration, user_id: int, where: str = "TRUE") -> int:
    """Rows of a table about the member (among those matching `where`): by their id, or by recomputing
    their keyed hash (venting's tags)."""
    if decl.user_columns and where == "TRUE":
        # Anywhere in the row, even inside text: stricter than the declared columns.
        return await schema.rows_mentioning(services.db, decl.table, user_id)
    if decl.user_columns:
        match = " OR ".join(f'"{c}" = ${n}' for n, c in enumerate(decl.user_columns, start=1))
        sql = f'SELECT count(*) FROM "{decl.table}" WHERE ({match}) AND ({where})'
        return int(await services.db.fetchval(sql, [user_id] * len(decl.user_columns)) or 0)
    if decl.table == "vent_link_gaps":
        gaps = await services.db.fetchall(f'SELECT guild_id, day, finder FROM "{decl.table}" WHERE {where}')
        return sum(1 for g, d, f in gaps if f in {services.keys.tag("vent-find", g, user_id, d, n) for n in range(64)})
    rows = await services.db.fetchall(f'SELECT guild_id, post_id, member_tag FROM "{decl.table}" WHERE {where}')
    return sum(1 for g, p, tag in rows if tag == services.keys.tag("vent-member", g, p, user_id))


async def _count(services, table: str) -> int:
    return int(await services.db.fetchval(f'SELECT count(*) FROM "{table}"') or 0)


async def test_every_personal_table_is_seeded_and_every_statement_exports_what_it_speaks_for(
    world, simcord_env, sim_services
):
    riley = await _seed(world, simcord_env, sim_services)
    empty = [d.table for d in personal() if not await _rows_about(sim_services, d, riley.id)]
    assert not empty, f"seed these personal tables in _seed so the checks below cover them: {empty}"
    exported = await riley.slash(world.general, "privacy export")
    data = json.loads(await exported.response.attachments[0].read())["features"]
    for statement in statements():
        if statement.tables:
            assert count_items(data.get(statement.feature, {})), f"{statement.feature} exported nothing"


async def test_forget_does_to_each_table_what_its_declaration_says(world, simcord_env, sim_services):
    riley = await _seed(world, simcord_env, sim_services)
    before = {d.table: await _count(sim_services, d.table) for d in personal()}
    kept = {d.table: await _rows_about(sim_services, d, riley.id) for d in personal()}
    asked = await riley.slash(world.general, "privacy forget")
    await riley.click(asked.response.message, label="Yes, erase everything")
    for decl in personal():
        about = await _rows_about(sim_services, decl, riley.id)
        if decl.on_forget == "erased":
            assert about == 0, f"{decl.table} is declared erased by /privacy forget, but {about} rows remain"
        elif decl.on_forget == "kept":
            assert about == kept[decl.table], f"{decl.table} is declared kept after /privacy forget"
        else:
            after = await _count(sim_services, decl.table)
            assert about == 0 and after == before[decl.table], f"{decl.table} is declared unlinked (kept, no id)"


async def test_every_personal_table_goes_when_its_declared_expiry_or_retention_says(
    world, simcord_env, sim_services, simcord_bot
):
    riley = await _seed(world, simcord_env, sim_services)
    db = sim_services.db
    timeless: dict[str, int] = {}
    for decl in personal():
        if decl.on_forget == "unlinked":
            continue  # rows of the server's, not the member's; they expire with the server's own rules
        assert decl.expires_column is not None
        # Rows with neither an expiry nor a retention start last until deleted (a server's schedule).
        timeless[decl.table] = await _rows_about(sim_services, decl, riley.id) - await _rows_about(
            sim_services, decl, riley.id, f'"{decl.expires_column}" IS NOT NULL' + _or_anchored(decl)
        )
        if decl.retention_anchor:
            # Older than any retention period, but not expired: only the retention rule can remove them.
            anchor = decl.retention_anchor
            await db.execute(f'UPDATE "{decl.table}" SET "{anchor}" = 0 WHERE "{anchor}" IS NOT NULL')
        await db.execute(
            f'UPDATE "{decl.table}" SET "{decl.expires_column}" = 1 WHERE "{decl.expires_column}" IS NOT NULL'
            + (f' AND "{decl.retention_anchor}" IS NULL' if decl.retention_anchor else "")
        )
    await simcord_bot.run_maintenance()
    for table, kept in timeless.items():
        assert await _rows_about(sim_services, load_declarations()[table], riley.id) == kept, table
    await advance(simcord_env, DAY)


@pytest.fixture
def pg_log_start(engine: str, request: pytest.FixtureRequest) -> tuple[Path, int]:
    """PostgreSQL's log and its size before the test's database and bot exist (PostgreSQL only)."""
    if engine != "postgres":
        pytest.skip("about PostgreSQL's own log")
    log_path: Path = request.getfixturevalue("pg_server").log_path
    return log_path, log_path.stat().st_size


async def _keyed_hashes(services, user_id: int) -> dict[str, bytes]:
    """Every keyed hash of the member the bot can have sent: their link tags for each anonymous post or
    reply stored, their finders for each day a link was made, and the per-server tags."""
    pairs: set[tuple[int, int]] = set()
    for table in ("vent_links", "vent_blocks", "vent_author_notes"):
        pairs |= {(int(g), int(p)) for g, p in await services.db.fetchall(f"SELECT guild_id, post_id FROM {table}")}
    guilds = {g for g, _ in pairs}
    contexts: list[tuple[str | int, ...]] = [("vent-member", g, p) for g, p in pairs]
    contexts += [(purpose, g) for g in guilds for purpose in ("vent-rate", "connect-person")]
    needles = keyed_encodings(services.keys, user_id, contexts)
    days = {
        (int(g), int(d))
        for g, d in await services.db.fetchall(
            "SELECT guild_id, CAST(created_at / 86400 AS BIGINT) FROM vent_links "
            "UNION SELECT guild_id, day FROM vent_link_gaps"
        )
    }
    for g, d in days:
        for n in range(64):
            tag = services.keys.tag("vent-find", g, user_id, d, n)
            needles[f"keyed hash vent-find {d} {n}"] = tag.encode("ascii")
            needles[f"keyed hash vent-find {d} {n} (upper case)"] = tag.upper().encode("ascii")
    return needles


async def test_the_postgres_log_holds_statements_but_never_a_member_id_or_keyed_hash(
    pg_log_start, world, simcord_env, sim_services
):
    log_path, start = pg_log_start
    riley = await _seed(world, simcord_env, sim_services)
    needles = await _keyed_hashes(sim_services, riley.id)
    linked = [d for d in personal() if not d.user_columns]
    assert all([await _rows_about(sim_services, d, riley.id) for d in linked])  # the hashes were stored
    asked = await riley.slash(world.general, "privacy forget")
    await riley.click(asked.response.message, label="Yes, erase everything")
    with log_path.open("rb") as log:
        log.seek(start)
        written = log.read()
    # The server logged the statements that stored and erased riley's data, so the search has material.
    assert b"INSERT INTO" in written and b"DELETE FROM" in written
    needles["decimal id"] = str(riley.id).encode("ascii")
    found = [name for name, needle in needles.items() if needle in written]
    assert found == [], "ids and keyed hashes are bound parameters, never in a statement's text"
