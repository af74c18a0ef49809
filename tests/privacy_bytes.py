"""Scan the bytes an operator could copy (the database file, its `-wal` and `-shm`) for a member.

A helper module for tests, not a test module. The bot stores a member's id as an SQLite integer
(8 bytes, big-endian, in a record or an index key) and, in a few places, as decimal text (JSON
targets, exports); anonymous venting stores keyed hashes (hex HMAC-SHA256 from `Keys.tag`) and
derives pseudonyms from the upper-cased hex. Little-endian is included too, so a change that
started packing ids another way would still be caught.
"""

from __future__ import annotations

import struct
from collections.abc import Iterable
from pathlib import Path

from bot.keys import Keys
from tests.dbfile import DbAddress, rows

SUFFIXES = ("", "-wal", "-shm")


def id_encodings(user_id: int) -> dict[str, bytes]:
    """Every way the bot writes a member's id, by name."""
    return {
        "decimal text": str(user_id).encode("ascii"),
        "8-byte big-endian integer": struct.pack(">q", user_id),
        "8-byte little-endian integer": struct.pack("<q", user_id),
        "hex text": format(user_id, "x").encode("ascii"),
    }


def keyed_encodings(
    keys: Keys, user_id: int, contexts: Iterable[tuple[str, ...] | tuple[str | int, ...]]
) -> dict[str, bytes]:
    """The keyed hashes of the member for each context, e.g. ("vent-member", guild_id, post_id).

    Each is `Keys.tag(*context, user_id)` as stored (lower-case hex) and upper-cased (pseudonyms
    are read from the upper-cased hex).
    """
    found: dict[str, bytes] = {}
    for context in contexts:
        purpose, *parts = context
        tag = keys.tag(str(purpose), *parts, user_id)
        found[f"keyed hash {purpose}"] = tag.encode("ascii")
        found[f"keyed hash {purpose} (upper case)"] = tag.upper().encode("ascii")
    return found


def scan(db_path: Path | str, needles: dict[str, bytes]) -> dict[str, list[str]]:
    """Which of the database, `-wal` and `-shm` files hold which needles (empty when none do).

    On PostgreSQL: which of the database's own files (tables, indexes, their free-space maps) hold them,
    after a CHECKPOINT has written the server's memory to them. The server's WAL is not scanned: it keeps
    erased rows until the server recycles its segments, as docs/PRIVACY.md says.
    """
    if isinstance(db_path, DbAddress):
        return _scan_postgres(db_path, needles)
    path = Path(db_path)
    hits: dict[str, list[str]] = {}
    for suffix in SUFFIXES:
        file = path.with_name(path.name + suffix)
        data = file.read_bytes() if file.exists() else b""
        names = [name for name, needle in needles.items() if needle in data]
        if names:
            hits[file.name] = names
    return hits


def scan_member(
    db_path: Path | str,
    user_id: int,
    keys: Keys | None = None,
    contexts: Iterable[tuple[str | int, ...]] = (),
) -> dict[str, list[str]]:
    """Scan for the member's id in every encoding, plus their keyed hashes for the given contexts."""
    needles = id_encodings(user_id)
    if keys is not None:
        needles.update(keyed_encodings(keys, user_id, contexts))
    return scan(db_path, needles)


def _scan_postgres(address: DbAddress, needles: dict[str, bytes]) -> dict[str, list[str]]:
    rows(address, "CHECKPOINT")
    oid = rows(address, "SELECT oid FROM pg_database WHERE datname = current_database()")[0][0]
    relations = {
        str(node): name for node, name in rows(address, "SELECT pg_relation_filenode(oid), relname FROM pg_class")
    }
    hits: dict[str, list[str]] = {}
    for file in sorted((address.data_dir / "base" / str(oid)).iterdir()):
        try:
            data = file.read_bytes()
        except FileNotFoundError:
            # The server removes some files on its own between listing and reading (pg_internal.init
            # is dropped whenever the catalog cache is invalidated); a file that is gone holds nothing.
            continue
        names = [name for name, needle in needles.items() if needle in data]
        if names:
            node = file.name.split("_")[0].split(".")[0]
            hits[f"{file.name} ({relations.get(node, 'unknown')})"] = names
    return hits
