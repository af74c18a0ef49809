"""Migration 0007: every row of the five old tables reaches server_items, and the features see it as before.

The database is built with the old migrations only (0001-0006), every old table gets rows, then the
real migrations run. Numbers have gaps on purpose: a check-in answer stores "server-7" and a
reflection schedule "s:4", so an item must keep its number, not just arrive.
"""

from __future__ import annotations

import shutil
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.app import Services, build_services
from bot.clock import FakeClock
from bot.db import Database, apply_migrations, head_version, open_database
from bot.db.migrate import MIGRATIONS_DIR
from bot.errors import UserFacingError
from bot.keys import ephemeral_keys
from bot.library.service import CHECKIN, REFLECTION, RESOURCE, SUPPORT
from bot.repositories import schema
from cogs.checkins.service import CheckinService
from cogs.reflection.service import ReflectionService
from tests.fake_prompts import placeholder_content

G1, G2 = 100, 200
FRAN, SAM = 7001, 7002
T0, T1 = 1_700_000_000, 1_700_000_500
OLD_TABLES = (
    "checkin_server_prompts",
    "checkin_hidden_prompts",
    "reflection_prompts",
    "server_entries",
    "hidden_builtin_resources",
)

OLD_ROWS: dict[str, list[tuple[object, ...]]] = {
    "checkin_server_prompts (id, guild_id, prompt_set, text, created_at)": [
        (3, G1, "daily", "Our daily question?", T0),
        (7, G1, "weekly", "Our weekly question?", T0),
        (9, G2, "daily", "Another server's question?", T1),
    ],
    "checkin_hidden_prompts (guild_id, prompt_id)": [
        (G1, "checkin-daily-a"),
        (G2, "checkin-weekly-b"),
    ],
    "reflection_prompts (id, guild_id, builtin_id, text, hidden, created_by, created_at, updated_at, expires_at)": [
        (1, G1, "one", "Our wording of one?", 0, FRAN, T0, T1, None),  # a changed built-in
        (2, G1, None, "Our own prompt?", 0, FRAN, T0, T0, None),
        (4, G1, None, "A hidden own prompt?", 1, None, T0, T1, None),
        (5, G1, "two", None, 1, SAM, T1, T1, None),  # a built-in only hidden
        (6, G2, "one", "Wording in the other server?", 1, SAM, T1, T1, None),  # changed and hidden
    ],
    "server_entries (id, guild_id, kind, name, url, description, topic, hidden, created_at, updated_at)": [
        (2, G1, "resource", "Peer Group", "https://a.example.org", "About it.", "groups", 0, T0, T1),
        (5, G1, "resource", "Hidden Group", "https://b.example.org", "Hidden.", None, 1, T0, T0),
        (6, G1, "support", "Warmline", None, "Evenings.", None, 0, T0, T0),
        (8, G2, "support", "Quiet Support", "https://c.example.org", "Hidden here.", None, 1, T1, T1),
    ],
    "hidden_builtin_resources (guild_id, resource_id)": [(G1, "hvn")],
}

# What each old row becomes: (kind, guild, number, builtin_id, variant, name, text, url, topic, hidden, created_by).
EXPECTED = {
    (CHECKIN, G1, 3, None, "daily", None, "Our daily question?", None, None, 0, None),
    (CHECKIN, G1, 7, None, "weekly", None, "Our weekly question?", None, None, 0, None),
    (CHECKIN, G2, 9, None, "daily", None, "Another server's question?", None, None, 0, None),
    (CHECKIN, G1, None, "checkin-daily-a", None, None, None, None, None, 1, None),
    (CHECKIN, G2, None, "checkin-weekly-b", None, None, None, None, None, 1, None),
    (REFLECTION, G1, None, "one", None, None, "Our wording of one?", None, None, 0, FRAN),
    (REFLECTION, G1, 2, None, None, None, "Our own prompt?", None, None, 0, FRAN),
    (REFLECTION, G1, 4, None, None, None, "A hidden own prompt?", None, None, 1, None),
    (REFLECTION, G1, None, "two", None, None, None, None, None, 1, SAM),
    (REFLECTION, G2, None, "one", None, None, "Wording in the other server?", None, None, 1, SAM),
    (RESOURCE, G1, 2, None, None, "Peer Group", "About it.", "https://a.example.org", "groups", 0, None),
    (RESOURCE, G1, 5, None, None, "Hidden Group", "Hidden.", "https://b.example.org", None, 1, None),
    (SUPPORT, G1, 6, None, None, "Warmline", "Evenings.", None, None, 0, None),
    (SUPPORT, G2, 8, None, None, "Quiet Support", "Hidden here.", "https://c.example.org", None, 1, None),
    (RESOURCE, G1, None, "hvn", None, None, None, None, None, 1, None),
}


def old_migrations(folder: Path) -> Path:
    """A folder holding migrations 0001-0006 only: the schema before server_items."""
    folder.mkdir()
    for path in sorted(MIGRATIONS_DIR.glob("000[1-6]_*.sql")):
        shutil.copy(path, folder / path.name)
    return folder


async def filled_old_database(folder: Path) -> Database:
    """A database at version 6 (migrations from `folder`) with rows in every table 0007 replaces."""
    db = await open_database(":memory:")
    assert await apply_migrations(db, folder) == 6
    await db.executemany("INSERT INTO guilds (guild_id, joined_at) VALUES (?, ?)", [(G1, T0), (G2, T0)])
    for table, rows in OLD_ROWS.items():
        marks = ", ".join("?" * len(rows[0]))
        await db.executemany(f"INSERT INTO {table} VALUES ({marks})", rows)
    return db


@pytest.fixture
def old_folder(tmp_path: Path) -> Path:
    """Migrations 0001-0006 in a folder of their own."""
    return old_migrations(tmp_path / "old")


@pytest.fixture
async def migrated(old_folder: Path) -> AsyncIterator[Services]:
    """Services over the old database after the real migrations ran on it."""
    db = await filled_old_database(old_folder)
    assert await apply_migrations(db) == head_version()
    yield build_services(db, FakeClock(), ephemeral_keys(), placeholder_content())
    await db.close()


def checkins_of(services: Services) -> CheckinService:
    return CheckinService.build(services)


def reflection_of(services: Services) -> ReflectionService:
    s = services
    builtins = [("one", "Built-in one?"), ("two", "Built-in two?"), ("three", "Built-in three?")]
    return ReflectionService(s.db, s.clock, s.scheduler, s.guilds, s.library, builtins=lambda: builtins)


async def test_every_old_row_is_a_server_item_and_the_old_tables_are_gone(migrated: Services) -> None:
    rows = await migrated.db.fetchall(
        "SELECT kind, guild_id, number, builtin_id, variant, name, text, url, topic, hidden, created_by"
        " FROM server_items"
    )
    found = [tuple(r) for r in rows]
    assert len(found) == sum(len(rows) for rows in OLD_ROWS.values())
    assert set(found) == EXPECTED
    tables = set(await schema.table_names(migrated.db))
    assert not tables & set(OLD_TABLES)
    times = await migrated.db.fetchall("SELECT created_at, updated_at FROM server_items WHERE number = 4")
    assert [tuple(r) for r in times] == [(T0, T1)]


async def test_check_ins_see_the_same_pool_and_old_ids_still_work(migrated: Services) -> None:
    checkins = checkins_of(migrated)
    daily = {p.id: p.text for p in await checkins.pool(G1, "daily")}
    assert daily == {"checkin-daily-b": "Test daily prompt B", "server-3": "Our daily question?"}
    weekly = {p.id for p in await checkins.pool(G1, "weekly")}
    assert weekly == {"checkin-weekly-a", "checkin-weekly-b", "server-7"}
    assert {p.id for p in await checkins.pool(G2, "mix")} == {
        "checkin-daily-a",
        "checkin-daily-b",
        "checkin-weekly-a",
        "server-9",
    }
    # A kept answer stores the prompt id; its history still shows the prompt.
    assert await checkins.prompt_text(G1, "server-7") == "Our weekly question?"
    assert await checkins.prompt_text(G1, "server-9") is None  # another server's prompt
    # New prompts are numbered after the old ones, never reusing a number answers may hold.
    assert await checkins.add_prompt(G1, "daily", "A new question?") == "server-10"
    assert await checkins.hide_prompt(G1, "server-3")
    assert await checkins.prompt_text(G1, "server-3") is None


async def test_reflection_sees_the_same_library(migrated: Services) -> None:
    reflection = reflection_of(migrated)
    library = [(p.key, p.text, p.hidden, p.changed) for p in await reflection.library(G1, include_hidden=True)]
    assert library == [
        ("b:one", "Our wording of one?", False, True),
        ("b:two", "Built-in two?", True, False),
        ("b:three", "Built-in three?", False, False),
        ("s:2", "Our own prompt?", False, False),
        ("s:4", "A hidden own prompt?", True, False),
    ]
    other = [(p.key, p.text, p.hidden) for p in await reflection.library(G2, include_hidden=True)]
    assert other[0] == ("b:one", "Wording in the other server?", True)
    # A schedule stores "s:4" in its target; the runner finds the prompt by that key.
    found = await reflection.find_prompt(G1, "s:4")
    assert found is not None and found.text == "A hidden own prompt?"
    exported = (await reflection.export(FRAN))["prompts"]
    assert [(p["server"], p["key"], p["text"]) for p in exported] == [
        (str(G1), "b:one", "Our wording of one?"),
        (str(G1), "s:2", "Our own prompt?"),
    ]
    assert [p["key"] for p in (await reflection.export(SAM))["prompts"]] == ["b:two", "b:one"]
    added = await reflection.add_prompt(G1, FRAN, "A new prompt?")
    assert added.key not in {"s:2", "s:4"}


async def test_resources_and_support_see_the_same_lists(migrated: Services) -> None:
    entries = migrated.entries
    shown = [(r.key, r.name, r.topics) for r in await entries.resources(G1)]
    assert shown == [("c:ips", "Intentional Peer Support", ("training",)), ("s2", "Peer Group", ("groups",))]
    assert {r.name for r in await entries.resources(G2)} == {"Intentional Peer Support", "Hearing Voices Network"}
    assert await entries.names(G1, RESOURCE, builtin=False) == ["Hidden Group", "Peer Group"]
    assert await migrated.library.hidden_builtins(G1, RESOURCE) == {"hvn"}
    label, found = await entries.find(G1, "s2")
    assert label == "Peer Group" and [r.url for r in found] == ["https://a.example.org"]
    assert [(o.name, o.url, o.text) for o in await entries.support_options(G1)] == [("Warmline", None, "Evenings.")]
    assert await entries.support_options(G2) == []
    # The old uniqueness rules hold: no second "peer group" in a server, and showing hvn again works.
    assert await entries.set_hidden(G1, RESOURCE, "Hearing Voices Network", False) == "Hearing Voices Network"
    assert "Hearing Voices Network" in {r.name for r in await entries.resources(G1)}
    with pytest.raises(UserFacingError, match="already a resource called"):
        await entries.add(G1, RESOURCE, "PEER group", "https://d.example.org", "Again.")
