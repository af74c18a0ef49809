"""Meta-tests: the rules every feature must follow, checked against the real bot and schema."""

from __future__ import annotations

from pathlib import Path

import pytest
from discord import app_commands

from bot.app import EXTENSIONS, bot_intents
from bot.db import head_version
from bot.privacy import DataStatement, PrivacyParticipant, load_declarations
from bot.privacy_doc import render
from bot.repositories import schema
from bot.testing import make_bot

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
async def loaded_bot(services):
    bot = make_bot(services, sync=False)
    for name in EXTENSIONS:
        await bot.load_extension(name)
    yield bot
    await bot.close()


async def test_every_extension_loads(loaded_bot):
    assert set(EXTENSIONS) <= set(loaded_bot.extensions)


async def test_no_duplicate_command_names(loaded_bot):
    names = [cmd.name for cmd in loaded_bot.tree.get_commands()]
    assert len(names) == len(set(names))
    for cmd in loaded_bot.tree.walk_commands():
        if isinstance(cmd, app_commands.Group):
            children = [c.name for c in cmd.commands]
            assert len(children) == len(set(children)), cmd.qualified_name


async def test_every_command_has_a_description(loaded_bot):
    for cmd in loaded_bot.tree.walk_commands():
        assert cmd.description and cmd.description != "…", cmd.qualified_name


async def test_every_cog_implements_the_privacy_contract(loaded_bot):
    assert loaded_bot.cogs
    for name, cog in loaded_bot.cogs.items():
        assert isinstance(cog, PrivacyParticipant), f"{name} lacks export_user_data/delete_user_data"
        assert isinstance(type(cog).DATA_STATEMENT, DataStatement), name


async def test_every_table_is_declared_and_every_declaration_exists(loaded_bot, db):
    registry = load_declarations(EXTENSIONS)
    tables = set(await schema.table_names(db))
    undeclared = tables - set(registry)
    assert not undeclared, f"declare these in the privacy registry: {sorted(undeclared)}"
    missing = set(registry) - tables
    assert not missing, f"declared but not in the schema: {sorted(missing)}"


async def test_personal_tables_name_real_columns(loaded_bot, db):
    for decl in load_declarations(EXTENSIONS).values():
        columns = set(await schema.column_names(db, decl.table))
        if decl.personal:
            assert decl.expires_column in columns, decl.table
            assert set(decl.user_columns) <= columns, decl.table
            assert set(decl.columns) == columns, f"describe every column of {decl.table}"


async def test_per_server_tables_cascade_from_guilds(loaded_bot, db):
    for table in await schema.table_names(db):
        if table == "guilds" or "guild_id" not in await schema.column_names(db, table):
            continue
        keys = await schema.foreign_keys(db, table)
        assert ("guild_id", "guilds", "CASCADE") in keys, f"{table}.guild_id must reference guilds ON DELETE CASCADE"


async def test_migrations_reach_head(db):
    assert await db.fetchval("PRAGMA user_version") == head_version()


def test_no_privileged_intents():
    intents = bot_intents()
    assert not intents.message_content
    assert not intents.members
    assert not intents.presences


async def test_privacy_doc_is_current(loaded_bot):
    committed = (ROOT / "docs" / "PRIVACY.md").read_text("utf-8")
    assert committed == render(), "docs/PRIVACY.md is stale: run `make docs`"
