-- Core tables: the servers the bot is in, their settings, and members' own shared preferences.
-- Every per-server table references guilds(guild_id) ON DELETE CASCADE, so deleting the guild row
-- when the bot leaves a server deletes everything that server had.

CREATE TABLE guilds (
    guild_id INTEGER PRIMARY KEY,
    joined_at INTEGER NOT NULL
);

-- Typed values live in code (bot/services/guild_settings.py); the table only stores text.
CREATE TABLE guild_settings (
    guild_id INTEGER NOT NULL REFERENCES guilds(guild_id) ON DELETE CASCADE,
    key TEXT NOT NULL,
    value TEXT NOT NULL,
    PRIMARY KEY (guild_id, key)
) WITHOUT ROWID;

CREATE TABLE guild_features (
    guild_id INTEGER NOT NULL REFERENCES guilds(guild_id) ON DELETE CASCADE,
    feature TEXT NOT NULL,
    enabled INTEGER NOT NULL CHECK (enabled IN (0, 1)),
    PRIMARY KEY (guild_id, feature)
) WITHOUT ROWID;

-- Sets of channels per purpose, e.g. the channels where reflection prompts may be posted.
CREATE TABLE guild_channel_sets (
    guild_id INTEGER NOT NULL REFERENCES guilds(guild_id) ON DELETE CASCADE,
    purpose TEXT NOT NULL,
    channel_id INTEGER NOT NULL,
    PRIMARY KEY (guild_id, purpose, channel_id)
) WITHOUT ROWID;

-- A member's own time zone and quiet hours, shared by every feature that sends them a DM.
-- Stored only when the member sets them; expires unless they use them again.
CREATE TABLE member_preferences (
    guild_id INTEGER NOT NULL REFERENCES guilds(guild_id) ON DELETE CASCADE,
    user_id INTEGER NOT NULL,
    timezone TEXT,
    quiet_start INTEGER CHECK (quiet_start BETWEEN 0 AND 1439),
    quiet_end INTEGER CHECK (quiet_end BETWEEN 0 AND 1439),
    updated_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL,
    PRIMARY KEY (guild_id, user_id)
) WITHOUT ROWID;

CREATE INDEX member_preferences_expiry ON member_preferences (expires_at);
