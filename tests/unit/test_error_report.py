"""Unexpected errors are logged with an id, a type and a place, never with their message."""

from __future__ import annotations

import logging

import pytest

from bot.errors import frame_trail


def _fails_with_text() -> None:
    raise ValueError("a member wrote: my coworker Dana said something awful")


def test_frame_trail_names_place_not_message():
    try:
        _fails_with_text()
    except ValueError as error:
        trail = frame_trail(error)
    assert trail.startswith("test_error_report.py:")
    assert "_fails_with_text" in trail
    assert "Dana" not in trail


@pytest.mark.provokes(error=RuntimeError)
async def test_unexpected_command_error_log_holds_no_message(simcord_env, caplog):
    from tests.e2e.world import make_world

    world = make_world(simcord_env)
    bot = simcord_env.bot
    original = bot.services.guilds.get

    async def broken(guild_id):
        raise RuntimeError("secret words someone typed")

    bot.services.guilds.get = broken
    caplog.set_level(logging.DEBUG)
    try:
        result = await world.mod.slash(world.general, "config show")
    finally:
        bot.services.guilds.get = original
    assert "Something went wrong on my side (error id" in result.response.content
    logged = caplog.text  # formatted, tracebacks included
    assert "RuntimeError at" in logged
    assert "secret words" not in logged
