"""Settings from the environment (and `.env`), validated once at start-up.

Every problem is reported as a `SettingsError` naming the setting and what to do, never showing a
secret's value, so `python -m bot` can print one plain line and exit with status 2.
"""

from __future__ import annotations

import logging
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from bot.db.connection import is_postgres_url
from bot.shards import Shards

DEFAULT_DATABASE_PATH = "data/peer-circle.db"
LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")
# Three dot-separated base64url parts: the shape every bot token has. We never print the value.
_TOKEN_SHAPE = re.compile(r"^[A-Za-z0-9_\-]{20,}\.[A-Za-z0-9_\-]{4,}\.[A-Za-z0-9_\-]{20,}$")


class SettingsError(Exception):
    """A setting is missing or wrong; the message names it and says what to do."""

    def __init__(self, setting: str, message: str) -> None:
        super().__init__(f"{setting}: {message}")
        self.setting = setting


@dataclass(frozen=True)
class Settings:
    """Validated settings. `repr` hides the token and keys so they never reach a log."""

    discord_token: str | None = field(repr=False)
    database_path: Path
    log_level: str
    dev_guild_id: int | None
    content_dir: Path | None = None
    encryption_key: str | None = field(repr=False, default=None)
    hash_key: str | None = field(repr=False, default=None)
    # A PostgreSQL address (may hold a password, hence repr=False); None means SQLite at database_path.
    database_url: str | None = field(repr=False, default=None)
    shards: Shards | None = None  # None: one process, Discord's own shard count

    @property
    def database_target(self) -> str:
        """What open_database is given: the PostgreSQL address if set, else the SQLite file."""
        return self.database_url or str(self.database_path)

    @property
    def keys_path(self) -> Path:
        """Where generated secrets live: beside the database, so one backup covers both."""
        return self.database_path.with_name(self.database_path.stem + ".keys")

    def require_token(self) -> str:
        """Return the token, or explain how to set it."""
        if not self.discord_token:
            raise SettingsError(
                "DISCORD_TOKEN",
                "not set. Copy .env.example to .env and paste your bot's token after DISCORD_TOKEN=.",
            )
        return self.discord_token


def _check_token(raw: str | None) -> str | None:
    token = (raw or "").strip()
    if not token:
        return None
    if token.lower().startswith("bot "):
        token = token[4:].strip()
    if not _TOKEN_SHAPE.match(token):
        raise SettingsError(
            "DISCORD_TOKEN",
            "does not look like a bot token (three parts separated by dots). "
            "Copy it again from the Bot page of your application in the Discord developer portal.",
        )
    return token


def check_database_path(raw: str | None) -> Path:
    text = (raw or "").strip() or DEFAULT_DATABASE_PATH
    path = Path(text).expanduser()
    folder = path.parent if str(path.parent) else Path(".")
    probe = folder
    # The folder may not exist yet; it must be creatable, i.e. its nearest existing parent writable.
    while not probe.exists() and probe != probe.parent:
        probe = probe.parent
    if path.exists() and path.is_dir():
        raise SettingsError("DATABASE_PATH", f"{text} is a folder; give a file path such as {DEFAULT_DATABASE_PATH}.")
    if not probe.is_dir() or not os.access(probe, os.W_OK | os.X_OK):
        raise SettingsError(
            "DATABASE_PATH",
            f"the folder for {text} cannot be written. Choose a folder this user can write to, or fix its permissions.",
        )
    if path.exists() and not os.access(path, os.R_OK | os.W_OK):
        raise SettingsError("DATABASE_PATH", f"{text} exists but cannot be read and written by this user.")
    return path


def _check_log_level(raw: str | None) -> str:
    level = (raw or "").strip().upper() or "INFO"
    if level not in LOG_LEVELS:
        raise SettingsError("LOG_LEVEL", f"must be one of {', '.join(LOG_LEVELS)}.")
    return level


def _check_guild_id(raw: str | None) -> int | None:
    text = (raw or "").strip()
    if not text:
        return None
    if not text.isdigit() or not 15 <= len(text) <= 21:
        raise SettingsError(
            "DEV_GUILD_ID",
            "must be a server id (a long number). In Discord, turn on Developer Mode, "
            "right-click the server and choose Copy Server ID.",
        )
    return int(text)


def _check_content_dir(raw: str | None) -> Path | None:
    text = (raw or "").strip()
    if not text:
        return None
    path = Path(text).expanduser()
    if not path.is_dir():
        raise SettingsError("CONTENT_DIR", f"{text} is not a folder. Point it at a copy of the content/ folder.")
    return path


def check_database_url(raw: str | None) -> str | None:
    text = (raw or "").strip()
    if not text:
        return None
    if not is_postgres_url(text):
        raise SettingsError(
            "DATABASE_URL",
            "must be a PostgreSQL address such as postgresql://user:password@host:5432/peercircle "
            "(leave it empty to use SQLite at DATABASE_PATH).",
        )
    return text


def _check_shards(count_raw: str | None, ids_raw: str | None) -> Shards | None:
    count_text, ids_text = (count_raw or "").strip(), (ids_raw or "").strip()
    if not count_text:
        if ids_text:
            raise SettingsError("SHARD_IDS", "needs SHARD_COUNT too (the total number of shards of all processes).")
        return None
    if not count_text.isdigit() or not 1 <= int(count_text) <= 10000:
        raise SettingsError("SHARD_COUNT", "must be a whole number from 1 up (the total shards of all processes).")
    count = int(count_text)
    if not ids_text:
        return Shards.all_of(count)
    parts = [p.strip() for p in ids_text.split(",")]
    if not all(p.isdigit() and int(p) < count for p in parts):
        raise SettingsError("SHARD_IDS", f"must be shard numbers from 0 to {count - 1} separated by commas, e.g. 0,1.")
    if len(set(parts)) != len(parts):
        raise SettingsError("SHARD_IDS", "names a shard twice; list each shard once.")
    return Shards(count, frozenset(int(p) for p in parts))


def _check_several_processes(settings: Settings) -> None:
    """Several processes need a shared database and shared secrets."""
    if settings.shards is not None and not settings.shards.holds_all and settings.database_url is None:
        raise SettingsError(
            "SHARD_IDS",
            "runs only some shards, so other processes run the rest; they must share one PostgreSQL database. "
            "Set DATABASE_URL (an SQLite file belongs to one process).",
        )
    if settings.database_url is not None and not (settings.encryption_key and settings.hash_key):
        raise SettingsError(
            "ENCRYPTION_KEY",
            "and HASH_KEY must both be set with DATABASE_URL: every process sharing the database needs the same "
            "secrets, so they are not generated into a file on one machine. Run `peer-circle keys` to print "
            "new ones (or copy them from the .keys file beside your SQLite database).",
        )


def load_settings(environ: Mapping[str, str] | None = None) -> Settings:
    """Build settings from a mapping (default: the process environment)."""
    env = os.environ if environ is None else environ
    settings = Settings(
        discord_token=_check_token(env.get("DISCORD_TOKEN")),
        database_path=check_database_path(env.get("DATABASE_PATH")),
        log_level=_check_log_level(env.get("LOG_LEVEL")),
        dev_guild_id=_check_guild_id(env.get("DEV_GUILD_ID")),
        content_dir=_check_content_dir(env.get("CONTENT_DIR")),
        encryption_key=(env.get("ENCRYPTION_KEY") or "").strip() or None,
        hash_key=(env.get("HASH_KEY") or "").strip() or None,
        database_url=check_database_url(env.get("DATABASE_URL")),
        shards=_check_shards(env.get("SHARD_COUNT"), env.get("SHARD_IDS")),
    )
    _check_several_processes(settings)
    return settings


def level_number(name: str) -> int:
    """The logging module's number for a validated level name."""
    return int(logging.getLevelName(name))
