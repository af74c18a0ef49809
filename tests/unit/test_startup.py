"""Start-up as a person runs it: `python -m bot` in a folder, with or without settings."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
TOKEN = "MTAxMjM0NTY3ODkwMTIzNDU2Nzg5.GaBcDe.abcdefghijklmnopqrstuvwxyz0123456789AB"


def run_bot(cwd: Path, *args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    base = {"PATH": os.environ.get("PATH", ""), "PYTHONPATH": str(ROOT), "HOME": str(cwd)}
    return subprocess.run(
        [sys.executable, "-m", "bot", *args],
        cwd=cwd,
        env={**base, **(env or {})},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_no_env_file_exits_2_naming_the_token(tmp_path):
    result = run_bot(tmp_path)
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert "DISCORD_TOKEN" in lines[0]
    assert "Traceback" not in result.stderr


def test_malformed_token_exits_2_without_echoing_it(tmp_path):
    (tmp_path / ".env").write_text("DISCORD_TOKEN=secret-but-wrong-shape\n")
    result = run_bot(tmp_path)
    assert result.returncode == 2
    assert "DISCORD_TOKEN" in result.stderr
    assert "secret-but-wrong-shape" not in result.stderr + result.stdout


def test_invalid_log_level_exits_2(tmp_path):
    result = run_bot(tmp_path, env={"DISCORD_TOKEN": TOKEN, "LOG_LEVEL": "LOUD"})
    assert result.returncode == 2
    assert result.stderr.strip().startswith("peer-circle: LOG_LEVEL")
    assert TOKEN not in result.stderr


def test_database_path_under_a_file_exits_2(tmp_path):
    (tmp_path / "blocker").write_text("")
    result = run_bot(tmp_path, env={"DISCORD_TOKEN": TOKEN, "DATABASE_PATH": "blocker/bot.db"})
    assert result.returncode == 2
    assert "DATABASE_PATH" in result.stderr
    assert "Traceback" not in result.stderr


def test_check_passes_on_shipped_defaults(tmp_path):
    result = run_bot(tmp_path, "--check")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "check passed" in result.stdout
    assert not (tmp_path / "data").exists(), "--check must not create anything"


def test_check_fails_on_a_database_newer_than_the_code(tmp_path):
    import sqlite3

    (tmp_path / "data").mkdir()
    conn = sqlite3.connect(tmp_path / "data" / "peer-circle.db")
    conn.execute("PRAGMA user_version = 999")
    conn.close()
    result = run_bot(tmp_path, "--check")
    assert result.returncode == 1
    assert "newer than this code" in result.stdout


@pytest.mark.parametrize("flag", ["--check", "--sync"])
def test_help_lists_modes(tmp_path, flag):
    result = run_bot(tmp_path, "--help")
    assert flag in result.stdout


def _broken_content(tmp_path: Path) -> Path:
    import shutil

    folder = tmp_path / "content"
    shutil.copytree(ROOT / "content", folder)
    text = folder / "resources.toml"
    text.write_text(text.read_text("utf-8").replace("https://", "http://", 1), "utf-8")
    return folder


def test_check_fails_on_bad_content_naming_file_and_item(tmp_path):
    folder = _broken_content(tmp_path)
    result = run_bot(tmp_path, "--check", env={"CONTENT_DIR": str(folder)})
    assert result.returncode == 1
    assert "PROBLEM content:" in result.stdout
    assert "resources.toml" in result.stdout and "https" in result.stdout


def test_start_up_stops_on_bad_content(tmp_path):
    folder = _broken_content(tmp_path)
    result = run_bot(tmp_path, env={"DISCORD_TOKEN": TOKEN, "CONTENT_DIR": str(folder)})
    assert result.returncode == 2
    assert result.stderr.startswith("peer-circle: content:")
    assert "resources.toml" in result.stderr
    assert "Traceback" not in result.stderr


def test_content_dir_must_be_a_folder(tmp_path):
    result = run_bot(tmp_path, "--check", env={"CONTENT_DIR": str(tmp_path / "nope")})
    assert result.returncode == 2
    assert "CONTENT_DIR" in result.stderr


def test_check_reports_content_counts(tmp_path):
    result = run_bot(tmp_path, "--check")
    line = next(x for x in result.stdout.splitlines() if x.startswith("content: ok"))
    counts = {name: int(n) for n, name in (part.split(" ", 1) for part in line[len("content: ok (") : -1].split(", "))}
    assert counts["strategies"] >= 60 and counts["groups"] >= 7 and counts["resources"] > 0
    assert counts["prompts:reflection"] >= 30 and counts["prompts:checkin-daily"] >= 20
