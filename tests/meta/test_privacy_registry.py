"""One source of truth: every member-facing data statement is checked against the privacy registry.

A statement names the tables it speaks for; these tests fail when a statement and a table's
declaration disagree (retention, and that nothing personal goes unmentioned). What forget and export
do to each table is checked against the declarations, through the real bot, in
tests/e2e/test_privacy_registry.py.
"""

from __future__ import annotations

from bot.app import EXTENSIONS
from bot.privacy import load_declarations
from bot.privacy_doc import statements
from bot.repositories import schema

RETENTION_WORDS = "retention period"


def test_every_personal_table_is_spoken_for_by_a_statement_and_every_named_table_is_declared():
    registry = load_declarations(EXTENSIONS)
    named = {table for statement in statements() for table in statement.tables}
    assert not named - set(registry), f"statements name tables nobody declared: {sorted(named - set(registry))}"
    not_personal = sorted(t for t in named if not registry[t].personal)
    assert not not_personal, f"statements name tables that hold nothing about a person: {not_personal}"
    silent = sorted(d.table for d in registry.values() if d.personal and d.table not in named)
    # quoting_dms is core: the moments statement names it; any other silent table fails here.
    assert not silent, f"no member-facing statement speaks for these personal tables: {silent}"


def test_a_statement_that_keeps_nothing_names_no_tables():
    for statement in statements():
        if not statement.stores_personal_data:
            assert not statement.tables, statement.feature


def test_server_retention_is_said_wherever_a_table_follows_it():
    registry = load_declarations(EXTENSIONS)
    for decl in registry.values():
        if decl.retention_anchor is None:
            continue
        assert RETENTION_WORDS in decl.retention, f"{decl.table}: its declaration must say it follows the server's"
        speaking = [s for s in statements() if decl.table in s.tables]
        # A table several features share (schedules) follows it for one of them; that one must say so.
        assert any(RETENTION_WORDS in s.how_long for s in speaking), (
            f"{decl.table} is never kept longer than the server's retention period, but no statement that speaks "
            "for it says so in its 'How long'"
        )


def test_a_table_the_code_erases_is_not_described_as_kept_after_forget_and_the_reverse():
    registry = load_declarations(EXTENSIONS)
    for statement in statements():
        text = f"{statement.what} {statement.how_long}".lower()
        unlinked = [t for t in statement.tables if registry[t].on_forget == "unlinked"]
        if unlinked:
            assert "/privacy forget removes your name" in text or "/privacy forget removes the link" in text, (
                f"{statement.feature}: {unlinked} stay after /privacy forget (without your id); the statement "
                "must say so"
            )
        for table in unlinked:
            assert "/privacy forget removes" in registry[table].retention, table


def test_a_table_kept_after_forget_is_said_to_be_kept():
    registry = load_declarations(EXTENSIONS)
    for statement in statements():
        for table in statement.tables:
            if registry[table].on_forget != "kept":
                continue
            assert "/privacy forget" in statement.how_long and "except" in statement.how_long, (
                f"{statement.feature}: {table} stays after /privacy forget; 'How long' must say which part stays"
            )


async def test_a_table_that_follows_server_retention_has_its_anchor_and_a_guild(db):
    registry = load_declarations(EXTENSIONS)
    for decl in registry.values():
        if decl.retention_anchor:
            columns = await schema.column_names(db, decl.table)
            assert decl.retention_anchor in columns and "guild_id" in columns, decl.table
