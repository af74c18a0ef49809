-- Strategies, resources, support on request and the server's own explainer.
-- Built-in strategies and resources live in content/*.toml (loaded once at start-up); these tables
-- hold only what members opt into and what a server's moderators add or change.

-- A member's saved strategies: opt-in, per server, expiring (renewed when they save again).
-- strategy_id is a content id; ids that vanish from the content are skipped and deleted on read.
CREATE TABLE strategy_favourites (
    guild_id INTEGER NOT NULL REFERENCES guilds(guild_id) ON DELETE CASCADE,
    user_id INTEGER NOT NULL,
    strategy_id TEXT NOT NULL,
    saved_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL,
    PRIMARY KEY (guild_id, user_id, strategy_id)
) WITHOUT ROWID;
-- Privacy export and forget by member across servers.
CREATE INDEX strategy_favourites_user ON strategy_favourites (user_id);
CREATE INDEX strategy_favourites_expiry ON strategy_favourites (expires_at);

-- Resources and support options a server's moderators added. kind is 'resource' or 'support'.
-- Nothing here records which moderator added or changed an entry.
CREATE TABLE server_entries (
    id INTEGER PRIMARY KEY,
    guild_id INTEGER NOT NULL REFERENCES guilds(guild_id) ON DELETE CASCADE,
    kind TEXT NOT NULL CHECK (kind IN ('resource', 'support')),
    name TEXT NOT NULL,
    url TEXT,
    description TEXT NOT NULL,
    topic TEXT,
    hidden INTEGER NOT NULL DEFAULT 0 CHECK (hidden IN (0, 1)),
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
);
-- No duplicate names per server and kind, whatever the case.
CREATE UNIQUE INDEX server_entries_name ON server_entries (guild_id, kind, lower(name));

-- Built-in resources a server chose not to show.
CREATE TABLE hidden_builtin_resources (
    guild_id INTEGER NOT NULL REFERENCES guilds(guild_id) ON DELETE CASCADE,
    resource_id TEXT NOT NULL,
    PRIMARY KEY (guild_id, resource_id)
) WITHOUT ROWID;

-- A server's own version of the /explain texts (either may be NULL: the built-in one is used).
CREATE TABLE explain_overrides (
    guild_id INTEGER PRIMARY KEY REFERENCES guilds(guild_id) ON DELETE CASCADE,
    short TEXT,
    long TEXT,
    updated_at INTEGER NOT NULL
);

-- Members who chose to be reachable through /support. Only the id is kept, so /support can show a
-- mention; nothing about who looked at /support is ever stored.
CREATE TABLE support_volunteers (
    guild_id INTEGER NOT NULL REFERENCES guilds(guild_id) ON DELETE CASCADE,
    user_id INTEGER NOT NULL,
    joined_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL,
    PRIMARY KEY (guild_id, user_id)
) WITHOUT ROWID;
CREATE INDEX support_volunteers_user ON support_volunteers (user_id);
