"""A read-only look at the database file before the bot opens it for writing.

A damaged, truncated, unreadable or newer-than-the-code file stops start-up with one plain line and
is left exactly as it was: nothing is written to it, no side files are made, and (because this runs
before the keys are loaded) no keys file is created either. The look is cheap: the 100-byte header,
the schema version and SQLite's `quick_check`, which reads each page once.
"""

from __future__ import annotations

import sqlite3
import stat
from pathlib import Path

from bot.db.connection import UnusableDatabaseError, read_only_uri
from bot.db.migrate import head_version, newer_than_code

__all__ = ["UnusableDatabaseError", "check_database_file"]

_MAGIC = b"SQLite format 3\x00"
_HEADER_SIZE = 100
_RESTORE = "It was left as it is; restore it from a backup (together with its .keys file), then start again."


def _damaged(path: Path, why: str) -> UnusableDatabaseError:
    # SQLite's own words can span lines; the person starting the bot gets one.
    reason = " ".join(why.replace("*", "").split())[:120]
    return UnusableDatabaseError(f"DATABASE_PATH: {path} is damaged ({reason}). {_RESTORE}")


def _unreadable(path: Path, error: BaseException) -> UnusableDatabaseError:
    return UnusableDatabaseError(
        f"DATABASE_PATH: {path} cannot be read ({type(error).__name__}). It was left as it is; "
        "check that this user can read and write it, then start again."
    )


def _look_inside(path: Path, head: int) -> None:
    """Read the schema version and run quick_check without writing anything."""
    try:
        conn = sqlite3.connect(read_only_uri(path), uri=True)
    except sqlite3.Error as error:
        raise _unreadable(path, error) from error
    try:
        version = int(conn.execute("PRAGMA user_version").fetchone()[0])
        if version > head:
            raise newer_than_code(path, version, head)
        (first, *_) = conn.execute("PRAGMA quick_check(1)").fetchone()
        if first != "ok":
            raise _damaged(path, f"SQLite's check says: {first}")
    except sqlite3.OperationalError as error:
        # "disk I/O error", "unable to open": the file is there but could not be read.
        raise _unreadable(path, error) from error
    except sqlite3.DatabaseError as error:
        # "file is not a database", "database disk image is malformed".
        raise _damaged(path, f"SQLite says: {error}") from error
    finally:
        conn.close()


def check_database_file(path: Path, head: int | None = None) -> None:
    """Raise UnusableDatabaseError if the file at `path` exists and cannot be used as this code's database.

    No file, or an empty one, is fine: SQLite makes a new database there.
    """
    try:
        info = path.stat()
    except FileNotFoundError:
        return
    except OSError as error:
        raise _unreadable(path, error) from error
    if not stat.S_ISREG(info.st_mode):
        raise UnusableDatabaseError(
            f"DATABASE_PATH: {path} is not a regular file. Point DATABASE_PATH at a file, such as data/peer-circle.db."
        )
    if info.st_size == 0:
        return
    try:
        with path.open("rb") as file:
            header = file.read(_HEADER_SIZE)
    except OSError as error:
        raise _unreadable(path, error) from error
    if len(header) < _HEADER_SIZE or not header.startswith(_MAGIC):
        raise _damaged(path, "it does not begin like an SQLite database; it may be cut short or another kind of file")
    _look_inside(path, head_version() if head is None else head)
