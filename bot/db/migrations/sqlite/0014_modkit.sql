-- Issue 16, moderator toolkit: a moderator's reason for the author of an anonymous message, and a
-- server's own wording of the note on responding by connecting.

-- A moderator's short reason for the author of an anonymous message they removed, redacted or blocked.
-- It is kept against the message's link (the same keyed hash vent_links held, never an id), so the bot
-- can show it to the author the next time they use venting, and it is deleted once shown or when that
-- link would have expired (expires_at is the link's own end). post_id has no foreign key: a removed
-- post's reason outlives the post. The moderator is not recorded here (the moderation log has that).
CREATE TABLE vent_author_notes (
    note_id INTEGER PRIMARY KEY,
    guild_id INTEGER NOT NULL REFERENCES guilds(guild_id) ON DELETE CASCADE,
    post_id INTEGER NOT NULL,
    member_tag TEXT NOT NULL,
    action TEXT NOT NULL,
    reason TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL
);
CREATE INDEX vent_author_notes_guild ON vent_author_notes (guild_id, post_id);
CREATE INDEX vent_author_notes_expiry ON vent_author_notes (expires_at);

-- server_items gains the kind 'guidance' (a server's wording of the note on responding to someone in
-- distress by connecting). SQLite cannot change a CHECK in place, so the table is rebuilt as in 0011.
CREATE TABLE server_items_new (
    id INTEGER PRIMARY KEY,
    guild_id INTEGER NOT NULL REFERENCES guilds(guild_id) ON DELETE CASCADE,
    kind TEXT NOT NULL CHECK (kind IN ('checkin', 'reflection', 'resource', 'support', 'welcome', 'guidance')),
    number INTEGER,
    builtin_id TEXT,
    variant TEXT CHECK (variant IS NULL OR variant IN ('daily', 'weekly')),
    name TEXT,
    text TEXT,
    url TEXT,
    topic TEXT,
    hidden INTEGER NOT NULL DEFAULT 0 CHECK (hidden IN (0, 1)),
    created_by INTEGER,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    expires_at INTEGER,
    CHECK ((number IS NULL) <> (builtin_id IS NULL))
);
INSERT INTO server_items_new
    (id, guild_id, kind, number, builtin_id, variant, name, text, url, topic, hidden, created_by, created_at,
     updated_at, expires_at)
SELECT id, guild_id, kind, number, builtin_id, variant, name, text, url, topic, hidden, created_by, created_at,
    updated_at, expires_at
FROM server_items;
DROP TABLE server_items;
ALTER TABLE server_items_new RENAME TO server_items;
CREATE UNIQUE INDEX server_items_number ON server_items (kind, number) WHERE number IS NOT NULL;
CREATE UNIQUE INDEX server_items_builtin ON server_items (guild_id, kind, builtin_id) WHERE builtin_id IS NOT NULL;
CREATE UNIQUE INDEX server_items_name ON server_items (guild_id, kind, lower(name)) WHERE name IS NOT NULL;
CREATE INDEX server_items_guild ON server_items (guild_id, kind);
CREATE INDEX server_items_creator ON server_items (created_by) WHERE created_by IS NOT NULL;
