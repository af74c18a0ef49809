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

from bot.app import EXTENSIONS, MAINTENANCE_EVERY, MISSING_SERVER_GRACE
from bot.privacy import FORGET_ACTIONS, DataStatement, TableDeclaration, load_declarations
from bot.services.guild_settings import SETTINGS

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

## Promises that apply everywhere

- **Retention applies to what is already stored.** Each server chooses a retention period
  (`/config retention`, {default_days} days unless changed). Items marked "server retention" in the
  table below are never kept longer than that period. When a moderator shortens it, everything older
  than the new period is deleted at once (the moderator sees how many items of each kind, never whose),
  and every maintenance pass (every {maintenance_minutes} minutes) enforces it again.
- **You can act from a direct message, for every server.** The bot cannot see you leave a server. So
  `/privacy show`, `/privacy export` and `/privacy forget` also work in a direct message with the bot,
  and cover every server you have data in, including servers you have left.
- **Forgetting reaches the bot's own messages.** Some direct messages quote something you asked the bot
  to keep (a weekly look-back quotes good moments). The bot keeps only those messages' ids, and deletes
  the messages from your DMs when what they quote is deleted, expires, or is forgotten.
- **A server that removes the bot loses its data.** When the bot is removed it deletes everything
  stored for that server. If that happened while the bot was offline, the bot notices when it next
  connects: a server missing from the list Discord sends then is deleted after {grace_days} days (so a
  mistaken restart costs nothing). A server that is only unavailable during a Discord outage is still
  on that list, and is never deleted for it.
- **Erased means erased on disk.** After `/privacy forget`, after each purge and after a server's
  removal, the database's write-ahead log is folded in and truncated, SQLite overwrites deleted content
  (`secure_delete`), and the log file is kept small (`journal_size_limit`), so erased data does not
  linger in the files an operator backs up.
- **On PostgreSQL (a network running the bot on several machines), erasing goes as far as the bot can
  take it, and no further.** After `/privacy forget`, a server's removal and a shortened retention period,
  the bot rewrites the tables it erased from (and those that lost rows through them) with
  `VACUUM (FULL, ANALYZE)`: each table and its indexes are written afresh without the erased rows, the old
  files are deleted, and the column statistics (whose samples could hold an erased id) are made again,
  then the catalog that kept the old ones is rewritten too (this needs the bot's database role to own the
  database, as docs/DEPLOYMENT.md sets it up; the bot warns at start when it does not).
  Expired rows removed by the routine purge are vacuumed at once and their tables rewritten at most a day
  later. Then `CHECKPOINT` puts the result on disk (this needs the `pg_checkpoint` role; without it the
  server does so at its next checkpoint, within `checkpoint_timeout`, 5 minutes by default).
  What remains for a while: PostgreSQL's write-ahead log (`pg_wal`) keeps erased rows until the server
  recycles those segments, usually within a few checkpoints; WAL archives, replicas and backups keep them
  for as long as the operator keeps those. Ask your operator how long that is.
  PostgreSQL's own log never receives member ids from the bot: every value is sent apart from the
  statement, and the bot warns at start if the server is set to log those values.
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


def intro() -> str:
    """The opening, with the numbers the code uses."""
    return INTRO.format(
        default_days=SETTINGS["retention_days"].default,
        maintenance_minutes=int(MAINTENANCE_EVERY.total_seconds() // 60),
        grace_days=MISSING_SERVER_GRACE.days,
    )


def _forget(decl: TableDeclaration) -> str:
    if not decl.personal:
        return "–"
    return FORGET_ACTIONS[decl.on_forget]


def render() -> str:
    """The whole document."""
    lines = [intro(), "## Feature by feature", ""]
    for statement in statements():
        lines.append(statement.render())
        if statement.tables:
            lines.append("- Tables: " + ", ".join(f"`{t}`" for t in statement.tables))
        lines.append("")
    lines += [
        "## Every table",
        "",
        "| table | feature | about a person? | purpose | who can see it | kept | server retention | /privacy forget |",
        "| --- | --- | --- | --- | --- | --- | --- | --- |",
    ]
    registry = load_declarations(EXTENSIONS)
    for decl in sorted(registry.values(), key=lambda d: (d.feature, d.table)):
        lines.append(
            f"| `{decl.table}` | {decl.feature} | {'yes' if decl.personal else 'no'} | {decl.purpose} | "
            f"{decl.who_can_see} | {decl.retention or '–'} | {'yes' if decl.retention_anchor else '–'} | "
            f"{_forget(decl)} |"
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
