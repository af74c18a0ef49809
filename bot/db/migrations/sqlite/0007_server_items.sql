-- One table for what a server adds beside the built-in content, and for the built-ins it hides or
-- rewords: check-in prompts, co-reflection prompts, resources and support options. It replaces
-- checkin_server_prompts, checkin_hidden_prompts, reflection_prompts, server_entries and
-- hidden_builtin_resources, whose rows are all copied here first.
--
-- A row is either the server's own item (`number` set) or its change to a built-in one (`builtin_id`
-- set, a content id). `number` is what members and moderators see ("server-3", "s:3", the "s3" key of
-- a resource); it counts per kind across servers, as the old tables' ids did, so every old number is
-- kept and check-in answers and reflection schedules that store one still find their item.
-- `variant` is the check-in prompt set (daily or weekly). For resources and support options `text` is
-- the description.
-- `created_by` is who added a co-reflection prompt or changed a built-in one, so /privacy can export
-- and unlink it; it stays empty for the other kinds, whose authors are not recorded. Items belong to
-- the server and stay when that member leaves or asks to be forgotten.
-- `expires_at` is always NULL today (items last until a server removes them); it exists so the
-- privacy purge has a column to read, as for every table that can name a member.

CREATE TABLE server_items (
    id INTEGER PRIMARY KEY,
    guild_id INTEGER NOT NULL REFERENCES guilds(guild_id) ON DELETE CASCADE,
    kind TEXT NOT NULL CHECK (kind IN ('checkin', 'reflection', 'resource', 'support')),
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

-- One number per own item of a kind; one row per server and built-in; no duplicate names per server
-- and kind, whatever the case (resources and support options have names, prompts do not).
CREATE UNIQUE INDEX server_items_number ON server_items (kind, number) WHERE number IS NOT NULL;
CREATE UNIQUE INDEX server_items_builtin ON server_items (guild_id, kind, builtin_id) WHERE builtin_id IS NOT NULL;
CREATE UNIQUE INDEX server_items_name ON server_items (guild_id, kind, lower(name)) WHERE name IS NOT NULL;
-- A server's items of one kind (prompt pools, libraries, lists).
CREATE INDEX server_items_guild ON server_items (guild_id, kind);
-- Privacy export and forget by member.
CREATE INDEX server_items_creator ON server_items (created_by) WHERE created_by IS NOT NULL;

INSERT INTO server_items (guild_id, kind, number, variant, text, created_at, updated_at)
SELECT guild_id, 'checkin', id, prompt_set, text, created_at, created_at FROM checkin_server_prompts;

-- The old hidden lists kept no time; the time of this migration stands in for it.
INSERT INTO server_items (guild_id, kind, builtin_id, hidden, created_at, updated_at)
SELECT guild_id, 'checkin', prompt_id, 1, CAST(strftime('%s', 'now') AS INTEGER), CAST(strftime('%s', 'now') AS INTEGER)
FROM checkin_hidden_prompts;

INSERT INTO server_items
    (guild_id, kind, number, builtin_id, text, hidden, created_by, created_at, updated_at, expires_at)
SELECT guild_id, 'reflection', CASE WHEN builtin_id IS NULL THEN id END, builtin_id, text, hidden, created_by,
    created_at, updated_at, expires_at
FROM reflection_prompts;

INSERT INTO server_items (guild_id, kind, number, name, url, text, topic, hidden, created_at, updated_at)
SELECT guild_id, kind, id, name, url, description, topic, hidden, created_at, updated_at FROM server_entries;

INSERT INTO server_items (guild_id, kind, builtin_id, hidden, created_at, updated_at)
SELECT guild_id, 'resource', resource_id, 1, CAST(strftime('%s', 'now') AS INTEGER),
    CAST(strftime('%s', 'now') AS INTEGER)
FROM hidden_builtin_resources;

DROP TABLE checkin_server_prompts;
DROP TABLE checkin_hidden_prompts;
DROP TABLE reflection_prompts;
DROP TABLE server_entries;
DROP TABLE hidden_builtin_resources;
