"""The PostgreSQL baseline (postgres/0016_baseline.sql) is the schema SQLite reaches after 0001..0016.

A real PostgreSQL 16 (pgserver) runs the baseline; SQLite runs every migration in memory; the two
catalogues are compared table by table, and the two triggers are run side by side on both.
"""

from __future__ import annotations

import re
import sqlite3
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import asyncpg  # type: ignore[import-untyped]  # no stubs or py.typed in asyncpg 0.32
import pytest

from tests.pg import PgServer

MIGRATIONS = Path(__file__).resolve().parents[2] / "bot" / "db" / "migrations"
BASELINE_VERSION = 16

# SQLite's declared type -> PostgreSQL's (information_schema.columns.data_type).
PG_TYPES = {"INTEGER": "bigint", "TEXT": "text", "BLOB": "bytea", "REAL": "double precision"}
# pg_constraint.confdeltype -> SQLite's PRAGMA foreign_key_list on_delete.
PG_ON_DELETE = {"a": "NO ACTION", "r": "RESTRICT", "c": "CASCADE", "n": "SET NULL", "d": "SET DEFAULT"}
# Surrogate keys SQLite numbers when an insert leaves them out; every other INTEGER PRIMARY KEY is a
# Discord id the code always supplies.
IDENTITY_KEYS = {"id", "block_id", "action_id", "note_id"}


def sqlite_migrated() -> sqlite3.Connection:
    """An in-memory SQLite database with every SQLite migration applied in order (the head the PostgreSQL
    folder must equal: its baseline stands for 0001..0016, later migrations have a file in both folders)."""
    db = sqlite3.connect(":memory:")
    db.execute("PRAGMA foreign_keys = ON")
    files = sorted((MIGRATIONS / "sqlite").glob("[0-9][0-9][0-9][0-9]_*.sql"))
    assert [int(path.name[:4]) for path in files] == list(range(1, len(files) + 1))
    later = sorted((MIGRATIONS / "postgres").glob("[0-9][0-9][0-9][0-9]_*.sql"))
    assert [int(path.name[:4]) for path in later] == list(range(BASELINE_VERSION, len(files) + 1)), (
        "every migration after the baseline needs a file of the same number in both folders"
    )
    for path in files:
        db.executescript(path.read_text("utf-8"))
    return db


@pytest.fixture(scope="module")
def lite() -> Iterator[sqlite3.Connection]:
    db = sqlite_migrated()
    yield db
    db.close()


@pytest.fixture(scope="module")
def server(pg_server: PgServer) -> Any:
    """The session's PostgreSQL (tests/pg.py)."""
    return pg_server._server


@pytest.fixture
async def pg(server: Any) -> AsyncIterator[asyncpg.Connection]:
    """A fresh database with the baseline and every later PostgreSQL migration applied, each as one
    multi-statement script, as the runner does."""
    name = f"baseline_{uuid.uuid4().hex}"
    admin = await asyncpg.connect(server.get_uri())
    try:
        await admin.execute(f"CREATE DATABASE {name}")
    finally:
        await admin.close()
    conn = await asyncpg.connect(server.get_uri(name))
    try:
        for path in sorted((MIGRATIONS / "postgres").glob("[0-9][0-9][0-9][0-9]_*.sql")):
            await conn.execute(path.read_text("utf-8"))
        yield conn
    finally:
        await conn.close()


def lite_tables(lite: sqlite3.Connection) -> list[str]:
    rows = lite.execute("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'")
    return sorted(name for (name,) in rows)


async def pg_tables(pg: asyncpg.Connection) -> list[str]:
    rows = await pg.fetch(
        "SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' AND table_type = 'BASE TABLE'"
    )
    return sorted(row["table_name"] for row in rows)


def pg_default(value: str | None) -> str | None:
    """'[]'::text -> '[]', so both catalogues spell a default the same way."""
    return None if value is None else re.sub(r"::(text|bigint)$", "", value)


async def test_same_tables(lite: sqlite3.Connection, pg: asyncpg.Connection) -> None:
    assert await pg_tables(pg) == lite_tables(lite)


async def test_same_columns_types_nullability_defaults(lite: sqlite3.Connection, pg: asyncpg.Connection) -> None:
    for table in lite_tables(lite):
        info = lite.execute(f"PRAGMA table_info({table})").fetchall()
        # A PRIMARY KEY column is NOT NULL in both (SQLite's rowid alias and WITHOUT ROWID keys enforce it
        # even where table_info reports notnull = 0).
        expected = [
            (name, PG_TYPES[decl.upper()], not (notnull or pk), default)
            for _cid, name, decl, notnull, default, pk in info
        ]
        rows = await pg.fetch(
            "SELECT column_name, data_type, is_nullable, column_default FROM information_schema.columns "
            "WHERE table_schema = 'public' AND table_name = $1 ORDER BY ordinal_position",
            table,
        )
        actual = [
            (r["column_name"], r["data_type"], r["is_nullable"] == "YES", pg_default(r["column_default"])) for r in rows
        ]
        assert actual == expected, table


async def test_same_primary_keys_and_identities(lite: sqlite3.Connection, pg: asyncpg.Connection) -> None:
    for table in lite_tables(lite):
        info = lite.execute(f"PRAGMA table_info({table})").fetchall()
        expected = [name for _cid, name, _decl, _nn, _dflt, pk in sorted(info, key=lambda c: c[5]) if pk]
        rows = await pg.fetch(
            "SELECT a.attname FROM pg_index i "
            "JOIN LATERAL unnest(i.indkey) WITH ORDINALITY AS k(attnum, ord) ON true "
            "JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = k.attnum "
            "WHERE i.indrelid = $1::regclass AND i.indisprimary ORDER BY k.ord",
            table,
        )
        assert [r["attname"] for r in rows] == expected, table
        # A lone INTEGER PRIMARY KEY (SQLite's rowid alias) is an identity exactly when it is a surrogate key.
        rowid_alias = len(expected) == 1 and any(c[1] == expected[0] and c[2].upper() == "INTEGER" for c in info)
        identities = await pg.fetch(
            "SELECT column_name FROM information_schema.columns "
            "WHERE table_schema = 'public' AND table_name = $1 AND is_identity = 'YES'",
            table,
        )
        wanted = expected if rowid_alias and expected[0] in IDENTITY_KEYS else []
        assert [r["column_name"] for r in identities] == wanted, table


async def test_same_indexes(lite: sqlite3.Connection, pg: asyncpg.Connection) -> None:
    for table in lite_tables(lite):
        expected = {}
        for _seq, name, unique, origin, partial in lite.execute(f"PRAGMA index_list({table})"):
            if origin != "c":  # PRIMARY KEY and UNIQUE constraints: compared as constraints
                continue
            columns = [col for _seqno, _cid, col in lite.execute(f"PRAGMA index_info({name})")]  # None: expression
            expected[name] = (bool(unique), bool(partial), columns)
        rows = await pg.fetch(
            "SELECT c.relname AS name, i.indisunique AS uniq, i.indpred IS NOT NULL AS partial, "
            "array(SELECT a.attname FROM unnest(i.indkey) WITH ORDINALITY AS k(attnum, ord) "
            "      LEFT JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = k.attnum "
            "      ORDER BY k.ord) AS columns "
            "FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid "
            "WHERE i.indrelid = $1::regclass "
            "AND NOT EXISTS (SELECT 1 FROM pg_constraint k WHERE k.conindid = i.indexrelid)",
            table,
        )
        actual = {r["name"]: (r["uniq"], r["partial"], list(r["columns"])) for r in rows}
        assert actual == expected, table


async def test_same_unique_constraints(lite: sqlite3.Connection, pg: asyncpg.Connection) -> None:
    for table in lite_tables(lite):
        expected = sorted(
            tuple(col for _seqno, _cid, col in lite.execute(f"PRAGMA index_info({name})"))
            for _seq, name, _unique, origin, _partial in lite.execute(f"PRAGMA index_list({table})")
            if origin == "u"
        )
        rows = await pg.fetch(
            "SELECT array(SELECT a.attname FROM unnest(k.conkey) WITH ORDINALITY AS u(attnum, ord) "
            "             JOIN pg_attribute a ON a.attrelid = k.conrelid AND a.attnum = u.attnum ORDER BY u.ord) "
            "       AS columns "
            "FROM pg_constraint k WHERE k.conrelid = $1::regclass AND k.contype = 'u'",
            table,
        )
        assert sorted(tuple(r["columns"]) for r in rows) == expected, table


async def test_same_check_constraints(lite: sqlite3.Connection, pg: asyncpg.Connection) -> None:
    for table in lite_tables(lite):
        (sql,) = lite.execute("SELECT sql FROM sqlite_master WHERE type = 'table' AND name = ?", (table,)).fetchone()
        expected = sql.upper().count("CHECK (")
        count = await pg.fetchval(
            "SELECT count(*) FROM pg_constraint WHERE conrelid = $1::regclass AND contype = 'c'", table
        )
        assert count == expected, table


async def test_same_foreign_keys(lite: sqlite3.Connection, pg: asyncpg.Connection) -> None:
    for table in lite_tables(lite):
        expected = sorted(
            (src, parent, dst, on_delete)
            for _id, _seq, parent, src, dst, _on_update, on_delete, _match in lite.execute(
                f"PRAGMA foreign_key_list({table})"
            )
        )
        rows = await pg.fetch(
            "SELECT a.attname AS src, k.confrelid::regclass::text AS parent, p.attname AS dst, "
            "       k.confdeltype::text AS on_delete, cardinality(k.conkey) AS width "
            "FROM pg_constraint k "
            "JOIN pg_attribute a ON a.attrelid = k.conrelid AND a.attnum = k.conkey[1] "
            "JOIN pg_attribute p ON p.attrelid = k.confrelid AND p.attnum = k.confkey[1] "
            "WHERE k.conrelid = $1::regclass AND k.contype = 'f'",
            table,
        )
        assert all(r["width"] == 1 for r in rows), table
        actual = sorted((r["src"], r["parent"], r["dst"], PG_ON_DELETE[r["on_delete"]]) for r in rows)
        assert actual == expected, table


async def test_same_triggers(lite: sqlite3.Connection, pg: asyncpg.Connection) -> None:
    expected = sorted(lite.execute("SELECT tbl_name, name FROM sqlite_master WHERE type = 'trigger'").fetchall())
    rows = await pg.fetch(
        "SELECT c.relname, t.tgname FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid WHERE NOT t.tgisinternal"
    )
    assert sorted((r["relname"], r["tgname"]) for r in rows) == expected


# --- The triggers, run side by side -------------------------------------------------------------------

DAY = 86400
D3 = 3 * DAY  # a UTC day of links
D5 = 5 * DAY  # another one

SETUP = [
    "INSERT INTO guilds (guild_id, joined_at) VALUES (1, 0)",
    "INSERT INTO guilds (guild_id, joined_at) VALUES (2, 0)",
    f"INSERT INTO vent_posts (post_id, guild_id, channel_id, message_id, is_forum, created_at) "
    f"VALUES (100, 1, 9, 101, 1, {D3 + 10})",
    f"INSERT INTO vent_posts (post_id, guild_id, channel_id, message_id, is_forum, created_at) "
    f"VALUES (200, 1, 9, 201, 0, {D5 + 10})",
    f"INSERT INTO vent_posts (post_id, guild_id, channel_id, message_id, is_forum, created_at) "
    f"VALUES (300, 2, 9, 301, 1, {D3 + 20})",
    f"INSERT INTO vent_replies (message_id, post_id, guild_id, pseudonym, is_op, created_at) "
    f"VALUES (102, 100, 1, 'Fern', 0, {D3 + 30})",
    f"INSERT INTO vent_replies (message_id, post_id, guild_id, pseudonym, is_op, created_at) "
    f"VALUES (103, 100, 1, 'Moss', 0, {D3 + 40})",
]


def link(message_id: int, post_id: int, guild_id: int, finder: str | None, created_at: int | None = None) -> str:
    """A vent_links insert; created_at left out (NULL) unless given, as links were written before 0010."""
    finder_sql = "NULL" if finder is None else f"'{finder}'"
    created_sql = "NULL" if created_at is None else str(created_at)
    return (
        "INSERT INTO vent_links (message_id, post_id, guild_id, member_tag, is_post, expires_at, created_at, finder) "
        f"VALUES ({message_id}, {post_id}, {guild_id}, 'tag', {int(message_id % 100 == 1)}, 9999999999, "
        f"{created_sql}, {finder_sql})"
    )


# Each step is one statement; both databases are compared after every step.
STEPS = [
    link(101, 100, 1, "f-post"),  # the post's created_at
    link(102, 100, 1, "f-reply"),  # the reply's created_at
    link(103, 100, 1, None),  # no finder
    link(104, 100, 1, "f-orphan"),  # no reply or post with that id: created_at stays NULL
    link(105, 100, 1, "f-given", D3 + 50),  # given: kept
    link(201, 200, 1, "f-other-day"),
    link(301, 300, 2, "f-other-guild"),
    "DELETE FROM vent_links WHERE message_id = 102",  # a gap for day 3 of guild 1; links remain that day
    "DELETE FROM vent_links WHERE message_id = 104",  # finder but no created_at: no gap, no error
    "DELETE FROM vent_links WHERE message_id = 103",  # no finder: no gap
    "DELETE FROM vent_links WHERE message_id = 201",  # the last link of day 5: its own gap goes at once
    "DELETE FROM vent_links WHERE message_id = 105",  # a second gap for day 3
    link(106, 100, 1, "f-post-again", D3 + 60),
    "DELETE FROM vent_posts WHERE post_id = 100",  # the cascade takes the last links of day 3, then its gaps
    link(302, 300, 2, "f-g2", D3 + 70),
    "DELETE FROM vent_links WHERE message_id = 302",  # guild 2 keeps a gap (301 remains that day)
    "DELETE FROM guilds WHERE guild_id = 2",  # leaving a server: links, gaps and all go
]

SNAPSHOTS = [
    "SELECT message_id, post_id, guild_id, created_at, finder FROM vent_links ORDER BY message_id",
    "SELECT finder, guild_id, day, expires_at FROM vent_link_gaps ORDER BY finder",
]


async def run_both(lite_db: sqlite3.Connection, pg: asyncpg.Connection) -> list[list[list[tuple[Any, ...]]]]:
    """Run SETUP and STEPS on both databases, asserting equal tables after each step; return PG's snapshots."""
    for statement in SETUP:
        lite_db.execute(statement)
        await pg.execute(statement)
    history = []
    for step in STEPS:
        lite_db.execute(step)
        await pg.execute(step)
        lite_rows = [lite_db.execute(query).fetchall() for query in SNAPSHOTS]
        pg_rows = [[tuple(row) for row in await pg.fetch(query)] for query in SNAPSHOTS]
        assert pg_rows == lite_rows, step
        history.append(pg_rows)
    return history


async def test_triggers_match_sqlite(pg: asyncpg.Connection) -> None:
    lite_db = sqlite_migrated()
    try:
        history = await run_both(lite_db, pg)
    finally:
        lite_db.close()
    # The named expectations, beyond "same as SQLite".
    links_after_inserts = {row[0]: row[3] for row in history[STEPS.index(link(301, 300, 2, "f-other-guild"))][0]}
    assert links_after_inserts[101] == D3 + 10
    assert links_after_inserts[102] == D3 + 30
    assert links_after_inserts[104] is None
    assert links_after_inserts[105] == D3 + 50
    gaps_after_first_delete = history[STEPS.index("DELETE FROM vent_links WHERE message_id = 102")][1]
    assert gaps_after_first_delete == [("f-reply", 1, 3, (3 + 731) * DAY)]
    gaps_after_day5 = history[STEPS.index("DELETE FROM vent_links WHERE message_id = 201")][1]
    assert [gap[0] for gap in gaps_after_day5] == ["f-reply"]
    gaps_after_post = history[STEPS.index("DELETE FROM vent_posts WHERE post_id = 100")][1]
    assert gaps_after_post == []
    assert history[STEPS.index("DELETE FROM vent_links WHERE message_id = 302")][1] == [("f-g2", 2, 3, (3 + 731) * DAY)]
    assert history[-1] == [[], []]


async def test_created_at_trigger_fills_from_post(pg: asyncpg.Connection) -> None:
    await pg.execute("INSERT INTO guilds (guild_id, joined_at) VALUES (7, 0)")
    await pg.execute(
        "INSERT INTO vent_posts (post_id, guild_id, channel_id, message_id, is_forum, created_at) "
        "VALUES (70, 7, 1, 71, 1, 1234567)"
    )
    await pg.execute(
        "INSERT INTO vent_links (message_id, post_id, guild_id, member_tag, is_post, expires_at) "
        "VALUES (71, 70, 7, 'tag', 1, 9999999)"
    )
    assert await pg.fetchval("SELECT created_at FROM vent_links WHERE message_id = 71") == 1234567


async def test_identity_keys_number_rows(pg: asyncpg.Connection) -> None:
    await pg.execute("INSERT INTO guilds (guild_id, joined_at) VALUES (8, 0)")
    first = await pg.fetchval(
        "INSERT INTO schedules (guild_id, kind, recurrence, created_at) VALUES (8, 'k', 'once', 0) RETURNING id"
    )
    second = await pg.fetchval(
        "INSERT INTO schedules (guild_id, kind, recurrence, created_at) VALUES (8, 'k', 'once', 0) RETURNING id"
    )
    assert (first, second) == (1, 2)
    row = await pg.fetchrow("SELECT target, paused, failures FROM schedules WHERE id = $1", first)
    assert tuple(row) == ("{}", 0, 0)
