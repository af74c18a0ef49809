"""Generate docs/PRIVACY.md from the privacy registry and every cog's DATA_STATEMENT.

`python -m bot.privacy_doc > docs/PRIVACY.md` (or `make docs`). A test fails when the committed file
differs from what this prints, so the published statement cannot drift from the code.
"""

from __future__ import annotations

import importlib
import importlib.util
import inspect
import sys

from discord.ext import commands

from bot.app import EXTENSIONS
from bot.privacy import DataStatement, load_declarations

INTRO = """# What peer-circle keeps, and who can see it

This file is generated from the code (`make docs`); a test fails if it is out of date.

The short version: nothing about you is stored unless you turned a feature on for yourself. You can
see what is kept with `/privacy show`, get a copy with `/privacy export`, and erase all of it at once
with `/privacy forget`. Stored items expire on their own. The bot never reads messages in channels,
never stores usernames or nicknames, and never logs what anyone wrote. No moderator, facilitator,
employer or operator command shows another person's data.

Personal free text you choose to keep (such as check-in answers) is encrypted at rest with a key held
by whoever runs the bot. Anonymous posts are linked to their author only through keyed hashes: a
one-way function of your id and a secret. Nobody can read your id back from them. Someone holding
both the secret and the database could test member ids one at a time to find a match; that is the
one way to link them, and it stops when the linking material expires. One such hash outlasts
`/privacy forget`: a moderator's block on anonymous posting keeps its hash until the block ends or is
lifted (then it is deleted at once), so erasing is not a way round a moderator's decision.
"""


def statements() -> list[DataStatement]:
    """The DATA_STATEMENT of every cog in the extension list, in load order."""
    found: list[DataStatement] = []
    for name in EXTENSIONS:
        cogs: dict[type, DataStatement] = {}
        # A feature package keeps its cogs in `cog.py`; a single-module extension in itself.
        package = importlib.import_module(name)
        modules = [package]
        if hasattr(package, "__path__") and importlib.util.find_spec(f"{name}.cog") is not None:
            modules.append(importlib.import_module(f"{name}.cog"))
        for module in modules:
            for _, obj in inspect.getmembers(module, inspect.isclass):
                if issubclass(obj, commands.Cog) and obj.__module__.startswith(name) and hasattr(obj, "DATA_STATEMENT"):
                    cogs.setdefault(obj, obj.DATA_STATEMENT)
        found += [cogs[cog] for cog in sorted(cogs, key=lambda c: c.__name__)]
    return found


def render() -> str:
    """The whole document."""
    lines = [INTRO, "## Feature by feature", ""]
    for statement in statements():
        lines += [statement.render(), ""]
    lines += [
        "## Every table",
        "",
        "| table | feature | about a person? | purpose | who can see it | kept |",
        "| --- | --- | --- | --- | --- | --- |",
    ]
    registry = load_declarations(EXTENSIONS)
    for decl in sorted(registry.values(), key=lambda d: (d.feature, d.table)):
        lines.append(
            f"| `{decl.table}` | {decl.feature} | {'yes' if decl.personal else 'no'} | {decl.purpose} | "
            f"{decl.who_can_see} | {decl.retention or '–'} |"
        )
    lines.append("")
    personal = [d for d in sorted(registry.values(), key=lambda d: d.table) if d.personal]
    if personal:
        lines += ["## Columns of the tables about a person", ""]
        for decl in personal:
            lines.append(f"### `{decl.table}`")
            if decl.linked_by:
                lines.append(f"Linked to a member by: {decl.linked_by}")
            lines += [f"- `{column}`: {meaning}" for column, meaning in decl.columns.items()]
            lines.append("")
    return "\n".join(lines).rstrip() + "\n"


if __name__ == "__main__":
    sys.stdout.write(render())
