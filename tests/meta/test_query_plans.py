"""No statement the bot runs may read a whole table that grows with members or posts.

tests/sql_capture.py records every distinct statement that code under bot/ and cogs/ ran while the
rest of the suite ran (conftest moves this file to the end). Here SQLite says how it would run each
one, on a freshly migrated database file; a full scan ("SCAN t", with or without an index) of a table
not allowed below fails, naming the statement and the code that ran it. A missing index, or a query
written so that no index can serve it, shows up here instead of as a slow /privacy export at 100k members.
"""

from __future__ import annotations

import re

import pytest

from bot.db import Database
from tests.sql_capture import STATEMENTS

# Tables whose size does not grow with members or posts, so reading all of them is fine. Each says why.
SMALL_TABLES = {
    "schema_migrations": "one row per migration",
    "guilds": "one row per server the bot is in (a self-hosted bot serves one community)",
    "guild_settings": "a few settings per server",
    "guild_features": "one row per feature per server",
    "sqlite_master": "the schema",
    "sqlite_schema": "the schema",
    "moves": "the claim batch's own VALUES list (bot/scheduling/repository.py), at most one batch long",
}
# Statements that are tools, not paths a member's action or a job takes: each says why it may scan.
TOOLS = {
    "rows_mentioning": "the tests' own check that forget left nothing behind, in any column (never run by the bot)",
}
# Single statements that read a whole growing table on purpose, by "path (function)": each says why.
WHOLE_ON_PURPOSE = {
    ("bot/delivery/repository.py", "count"): "how many messages are owed: tests and checks only, no member's path",
    ("bot/delivery/repository.py", "members"): "who is owed a notice, read once at start into memory",
    ("cogs/venting/repository.py", "unexpired"): (
        "moderators' unread notes to authors (each goes when read or when its message's link ends): export and "
        "forget test every note's keyed hash, which an index could only serve by linking a member's messages; "
        "the per-server read at /vent goes through the server index"
    ),
}
# Code whose statements run once, not per member or per action: migrations copy whole tables on purpose.
ONE_OFF = ("bot/db/migrate.py",)
# Fewer distinct statements than this means the suite did not run (this file run alone): nothing to judge.
ENOUGH = 50
SCAN = re.compile(r"\bSCAN (?:TABLE )?(\w+)")


def full_scans(plan_details: list[str]) -> list[str]:
    """The tables a plan reads whole (a SCAN step), other than the small ones allowed above."""
    found = []
    for detail in plan_details:
        match = SCAN.search(detail)
        if match and match.group(1) not in SMALL_TABLES and "CONSTANT ROW" not in detail:
            found.append(detail)
    return found


def test_a_scan_of_a_growing_table_is_found():
    """The check itself can fail: a plan that reads a whole growing table is reported."""
    assert full_scans(["SCAN moments", "SEARCH moments USING INDEX moments_user (user_id=?)"]) == ["SCAN moments"]
    assert full_scans(["SCAN vent_links USING COVERING INDEX vent_links_created"])
    assert not full_scans(["SCAN guilds", "SEARCH vent_links USING INDEX vent_links_finder (finder=?)"])
    assert not full_scans(["SCAN 3 CONSTANT ROWS", "SCAN moves"])


async def test_no_statement_scans_a_table_that_grows_with_members_or_posts(db: Database):
    captured = dict(STATEMENTS)
    if len(captured) < ENOUGH:
        pytest.skip(f"only {len(captured)} statements were recorded: run this with the whole suite")
    problems = []
    for sql, seen in sorted(captured.items(), key=lambda item: item[1].caller):
        if not re.match(r"\s*(SELECT|INSERT|UPDATE|DELETE|WITH|REPLACE)\b", sql, re.IGNORECASE):
            continue
        if any(f"({tool})" in seen.caller for tool in TOOLS) or seen.caller.startswith(ONE_OFF):
            continue
        if any(seen.caller.startswith(path) and f"({name})" in seen.caller for path, name in WHOLE_ON_PURPOSE):
            continue
        rows = await db.fetchall(f"EXPLAIN QUERY PLAN {sql}", seen.params)
        scans = full_scans([str(row["detail"]) for row in rows])
        if scans:
            problems.append(f"{seen.caller}: {'; '.join(scans)}\n    {' '.join(sql.split())[:300]}")
    assert not problems, "full scans of growing tables:\n" + "\n".join(problems)
