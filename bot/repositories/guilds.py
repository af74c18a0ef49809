"""The servers the bot is in, and their settings, features and channel sets."""

from __future__ import annotations

from bot.db.connection import Database
from bot.privacy import TableDeclaration, declare


class GuildRepository:
    """SQL for the core per-server tables."""

    def __init__(self, db: Database) -> None:
        self.db = db

    async def ensure(self, guild_id: int, now_ts: int) -> None:
        """Record that the bot is in a server (idempotent)."""
        await self.db.execute(
            "INSERT INTO guilds (guild_id, joined_at) VALUES ($1, $2) "
            # Qualified: PostgreSQL finds a bare `missing_since` ambiguous beside excluded.missing_since.
            "ON CONFLICT (guild_id) DO UPDATE SET missing_since = NULL WHERE guilds.missing_since IS NOT NULL",
            (guild_id, now_ts),
        )

    async def delete(self, guild_id: int) -> int:
        """Delete a server and, through ON DELETE CASCADE, everything stored for it."""
        return await self.db.execute("DELETE FROM guilds WHERE guild_id = $1", (guild_id,))

    async def checkpoint(self) -> None:
        """Move the WAL into the database file and truncate it (after erasing)."""
        await self.db.checkpoint()

    async def missing_since(self) -> dict[int, int | None]:
        """Every known server, with when the bot first found itself no longer in it (None: it is)."""
        rows = await self.db.fetchall("SELECT guild_id, missing_since FROM guilds")
        return {int(r["guild_id"]): r["missing_since"] for r in rows}

    async def set_missing_since(self, guild_id: int, since_ts: int | None) -> None:
        """Record (or clear, with None) when the bot first found itself no longer in a server."""
        await self.db.execute("UPDATE guilds SET missing_since = $1 WHERE guild_id = $2", (since_ts, guild_id))

    async def settings(self, guild_id: int) -> dict[str, str]:
        """Every stored setting of a server, as raw text."""
        rows = await self.db.fetchall("SELECT key, value FROM guild_settings WHERE guild_id = $1", (guild_id,))
        return {row["key"]: row["value"] for row in rows}

    async def set_setting(self, guild_id: int, key: str, value: str | None) -> None:
        """Store a setting, or remove it when value is None (back to its default)."""
        if value is None:
            await self.db.execute("DELETE FROM guild_settings WHERE guild_id = $1 AND key = $2", (guild_id, key))
        else:
            await self.db.execute(
                "INSERT INTO guild_settings (guild_id, key, value) VALUES ($1, $2, $3) "
                "ON CONFLICT (guild_id, key) DO UPDATE SET value = excluded.value",
                (guild_id, key, value),
            )

    async def features(self, guild_id: int) -> dict[str, bool]:
        """Features explicitly turned on or off in a server."""
        rows = await self.db.fetchall("SELECT feature, enabled FROM guild_features WHERE guild_id = $1", (guild_id,))
        return {row["feature"]: bool(row["enabled"]) for row in rows}

    async def set_feature(self, guild_id: int, feature: str, enabled: bool) -> None:
        """Turn a feature on or off in a server."""
        await self.db.execute(
            "INSERT INTO guild_features (guild_id, feature, enabled) VALUES ($1, $2, $3) "
            "ON CONFLICT (guild_id, feature) DO UPDATE SET enabled = excluded.enabled",
            (guild_id, feature, int(enabled)),
        )

    async def channel_set(self, guild_id: int, purpose: str) -> list[int]:
        """The channels chosen for a purpose, in id order."""
        rows = await self.db.fetchall(
            "SELECT channel_id FROM guild_channel_sets WHERE guild_id = $1 AND purpose = $2 ORDER BY channel_id",
            (guild_id, purpose),
        )
        return [int(row["channel_id"]) for row in rows]

    async def add_to_channel_set(self, guild_id: int, purpose: str, channel_id: int) -> bool:
        """Add a channel; False when it was already there."""
        changed = await self.db.execute(
            "INSERT INTO guild_channel_sets (guild_id, purpose, channel_id) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING",
            (guild_id, purpose, channel_id),
        )
        return changed > 0

    async def remove_from_channel_set(self, guild_id: int, purpose: str, channel_id: int) -> bool:
        """Remove a channel; False when it was not there."""
        changed = await self.db.execute(
            "DELETE FROM guild_channel_sets WHERE guild_id = $1 AND purpose = $2 AND channel_id = $3",
            (guild_id, purpose, channel_id),
        )
        return changed > 0


# Server configuration is about the server, never about a person: moderators choose channels and
# roles, and nothing here records who chose them.
for _table, _purpose in (
    ("guilds", "The servers the bot is in, so their data can be deleted when it leaves."),
    ("guild_settings", "Each server's settings chosen in /config (time zone, channels, roles, wording)."),
    ("guild_features", "Which features each server has turned on."),
    ("guild_channel_sets", "Channels moderators allowed for a purpose, such as reflection prompts."),
):
    declare(
        TableDeclaration(
            table=_table,
            feature="core",
            purpose=_purpose,
            personal=False,
            who_can_see="The server's moderators, through /config show.",
            retention="Until changed, or until the bot leaves the server.",
        )
    )
