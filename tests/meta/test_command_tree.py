"""Meta-tests on the real command tree (every extension loaded): what Discord shows and what it refuses.

Discord shows an option's description under its name while a member types a command; an option
without one shows "…", which tells nobody what to enter. SimCord does not enforce Discord's size
limits on a command, so they are checked here against the same payload the bot publishes.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from bot.app import EXTENSIONS
from bot.testing import make_bot

MAX_CHILDREN = 25  # options or subcommands on one level
MAX_CHOICES = 25
MAX_COMMAND_CHARS = 4000  # names, descriptions, choice names and values of one top-level command
SUBCOMMAND_TYPES = (1, 2)  # option types of a subcommand and a subcommand group


@pytest.fixture
async def loaded_bot(services):
    bot = make_bot(services, sync=False)
    for name in EXTENSIONS:
        await bot.load_extension(name)
    yield bot
    await bot.close()


def published(bot) -> list[dict[str, Any]]:
    """Every top-level command as the payload `--sync` sends to Discord."""
    return [command.to_dict(bot.tree) for command in bot.tree.get_commands()]


def options_with_paths(payload: dict[str, Any], path: str) -> Iterator[tuple[str, dict[str, Any]]]:
    """Every option at any depth, named by its path (e.g. `/config feature enabled`)."""
    for option in payload.get("options", []):
        here = f"{path} {option['name']}"
        if option["type"] in SUBCOMMAND_TYPES:
            yield from options_with_paths(option, here)
        else:
            yield here, option


def levels(payload: dict[str, Any], path: str) -> Iterator[tuple[str, dict[str, Any]]]:
    """The command and every subcommand group or subcommand in it, each with its path."""
    yield path, payload
    for option in payload.get("options", []):
        if option["type"] in SUBCOMMAND_TYPES:
            yield from levels(option, f"{path} {option['name']}")


def counted_chars(payload: dict[str, Any]) -> int:
    """What Discord counts towards a command's 4,000 characters: every name, description and choice."""
    total = len(payload.get("name", "")) + len(payload.get("description", ""))
    for choice in payload.get("choices", []):
        total += len(choice["name"]) + len(str(choice["value"]))
    return total + sum(counted_chars(option) for option in payload.get("options", []))


def test_walk_finds_a_known_option_without_a_description():
    # The walk itself can fail: an option described as discord.py's placeholder is reported by path.
    payload = {"name": "demo", "options": [{"type": 1, "name": "sub", "options": [{"type": 3, "description": "…"}]}]}
    payload["options"][0]["options"][0]["name"] = "word"
    assert [path for path, _ in options_with_paths(payload, "/demo")] == ["/demo sub word"]


async def test_every_option_has_a_description(loaded_bot):
    undescribed = [
        path
        for payload in published(loaded_bot)
        for path, option in options_with_paths(payload, f"/{payload['name']}")
        if not option.get("description") or option["description"] == "…"
    ]
    assert not undescribed, f"describe these options with @app_commands.describe: {undescribed}"


async def test_no_level_has_more_than_25_options_or_choices(loaded_bot):
    for payload in published(loaded_bot):
        for path, level in levels(payload, f"/{payload['name']}"):
            assert len(level.get("options", [])) <= MAX_CHILDREN, path
            for option in level.get("options", []):
                assert len(option.get("choices", [])) <= MAX_CHOICES, f"{path} {option['name']}"


async def test_every_command_fits_in_4000_characters(loaded_bot):
    sizes = {payload["name"]: counted_chars(payload) for payload in published(loaded_bot)}
    too_big = {name: size for name, size in sizes.items() if size > MAX_COMMAND_CHARS}
    assert not too_big, f"Discord refuses a command over {MAX_COMMAND_CHARS} characters: {too_big}"
