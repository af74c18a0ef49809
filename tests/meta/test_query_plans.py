"""No statement the bot runs may read a whole table that grows with members or posts.

tests/sql_capture.py records every distinct statement that code under bot/ and cogs/ ran while the
rest of the suite ran (conftest moves this file to the end). Here SQLite says how it would run each
one, on a freshly migrated database file; a full scan ("SCAN t", with or without an index) of a table
not allowed in tests/query_plans.py fails, naming the statement and the code that ran it. A missing
index, or a query written so that no index can serve it, shows up here instead of as a slow /privacy
export at 100k members. Under pytest-xdist the controller runs the same check over every worker's
statements (tests/conftest.py).
"""

from __future__ import annotations

import os

import pytest

from bot.db import Database
from tests.query_plans import ENOUGH, full_scans, scan_problems
from tests.sql_capture import STATEMENTS


def test_a_scan_of_a_growing_table_is_found():
    """The check itself can fail: a plan that reads a whole growing table is reported."""
    assert full_scans(["SCAN moments", "SEARCH moments USING INDEX moments_user (user_id=?)"]) == ["SCAN moments"]
    assert full_scans(["SCAN vent_links USING COVERING INDEX vent_links_created"])
    assert not full_scans(["SCAN guilds", "SEARCH vent_links USING INDEX vent_links_finder (finder=?)"])
    assert not full_scans(["SCAN 3 CONSTANT ROWS", "SCAN moves"])


async def test_no_statement_scans_a_table_that_grows_with_members_or_posts(db: Database):
    if os.environ.get("PYTEST_XDIST_WORKER"):
        # A worker saw only its share of the suite. The controller judges every worker's statements
        # with scan_problems once all have finished, and fails the run if any scans (tests/conftest.py).
        pytest.skip("run in parallel: judged by the controller after every worker finished")
    captured = dict(STATEMENTS)
    if len(captured) < ENOUGH:
        pytest.skip(f"only {len(captured)} statements were recorded: run this with the whole suite")
    problems = await scan_problems(captured, db)
    assert not problems, "full scans of growing tables:\n" + "\n".join(problems)
