"""Storage: one long-lived SQLite connection and numbered migrations."""

from bot.db.connection import Database, UnusableDatabaseError, open_database, placeholders
from bot.db.health import check_database_file
from bot.db.migrate import MigrationError, apply_migrations, head_version

__all__ = [
    "Database",
    "MigrationError",
    "UnusableDatabaseError",
    "apply_migrations",
    "check_database_file",
    "head_version",
    "open_database",
    "placeholders",
]
