"""Starting the bot as an operator would: `make run` falls back to the demo, production never does,
and the keys file appears only once Discord has accepted the token."""

from __future__ import annotations

import json
import logging
import os
import selectors
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import discord
import pytest

import bot.__main__ as entry
from bot.app import PeerCircleBot
from bot.config import load_settings

ROOT = Path(__file__).resolve().parents[2]
TOKEN = "MTAxMjM0NTY3ODkwMTIzNDU2Nzg5.GaBcDe.abcdefghijklmnopqrstuvwxyz0123456789AB"


def clean_env(tmp_path: Path, **extra: str) -> dict[str, str]:
    """No token, no desktop (so no browser opens), the database somewhere we can watch."""
    return {
        "PATH": os.environ.get("PATH", ""),
        "PYTHONPATH": str(ROOT),
        "HOME": str(tmp_path),
        "DATABASE_PATH": str(tmp_path / "real" / "bot.db"),
        **extra,
    }


def read_until(proc: subprocess.Popen[bytes], needle: str, seconds: float = 60.0) -> str:
    """Everything the process printed until `needle` appeared (fails after `seconds`).

    Reads the raw pipe: a buffered readline could hold the awaited line while select() waits.
    """
    assert proc.stdout is not None
    seen = b""
    with selectors.DefaultSelector() as selector:
        selector.register(proc.stdout, selectors.EVENT_READ)
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline and needle.encode() not in seen:
            if selector.select(timeout=0.5):
                chunk = os.read(proc.stdout.fileno(), 65536)
                if not chunk:
                    break
                seen += chunk
    text = seen.decode()
    assert needle in text, f"never printed {needle!r}; printed:\n{text}"
    return text


def test_make_run_without_a_token_starts_the_demo_loudly_and_stops_cleanly(tmp_path):
    # stderr goes to a file: a pipe nobody reads could fill up and stall the demo.
    errors = (tmp_path / "stderr.txt").open("w")
    proc = subprocess.Popen(
        [sys.executable, "-m", "bot", "--demo-without-token"],
        cwd=tmp_path,
        env=clean_env(tmp_path),
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=errors,
    )
    try:
        # The line after the address, so the address has arrived whole.
        shown = read_until(proc, "Stop the demo with Ctrl-C", seconds=120)
        assert "No DISCORD_TOKEN is set" in shown
        assert "offline demo" in shown and "simulated server" in shown
        url = next(line.strip() for line in shown.splitlines() if line.strip().startswith("http://127.0.0.1:"))
        with urllib.request.urlopen(url.split("#")[0], timeout=10) as page:  # loopback only
            assert page.status == 200
        proc.send_signal(signal.SIGINT)
        rest, _ = proc.communicate(timeout=60)
        out = shown + rest.decode()
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()
        errors.close()
    err = (tmp_path / "stderr.txt").read_text()
    assert proc.returncode == 0, err
    assert "Demo ended" in out
    assert "Traceback" not in err
    assert not (tmp_path / "real").exists(), "the demo must never touch DATABASE_PATH"


def test_strict_entry_points_exit_2_without_a_token_and_never_start_the_demo(tmp_path):
    for command in (["-m", "bot"], ["-m", "bot.cli", "run"]):
        result = subprocess.run(
            [sys.executable, *command],
            cwd=tmp_path,
            env=clean_env(tmp_path),
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
        assert result.returncode == 2, (command, result.stderr)
        assert "DISCORD_TOKEN" in result.stderr
        assert "demo" not in result.stdout + result.stderr
    assert not (tmp_path / "real").exists()


def test_console_script_lists_its_modes(tmp_path):
    result = subprocess.run(
        [sys.executable, "-m", "bot.cli", "--help"],
        cwd=tmp_path,
        env=clean_env(tmp_path),
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0
    assert "{run,check,sync,demo,migrate-to-postgres,keys}" in result.stdout
    pyproject = (ROOT / "pyproject.toml").read_text("utf-8")
    assert 'peer-circle = "bot.cli:main"' in pyproject


@pytest.fixture
def settings(tmp_path):
    return load_settings({"DISCORD_TOKEN": TOKEN, "DATABASE_PATH": str(tmp_path / "data" / "bot.db")})


@pytest.fixture
def no_network(monkeypatch):
    """Stand-ins for the three calls that would reach Discord; each test chooses how login goes."""

    async def connect(self: PeerCircleBot, *, reconnect: bool = True) -> None:
        return None

    monkeypatch.setattr(PeerCircleBot, "connect", connect)
    return monkeypatch


async def test_a_refused_token_leaves_no_keys_file(settings, no_network):
    async def refuse(self: PeerCircleBot, token: str) -> None:
        raise discord.LoginFailure("Improper token has been passed.")

    no_network.setattr(PeerCircleBot, "login", refuse)
    assert await entry.run_bot(settings, TOKEN, sync_only=False) == 2
    assert not settings.keys_path.exists()


async def test_an_accepted_token_writes_keys_and_warns_when_commands_differ(settings, no_network, caplog):
    async def accept(self: PeerCircleBot, token: str) -> None:
        return None

    async def drift(bot: PeerCircleBot, guild_id: int | None = None) -> list[str]:
        return ["new /help"]

    no_network.setattr(PeerCircleBot, "login", accept)
    no_network.setattr(entry, "command_drift", drift)
    with caplog.at_level(logging.WARNING, logger="bot"):
        assert await entry.run_bot(settings, TOKEN, sync_only=False) == 0
    assert settings.keys_path.exists()
    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert any("new /help" in w and "make sync" in w for w in warnings), warnings
    assert any("created new secret keys" in w for w in warnings), warnings


async def test_keys_file_that_cannot_be_written_is_named_not_blamed_on_the_network(settings, no_network, capsys):
    async def accept(self: PeerCircleBot, token: str) -> None:
        return None

    def refuse_write(path: Path, stored: dict[str, str]) -> None:
        raise PermissionError(13, "Permission denied")  # as for a folder this user cannot write (not root)

    no_network.setattr(PeerCircleBot, "login", accept)
    no_network.setattr(entry, "write_keys_file", refuse_write)
    assert await entry.run_bot(settings, TOKEN, sync_only=False) == 2
    err = capsys.readouterr().err
    assert err.startswith("peer-circle: keys file: cannot write")
    assert "reach Discord" not in err


def test_keys_prints_the_keys_file_as_env_lines_every_host_can_use(tmp_path):
    env = {**clean_env(tmp_path), "DATABASE_PATH": str(tmp_path / "data" / "bot.db")}
    first = subprocess.run(
        [sys.executable, "-m", "bot.cli", "keys"], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=60
    )
    assert first.returncode == 0, first.stderr
    lines = dict(line.split("=", 1) for line in first.stdout.splitlines())
    assert set(lines) == {"ENCRYPTION_KEY", "HASH_KEY"}
    assert "new keys" in first.stderr
    # With a keys file beside the database, those are the keys printed (the database was written with them).
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "bot.keys").write_text(
        json.dumps({"encryption_key": lines["ENCRYPTION_KEY"], "hash_key": lines["HASH_KEY"]}), "utf-8"
    )
    again = subprocess.run(
        [sys.executable, "-m", "bot.cli", "keys"], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=60
    )
    assert dict(line.split("=", 1) for line in again.stdout.splitlines()) == lines
    assert "new keys" not in again.stderr
