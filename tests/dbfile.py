"""Reading the database file itself after an action, as an operator or a backup would.

A separate sqlite3 connection sees what is on disk (the main file and its -wal), not what the bot's
own connection might still hold in memory.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path, PosixPath
from typing import Any


class DbAddress(PosixPath):
    """Stands where a test expects the database file when the test runs on PostgreSQL.

    `url` is the database's address and `data_dir` the server's data folder (for tests/privacy_bytes.py).
    """

    url: str
    data_dir: Path

    @classmethod
    def of(cls, url: str, data_dir: Path) -> DbAddress:
        """The stand-in for one PostgreSQL database."""
        address = cls(data_dir)
        address.url = url
        address.data_dir = data_dir
        return address


def rows(db_path: Path, sql: str, params: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """Run one read-only query on its own connection (the file itself for SQLite) and return its rows.

    Write values as `$1, $2…` to run on both engines (SQLite binds them by name).
    """
    if isinstance(db_path, DbAddress):
        from tests.pg import read_rows

        return read_rows(db_path.url, sql, params)
    conn = sqlite3.connect(f"file:{db_path}?mode=ro", uri=True)
    try:
        bound: Any = {str(i): v for i, v in enumerate(params, start=1)} if "$1" in sql else params
        return conn.execute(sql, bound).fetchall()
    finally:
        conn.close()


def count(db_path: Path, table: str, where: str = "TRUE", params: tuple[Any, ...] = ()) -> int:
    """How many rows of `table` match `where` in the file."""
    return int(rows(db_path, f"SELECT COUNT(*) FROM {table} WHERE {where}", params)[0][0])
