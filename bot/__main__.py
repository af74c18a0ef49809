"""Start the bot: settings -> logging -> database -> keys -> bot.start().

`python -m bot`          run the bot
`python -m bot --check`  validate settings, content and migrations without connecting to Discord
`python -m bot --sync`   publish the slash commands (to DEV_GUILD_ID when set), then exit
`python -m bot --demo`   the offline demo: a simulated server in the browser, no Discord account needed
`python -m bot --demo-without-token`   the bot when DISCORD_TOKEN is set, else the demo (what `make run` does)

Without a token, plain `python -m bot` (and `peer-circle run`) exits 2: a production service never
falls into the demo.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import signal
import sqlite3
import sys

import aiohttp
import discord
from dotenv import find_dotenv, load_dotenv

from bot.app import PeerCircleBot, build_services, make_production_bot
from bot.clock import SystemClock
from bot.command_drift import command_drift
from bot.config import Settings, SettingsError, level_number, load_settings
from bot.content.store import ContentError, ContentStore, load_content
from bot.db import Database, MigrationError, apply_migrations, head_version, open_database
from bot.db.health import UnusableDatabaseError, check_database_file
from bot.db.migrate import version_on_disk
from bot.db.postgres import PostgresDatabase, erasure_problems, log_settings_problems
from bot.keys import load_keys, write_keys_file
from bot.logging_setup import setup_logging

log = logging.getLogger("bot")
EXIT_SETUP = 2
EXIT_RUNTIME = 1


def read_content(settings: Settings) -> ContentStore:
    """The community's content folder when CONTENT_DIR is set, else the shipped one."""
    return load_content(settings.content_dir) if settings.content_dir else load_content()


def fail(message: str, code: int = EXIT_SETUP) -> int:
    """Print one plain line for the person starting the bot and return the exit status."""
    print(f"peer-circle: {message}", file=sys.stderr)
    return code


async def run_check(settings: Settings) -> int:
    """Validate everything that can be validated offline and print a short report."""
    problems: list[str] = []
    report: list[str] = []
    report.append("settings: ok" + ("" if settings.discord_token else " (DISCORD_TOKEN not set yet: needed to run)"))
    try:
        counts = read_content(settings).counts()
        shown = ", ".join(f"{n} {name}" for name, n in counts.items())
        report.append(f"content: ok ({shown})")
    except ContentError as error:
        problems.append(f"content: {error}")
    try:
        db = await open_database(":memory:")
        try:
            version = await apply_migrations(db)
        finally:
            await db.close()
        report.append(f"migrations: ok, {version} apply cleanly to an empty database")
        if settings.database_url is not None:
            line, ok = await postgres_state(settings.database_url)
            (report if ok else problems).append(line)
        else:
            on_disk = version_on_disk(settings.database_path)
            if on_disk is None:
                report.append(f"database: {settings.database_path} will be created on first start")
            elif on_disk > head_version():
                problems.append(f"database: {settings.database_path} is at version {on_disk}, newer than this code")
            else:
                report.append(f"database: {settings.database_path} at version {on_disk} of {head_version()}")
    except (MigrationError, sqlite3.Error) as error:
        problems.append(f"migrations: {error}")
    keys_state = (
        "from the environment"
        if settings.encryption_key and settings.hash_key
        else (f"in {settings.keys_path}" if settings.keys_path.exists() else f"will be created in {settings.keys_path}")
    )
    report.append(f"keys: {keys_state}")
    for line in report:
        print(line)
    for line in problems:
        print(f"PROBLEM {line}")
    print("check passed" if not problems else f"check failed: {len(problems)} problem(s)")
    return 0 if not problems else 1


async def prepare_postgres(db: PostgresDatabase, settings: Settings) -> str | None:
    """Before connecting to Discord on PostgreSQL: warn about logging that could record ids, and hold this
    process's shards (a refusal, as one plain line, when another process already runs one of them)."""
    for problem in await log_settings_problems(db):
        log.warning("PostgreSQL's log could record member ids: %s (see docs/DEPLOYMENT.md)", problem)
    for problem in await erasure_problems(db):
        log.warning("erasing on PostgreSQL: %s", problem)
    shards = settings.shards
    if shards is None or (shards.holds_all and shards.count == 1):
        return None
    taken = await db.hold_shards(shards.sorted_ids(), shards.count)
    if taken:
        return (
            f"SHARD_IDS: shard {', '.join(map(str, taken))} of {shards.count} is already run by another process "
            "on this database. Give each process different shards (docs/DEPLOYMENT.md); the bot did not start."
        )
    return None


async def postgres_state(url: str) -> tuple[str, bool]:
    """One line on the PostgreSQL database (reached? which version?) and whether it is usable."""
    from bot.db.migrate import POSTGRES_DIR, current_version

    try:
        db = await open_database(url)
    except UnusableDatabaseError as error:
        return f"database: {error}", False
    try:
        version, head = await current_version(db), head_version(POSTGRES_DIR)
        leaks = await log_settings_problems(db)
        short = await erasure_problems(db)
    finally:
        await db.close()
    if version > head:
        return f"database: {db.path} is at version {version}, newer than this code", False
    if leaks:
        return f"database: {db.path}: the server's log could record member ids ({'; '.join(leaks)})", False
    if short:
        return f"database: {db.path}: {'; '.join(short)}", False
    if not version:
        return f"database: {db.path} is empty; it will be migrated on first start", True
    return f"database: {db.path} at version {version} of {head}", True


async def log_in(bot: PeerCircleBot, token: str, settings: Settings, pending_keys: dict[str, str] | None) -> None:
    """Log in; only once Discord has accepted the token, write newly generated keys to their file.

    A refused token (discord.LoginFailure) leaves no keys file behind to confuse the next attempt.
    """
    await bot.login(token)
    if pending_keys is not None:
        try:
            write_keys_file(settings.keys_path, pending_keys)
        except OSError as error:
            # Not a network problem: say which file, so the operator can fix its folder's permissions.
            raise SettingsError(
                "keys file", f"cannot write {settings.keys_path} ({type(error).__name__}); the bot did not start."
            ) from error
        log.warning("created new secret keys in %s: back this file up with the database", settings.keys_path)


async def warn_if_commands_differ(bot: PeerCircleBot, dev_guild_id: int | None) -> None:
    """Warn when the slash commands Discord shows differ from this code's (say, after an upgrade)."""
    try:
        drift = await command_drift(bot, dev_guild_id)
    except (discord.HTTPException, discord.ClientException) as error:
        # Only a warning is at stake: never let the comparison stop the bot from starting.
        log.warning("could not compare the published slash commands with the code's (%s)", type(error).__name__)
        return
    if drift:
        log.warning(
            "the slash commands members see differ from this code's (%s): run `make sync` "
            "(or `peer-circle sync`) to publish them",
            ", ".join(drift),
        )


async def open_storage(settings: Settings) -> Database | str:
    """The database (SQLite file or PostgreSQL), or one plain line saying why it cannot be used."""
    try:
        if settings.database_url is None:
            # A damaged, unreadable or newer file stops here, untouched and before any keys file is made.
            check_database_file(settings.database_path)
        return await open_database(settings.database_target)
    except UnusableDatabaseError as error:
        return str(error)
    except (OSError, sqlite3.Error) as error:
        return f"DATABASE_PATH: cannot open {settings.database_path} ({error.__class__.__name__})."


def stop_when_shards_taken(db: Database, bot: discord.Client) -> list[int]:
    """On PostgreSQL, close the bot if another process takes its shards while its connection is down.

    Two processes answering one server would answer everything twice; the list returned fills with the
    shards lost, so the caller can say why the bot stopped.
    """
    taken_shards: list[int] = []
    if not isinstance(db, PostgresDatabase):
        return taken_shards
    closing: list[asyncio.Future[None]] = []

    def stop(taken: list[int]) -> None:
        taken_shards.extend(taken)
        closing.append(asyncio.ensure_future(bot.close()))

    db.on_shards_taken = stop
    return taken_shards


def close_on_signals(bot: discord.Client) -> None:
    """SIGINT and SIGTERM close the bot cleanly (finishing what it is writing) rather than killing it."""
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError):
            loop.add_signal_handler(sig, lambda: asyncio.ensure_future(bot.close()))


async def run_bot(settings: Settings, token: str, *, sync_only: bool) -> int:
    """Open storage, build the bot and run it until a signal or disconnect."""
    try:
        content: ContentStore = read_content(settings)
    except ContentError as error:
        return fail(f"content: {error}. Fix that file, then start again.")
    db = await open_storage(settings)
    if isinstance(db, str):
        return fail(db)
    try:
        try:
            await apply_migrations(db)
            keys, pending_keys = load_keys(settings.keys_path, settings.encryption_key, settings.hash_key)
        except UnusableDatabaseError as error:
            return fail(str(error))
        except MigrationError as error:
            return fail(f"{error}. Restore a backup or report this; the bot did not start.")
        except SettingsError as error:
            return fail(str(error))
        services = build_services(db, SystemClock(), keys, content, shards=settings.shards)
        if isinstance(db, PostgresDatabase):
            refusal = await prepare_postgres(db, settings)
            if refusal:
                return fail(refusal)
        bot = make_production_bot(services, settings)
        shards_taken = stop_when_shards_taken(db, bot)
        close_on_signals(bot)
        try:
            async with bot:
                await log_in(bot, token, settings, pending_keys)
                if sync_only:
                    count = await bot.sync_commands()
                    print(f"synced {count} commands" + (" to the dev server" if settings.dev_guild_id else ""))
                else:
                    await warn_if_commands_differ(bot, settings.dev_guild_id)
                    await bot.connect()
        except discord.LoginFailure:
            return fail(
                "DISCORD_TOKEN was refused by Discord. Reset the token in the developer portal and update .env."
            )
        except (aiohttp.ClientError, OSError) as error:
            return fail(
                f"could not reach Discord ({type(error).__name__}). Check this machine's network connection "
                "and that discord.com is reachable, then start the bot again.",
                EXIT_RUNTIME,
            )
        except discord.PrivilegedIntentsRequired:
            return fail("Discord asked for a privileged intent; this bot needs none. Please report this.")
        except SettingsError as error:
            return fail(str(error))
        if shards_taken:
            return fail(
                f"SHARD_IDS: shard {', '.join(map(str, shards_taken))} was taken by another process while this "
                "one's database connection was down; this process stopped so that only one runs it.",
                EXIT_RUNTIME,
            )
        return 0
    finally:
        await db.close()
        log.info("database closed")


def start_demo() -> int:
    """The offline demo (bot.demo), which needs SimCord's preview: installed by `make run`."""
    try:
        from bot.demo.run import run_demo
    except ImportError as error:
        return fail(
            f"the offline demo needs the demo extras ({error.name} is missing): run `make run`, "
            "or `pip install -e '.[demo]'`. To run the real bot, set DISCORD_TOKEN."
        )
    setup_logging(logging.WARNING, secrets=[])
    try:
        return asyncio.run(run_demo())
    except KeyboardInterrupt:
        return 0


def main(argv: list[str] | None = None) -> int:
    """Parse the command line and run."""
    parser = argparse.ArgumentParser(prog="python -m bot", description="Run the peer-circle Discord bot.")
    mode = parser.add_mutually_exclusive_group()
    mode.add_argument("--check", action="store_true", help="validate settings, content and migrations, then exit")
    mode.add_argument("--sync", action="store_true", help="publish slash commands, then exit")
    mode.add_argument("--demo", action="store_true", help="the offline demo in your browser; needs no Discord account")
    mode.add_argument(
        "--demo-without-token",
        action="store_true",
        help="run the bot when DISCORD_TOKEN is set, otherwise the offline demo (what `make run` does)",
    )
    args = parser.parse_args(argv)
    # .env in the folder the bot is started from (not beside this file), as the README says.
    load_dotenv(find_dotenv(usecwd=True))
    try:
        settings = load_settings()
    except SettingsError as error:
        return fail(str(error))
    if args.check:
        return asyncio.run(run_check(settings))
    if args.demo or (args.demo_without_token and not settings.discord_token):
        return start_demo()
    try:
        token = settings.require_token()
    except SettingsError as error:
        return fail(str(error))
    setup_logging(level_number(settings.log_level), secrets=[token])
    try:
        return asyncio.run(run_bot(settings, token, sync_only=args.sync))
    except KeyboardInterrupt:
        return 0


if __name__ == "__main__":
    sys.exit(main())
