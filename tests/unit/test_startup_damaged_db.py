"""A damaged, truncated, newer or unreadable database stops `python -m bot` cleanly.

Each case runs the real entry point in a subprocess with a timeout: exit status 2, one plain line,
the file byte-for-byte as it was, no keys file and no -wal/-shm files beside it. Discord is never
contacted: every case stops before the bot is built.
"""

from __future__ import annotations

import asyncio
import hashlib
import os
import sqlite3
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path

import pytest

import bot.__main__ as entry
from bot.config import load_settings
from bot.db import apply_migrations, head_version, open_database

ROOT = Path(__file__).resolve().parents[2]
TOKEN = "MTAxMjM0NTY3ODkwMTIzNDU2Nzg5.GaBcDe.abcdefghijklmnopqrstuvwxyz0123456789AB"
PAGE = 4096


async def make_real_database(path: Path) -> None:
    """A migrated database with some rows, closed cleanly (WAL checkpointed, no side files)."""
    db = await open_database(path)
    await apply_migrations(db)
    await db.executemany("INSERT INTO guilds (guild_id, joined_at) VALUES (?, 0)", [(n,) for n in range(1, 3000)])
    await db.close()


def truncate_half(path: Path) -> None:
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])


def truncate_header(path: Path) -> None:
    path.write_bytes(path.read_bytes()[:50])


def scramble_a_middle_page(path: Path) -> None:
    # The header and schema page stay intact, so only a check of the pages themselves notices.
    data = bytearray(path.read_bytes())
    middle = (len(data) // PAGE // 2) * PAGE
    data[middle : middle + PAGE] = bytes((i * 37 + 11) % 256 for i in range(PAGE))
    path.write_bytes(bytes(data))


def scramble_the_first_page(path: Path) -> None:
    data = bytearray(path.read_bytes())
    for i in range(100, PAGE, 7):
        data[i] ^= 0xFF
    path.write_bytes(bytes(data))


def replace_with_other_bytes(path: Path) -> None:
    path.write_bytes(b"this is not a database\n" * 400)


def newer_wal(path: Path) -> None:
    conn = sqlite3.connect(path)
    conn.execute(f"PRAGMA user_version = {head_version() + 1}")
    conn.close()


def newer_rollback_journal(path: Path) -> None:
    # A newer release that left the file in rollback-journal mode: opening it for writing would
    # switch it to WAL, which changes the header, so the refusal must come before that.
    path.unlink()
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE future (x INTEGER)")
    conn.execute(f"PRAGMA user_version = {head_version() + 5}")
    conn.close()


def fifo(path: Path) -> None:
    path.unlink()
    os.mkfifo(path)


def symlink_loop(path: Path) -> None:
    path.unlink()
    path.symlink_to(path.name)


def no_permission(path: Path) -> None:
    path.chmod(0)


CASES: dict[str, tuple[Callable[[Path], None], str]] = {
    "truncated to half": (truncate_half, "is damaged"),
    "truncated inside the header": (truncate_header, "is damaged"),
    "a scrambled page in the middle": (scramble_a_middle_page, "is damaged"),
    "a scrambled first page": (scramble_the_first_page, "is damaged"),
    "another kind of file": (replace_with_other_bytes, "is damaged"),
    "newer schema (WAL)": (newer_wal, "newer than this code"),
    "newer schema (rollback journal)": (newer_rollback_journal, "newer than this code"),
    "a FIFO, not a file": (fifo, "is not a regular file"),
    "a symlink loop": (symlink_loop, "cannot be read"),
    "no read permission": (no_permission, "cannot be read"),
}


def snapshot(folder: Path) -> dict[str, str]:
    """Every entry in the folder, with a hash of each regular file's bytes."""
    seen: dict[str, str] = {}
    for item in sorted(folder.iterdir()):
        if item.is_symlink() or not item.is_file():
            seen[item.name] = "special"
        else:
            seen[item.name] = hashlib.sha256(item.read_bytes()).hexdigest()
    return seen


@pytest.fixture(params=list(CASES), ids=list(CASES))
async def damaged(request, tmp_path) -> tuple[Path, str]:
    damage, expected = CASES[request.param]
    if damage is no_permission and os.geteuid() == 0:
        pytest.skip("root reads any file; this case runs for any other user")
    folder = tmp_path / "data"
    folder.mkdir()
    path = folder / "peer-circle.db"
    await make_real_database(path)
    damage(path)
    return path, expected


def test_python_m_bot_exits_2_with_one_line_and_touches_nothing(damaged, tmp_path):
    path, expected = damaged
    before = snapshot(path.parent)
    env = {
        "PATH": os.environ.get("PATH", ""),
        "PYTHONPATH": str(ROOT),
        "HOME": str(tmp_path),
        "DISCORD_TOKEN": TOKEN,
        "DATABASE_PATH": str(path),
    }
    # A hang (the old behaviour on a damaged file) fails here instead of blocking the suite.
    result = subprocess.run(
        [sys.executable, "-m", "bot"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=20,
        check=False,
    )
    assert result.returncode == 2, result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith(f"peer-circle: DATABASE_PATH: {path}"), lines[0]
    assert expected in lines[0]
    assert "Traceback" not in result.stderr and TOKEN not in result.stderr
    assert result.stdout == ""
    assert snapshot(path.parent) == before, "the file must be left exactly as it was, with nothing beside it"
    assert not (path.parent / "peer-circle.keys").exists()


async def test_the_refusal_itself_takes_under_a_second(damaged):
    """The part the bot controls, without the interpreter's start-up: well within one second."""
    path, _ = damaged
    settings = load_settings({"DISCORD_TOKEN": TOKEN, "DATABASE_PATH": str(path)})
    started = time.monotonic()
    code = await asyncio.wait_for(entry.run_bot(settings, TOKEN, sync_only=False), timeout=5)
    assert code == 2
    assert time.monotonic() - started < 1.0
    assert not settings.keys_path.exists()


def _threads_that_keep_a_process_alive() -> set[threading.Thread]:
    # aiosqlite's worker is a plain non-daemon Thread: while one runs, the interpreter cannot exit.
    return {t for t in threading.enumerate() if t.is_alive() and not t.daemon and t is not threading.main_thread()}


async def test_open_database_closes_its_thread_when_the_file_is_damaged(tmp_path):
    """Without this, a failed open leaves aiosqlite's worker thread running and the process never exits."""
    path = tmp_path / "bad.db"
    replace_with_other_bytes(path)
    before = _threads_that_keep_a_process_alive()
    with pytest.raises(sqlite3.DatabaseError):
        await open_database(path)
    for _ in range(100):
        if not _threads_that_keep_a_process_alive() - before:
            break
        await asyncio.sleep(0.01)
    assert not _threads_that_keep_a_process_alive() - before


async def test_apply_migrations_refuses_a_newer_database_and_changes_nothing(tmp_path):
    from bot.db import UnusableDatabaseError

    db = await open_database(tmp_path / "x.db")
    try:
        await db.execute(f"PRAGMA user_version = {head_version() + 1}")
        with pytest.raises(UnusableDatabaseError, match="newer than this code"):
            await apply_migrations(db)
        assert await db.fetchval("PRAGMA user_version") == head_version() + 1
        assert await db.fetchval("SELECT count(*) FROM sqlite_master") == 0
    finally:
        await db.close()


async def test_a_healthy_database_and_a_missing_one_pass_the_look(tmp_path):
    from bot.db import check_database_file

    check_database_file(tmp_path / "none.db")
    (tmp_path / "empty.db").write_bytes(b"")
    check_database_file(tmp_path / "empty.db")
    path = tmp_path / "real.db"
    await make_real_database(path)
    before = snapshot(tmp_path)
    check_database_file(path)
    assert snapshot(tmp_path) == before
