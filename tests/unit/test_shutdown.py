"""SIGTERM and SIGINT close the bot and the database cleanly (Discord itself is not contacted)."""

from __future__ import annotations

import asyncio
import os
import signal

import pytest

import bot.__main__ as entry
from bot.config import load_settings
from bot.db import connection

TOKEN = "MTAxMjM0NTY3ODkwMTIzNDU2Nzg5.GaBcDe.abcdefghijklmnopqrstuvwxyz0123456789AB"


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT])
async def test_signal_closes_bot_and_database(tmp_path, monkeypatch, sig):
    opened: list[connection.Database] = []
    real_open = entry.open_database

    async def tracking_open(path):
        db = await real_open(path)
        opened.append(db)
        return db

    async def accept(self, token):
        return None

    async def connect_until_closed(self, *, reconnect=True):
        # Stands in for the gateway connection: runs until close() is called, like the real one.
        asyncio.get_running_loop().call_later(0.05, os.kill, os.getpid(), sig)
        while not self.is_closed():  # noqa: ASYNC110 - discord.Client offers no awaitable "closed"
            await asyncio.sleep(0.01)

    monkeypatch.setattr(entry, "open_database", tracking_open)
    monkeypatch.setattr(entry.PeerCircleBot, "login", accept)
    monkeypatch.setattr(entry.PeerCircleBot, "connect", connect_until_closed)
    settings = load_settings({"DISCORD_TOKEN": TOKEN, "DATABASE_PATH": str(tmp_path / "bot.db")})
    try:
        code = await asyncio.wait_for(entry.run_bot(settings, TOKEN, sync_only=False), timeout=10)
    finally:
        loop = asyncio.get_running_loop()
        loop.remove_signal_handler(signal.SIGTERM)
        loop.remove_signal_handler(signal.SIGINT)
    assert code == 0
    assert len(opened) == 1
    with pytest.raises(ValueError):
        await opened[0].fetchval("SELECT 1")  # the connection is closed
    assert (tmp_path / "bot.keys").exists()


async def test_unreachable_discord_is_one_plain_line_and_exit_1(tmp_path, monkeypatch, capsys):
    import aiohttp

    async def no_route(self, token):
        # What aiohttp raises when discord.com cannot be resolved or reached (nothing is contacted here).
        raise aiohttp.ClientConnectionError("Cannot connect to host discord.com:443")

    monkeypatch.setattr(entry.PeerCircleBot, "login", no_route)
    settings = load_settings({"DISCORD_TOKEN": TOKEN, "DATABASE_PATH": str(tmp_path / "bot.db")})
    code = await entry.run_bot(settings, TOKEN, sync_only=False)
    err = capsys.readouterr().err
    assert code == 1
    assert err.startswith("peer-circle: could not reach Discord (ClientConnectionError)")
    assert len(err.strip().splitlines()) == 1
    assert TOKEN not in err
