"""Storage: one long-lived SQLite connection and numbered migrations."""

from bot.db.connection import Database, open_database
from bot.db.migrate import MigrationError, apply_migrations, head_version

__all__ = ["Database", "MigrationError", "apply_migrations", "head_version", "open_database"]
