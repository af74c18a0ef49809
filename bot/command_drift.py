"""Whether the slash commands Discord shows members match this code's (after an upgrade, say).

Discord keeps the commands that were last published; new code does not change them until someone
runs `make sync`. At start-up the entry point compares the two and warns, naming the command to run.
"""

from __future__ import annotations

from typing import Any

import discord
from discord import app_commands
from discord.ext import commands

# The parts of a command Discord shows a member; ids, versions and localizations are left out.
_OPTION_KEYS = ("type", "description", "required", "autocomplete", "min_value", "max_value", "min_length", "max_length")


def option_shape(option: dict[str, Any]) -> dict[str, Any]:
    """An option as a comparable value, with Discord's defaults filled in."""
    shape: dict[str, Any] = {key: option.get(key) for key in _OPTION_KEYS}
    shape["required"] = bool(shape["required"])
    shape["autocomplete"] = bool(shape["autocomplete"])
    shape["choices"] = [(c["name"], c["value"]) for c in option.get("choices") or []]
    shape["channel_types"] = sorted(option.get("channel_types") or [])
    shape["options"] = {o["name"]: option_shape(o) for o in option.get("options") or []}
    return shape


def command_shape(payload: dict[str, Any], permissions: Any) -> dict[str, Any]:
    """A top-level command as a comparable value."""
    return {
        "type": payload.get("type", 1),
        "description": payload.get("description", ""),
        "permissions": None if permissions is None else str(permissions),
        "options": {o["name"]: option_shape(o) for o in payload.get("options") or []},
    }


def local_shapes(bot: commands.Bot) -> dict[str, dict[str, Any]]:
    """This code's commands, as the tree would publish them."""
    found = {}
    for command in bot.tree.get_commands():
        payload = command.to_dict(bot.tree)
        found[command.name] = command_shape(payload, payload.get("default_member_permissions"))
    return found


def published_shapes(published: list[app_commands.AppCommand]) -> dict[str, dict[str, Any]]:
    """The commands Discord holds for the application."""
    found = {}
    for command in published:
        permissions = command.default_member_permissions
        found[command.name] = command_shape(dict(command.to_dict()), None if permissions is None else permissions.value)
    return found


def differences(local: dict[str, dict[str, Any]], published: dict[str, dict[str, Any]]) -> list[str]:
    """Each command that differs, in words: 'new /x', 'removed /y', 'changed /z'."""
    found = [f"new /{name}" for name in sorted(local.keys() - published.keys())]
    found += [f"removed /{name}" for name in sorted(published.keys() - local.keys())]
    found += [f"changed /{name}" for name in sorted(local.keys() & published.keys()) if local[name] != published[name]]
    return found


async def command_drift(bot: commands.Bot, guild_id: int | None = None) -> list[str]:
    """Compare the commands published (to the dev server when given) with this code's; needs a login."""
    guild = discord.Object(guild_id) if guild_id else None
    published = await bot.tree.fetch_commands(guild=guild)
    return differences(local_shapes(bot), published_shapes(published))
