"""What the query-plan check allows and how it judges (tests/meta/test_query_plans.py, tests/conftest.py).

A statement whose plan reads a whole table that grows with members or posts is a problem, unless the
table or the code that ran it is listed below with the reason.
"""

from __future__ import annotations

import re

from bot.db import Database
from tests.sql_capture import Statement

# Tables whose size does not grow with members or posts, so reading all of them is fine. Each says why.
SMALL_TABLES = {
    "schema_migrations": "one row per migration",
    "guilds": "one row per server the bot is in (a self-hosted bot serves one community)",
    "guild_settings": "a few settings per server",
    "guild_features": "one row per feature per server",
    "pending_rewrites": "at most one row per table of the bot's",
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


async def scan_problems(statements: dict[str, Statement], db: Database) -> list[str]:
    """Each statement whose plan reads a whole growing table, naming the code that ran it."""
    problems = []
    for sql, seen in sorted(statements.items(), key=lambda item: item[1].caller):
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
    return problems
