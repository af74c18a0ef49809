"""Reading the database file itself after an action, as an operator or a backup would.

A separate sqlite3 connection sees what is on disk (the main file and its -wal), not what the bot's
own connection might still hold in memory.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any


def rows(db_path: Path, sql: str, params: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """Run one read-only query on the database file and return its rows."""
    conn = sqlite3.connect(f"file:{db_path}?mode=ro", uri=True)
    try:
        return conn.execute(sql, params).fetchall()
    finally:
        conn.close()


def count(db_path: Path, table: str, where: str = "1", params: tuple[Any, ...] = ()) -> int:
    """How many rows of `table` match `where` in the file."""
    return int(rows(db_path, f"SELECT COUNT(*) FROM {table} WHERE {where}", params)[0][0])
