-- Issue 15 parts 2-4: the newcomer welcome sequence, peer connection across workplaces.
-- (Numbered 0009 on the `connect` branch; the merger renumbers it after the others of this round.)

-- server_items gains the kind 'welcome' (a server's wording of the welcome messages). SQLite cannot
-- change a CHECK in place, so the table is rebuilt: same columns, same rows, same indexes.
CREATE TABLE server_items_new (
    id INTEGER PRIMARY KEY,
    guild_id INTEGER NOT NULL REFERENCES guilds(guild_id) ON DELETE CASCADE,
    kind TEXT NOT NULL CHECK (kind IN ('checkin', 'reflection', 'resource', 'support', 'welcome')),
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

-- A member's welcome sequence in one server: running (ended = 0; the next step lives in its schedule)
-- or ended (ended = 1, kept only until the server's retention period). Nothing records which
-- messages were read, skipped or stopped.
CREATE TABLE welcome_runs (
    guild_id INTEGER NOT NULL REFERENCES guilds(guild_id) ON DELETE CASCADE,
    user_id INTEGER NOT NULL,
    ended INTEGER NOT NULL DEFAULT 0 CHECK (ended IN (0, 1)),
    since INTEGER NOT NULL,
    expires_at INTEGER NOT NULL,
    PRIMARY KEY (guild_id, user_id)
);
CREATE INDEX welcome_runs_user ON welcome_runs (user_id);
CREATE INDEX welcome_runs_expiry ON welcome_runs (expires_at);

-- A member's /connect entry while it is active or paused. Settings and interests are content ids
-- (JSON lists); the workplace and the people declined are keyed hashes, never names or ids.
CREATE TABLE connect_entries (
    guild_id INTEGER NOT NULL REFERENCES guilds(guild_id) ON DELETE CASCADE,
    user_id INTEGER NOT NULL,
    settings TEXT NOT NULL DEFAULT '[]',
    interests TEXT NOT NULL DEFAULT '[]',
    availability TEXT NOT NULL DEFAULT '[]',
    timezone TEXT NOT NULL,
    circle INTEGER NOT NULL DEFAULT 0 CHECK (circle IN (0, 1)),
    workplace_tag TEXT,
    avoid_tags TEXT NOT NULL DEFAULT '[]',
    paused INTEGER NOT NULL DEFAULT 0 CHECK (paused IN (0, 1)),
    created_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL,
    PRIMARY KEY (guild_id, user_id)
);
CREATE INDEX connect_entries_user ON connect_entries (user_id);
CREATE INDEX connect_entries_expiry ON connect_entries (expires_at);

-- A suggested match waiting for everyone in it to accept by `answer_by`.
CREATE TABLE connect_proposals (
    id INTEGER PRIMARY KEY,
    guild_id INTEGER NOT NULL REFERENCES guilds(guild_id) ON DELETE CASCADE,
    answer_by INTEGER NOT NULL,
    created_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL
);
CREATE INDEX connect_proposals_expiry ON connect_proposals (expires_at);
CREATE INDEX connect_proposals_answer_by ON connect_proposals (answer_by);

CREATE TABLE connect_proposal_members (
    proposal_id INTEGER NOT NULL REFERENCES connect_proposals(id) ON DELETE CASCADE,
    guild_id INTEGER NOT NULL REFERENCES guilds(guild_id) ON DELETE CASCADE,
    user_id INTEGER NOT NULL,
    accepted INTEGER NOT NULL DEFAULT 0 CHECK (accepted IN (0, 1)),
    expires_at INTEGER NOT NULL,
    PRIMARY KEY (proposal_id, user_id)
);
CREATE INDEX connect_proposal_members_user ON connect_proposal_members (user_id);
CREATE INDEX connect_proposal_members_expiry ON connect_proposal_members (expires_at);
