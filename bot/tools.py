"""Operator tools run from the `peer-circle` command: moving to PostgreSQL, and the keys every host needs."""

from __future__ import annotations

import asyncio
import json
import os
import sys

from dotenv import find_dotenv, load_dotenv

from bot.config import SettingsError, check_database_path, check_database_url
from bot.db.connection import UnusableDatabaseError
from bot.keys import load_keys


def run_tool(name: str) -> int:
    """Run one tool; 0 on success, 1 when it failed (the message says why), 2 for a wrong setting."""
    load_dotenv(find_dotenv(usecwd=True))
    try:
        if name == "keys":
            return print_keys()
        return copy_to_postgres()
    except SettingsError as error:
        print(f"peer-circle: {error}", file=sys.stderr)
        return 2


def copy_to_postgres() -> int:
    """Copy DATABASE_PATH into the empty PostgreSQL database at DATABASE_URL and print the counts."""
    from bot.db.transfer import TransferError, migrate_to_postgres

    path = check_database_path(os.environ.get("DATABASE_PATH"))
    url = check_database_url(os.environ.get("DATABASE_URL"))
    if url is None:
        raise SettingsError("DATABASE_URL", "not set: give the address of the new, empty PostgreSQL database.")
    try:
        counts = asyncio.run(migrate_to_postgres(path, url))
    except (TransferError, UnusableDatabaseError) as error:
        print(f"peer-circle: {error}", file=sys.stderr)
        return 1
    width = max(len(c.table) for c in counts)
    print(f"{'table':<{width}}  {'sqlite':>9}  {'postgres':>9}")
    for count in counts:
        print(f"{count.table:<{width}}  {count.sqlite:>9}  {count.postgres:>9}")
    print(f"copied {sum(c.postgres for c in counts)} rows in {len(counts)} tables; every count matches.")
    print("Next: set ENCRYPTION_KEY and HASH_KEY on every host (`peer-circle keys`), then start with DATABASE_URL.")
    return 0


def print_keys() -> int:
    """Print the keys (from the environment or the keys file beside DATABASE_PATH) as .env lines."""
    path = check_database_path(os.environ.get("DATABASE_PATH"))
    keys_path = path.with_name(path.stem + ".keys")
    _, generated = load_keys(keys_path, os.environ.get("ENCRYPTION_KEY"), os.environ.get("HASH_KEY"))
    stored = json.loads(keys_path.read_text("utf-8")) if keys_path.exists() else {}
    stored.update(generated or {})
    encryption = os.environ.get("ENCRYPTION_KEY") or stored["encryption_key"]
    hashing = os.environ.get("HASH_KEY") or stored["hash_key"]
    if generated and not keys_path.exists():
        print("# new keys: no keys file or environment values were found", file=sys.stderr)
    print("# secret: put these in every host's .env and nowhere public", file=sys.stderr)
    print(f"ENCRYPTION_KEY={encryption}")
    print(f"HASH_KEY={hashing}")
    return 0
