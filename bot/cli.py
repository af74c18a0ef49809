"""The `peer-circle` command installed with the package: `peer-circle run|check|sync|demo|migrate-to-postgres|keys`.

`run` is strict, like `python -m bot`: without DISCORD_TOKEN it exits 2 and never starts the demo,
so a service manager running it cannot end up serving a simulated server.
"""

from __future__ import annotations

import argparse
import sys

from bot.__main__ import main as bot_main

FLAGS = {"run": [], "check": ["--check"], "sync": ["--sync"], "demo": ["--demo"]}
TOOLS = ("migrate-to-postgres", "keys")


def main(argv: list[str] | None = None) -> int:
    """Parse `peer-circle <mode>` and run it through the entry point."""
    parser = argparse.ArgumentParser(prog="peer-circle", description="The peer-circle Discord bot.")
    parser.add_argument(
        "mode",
        choices=[*FLAGS, *TOOLS],
        help="run: the bot (needs DISCORD_TOKEN); check: validate settings, content and migrations; "
        "sync: publish the slash commands; demo: the offline demo in your browser; "
        "migrate-to-postgres: copy the SQLite database at DATABASE_PATH into the empty PostgreSQL one at "
        "DATABASE_URL; keys: print the secret keys as ENCRYPTION_KEY/HASH_KEY lines for every host's .env",
    )
    args = parser.parse_args(argv)
    if args.mode in TOOLS:
        from bot.tools import run_tool

        return run_tool(args.mode)
    return bot_main(FLAGS[args.mode])


if __name__ == "__main__":
    sys.exit(main())
