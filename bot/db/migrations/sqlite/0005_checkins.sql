-- Private check-ins, the good-moments log and kept disclosure notes.
-- Everything a member writes is stored only when they chose to keep it, always encrypted (Fernet
-- tokens in BLOB columns), always with an expiry the purge job enforces. Nothing here counts how
-- often someone answered: there are no streaks, scores or "missed" markers to compute.

-- A member's own check-in plan in one server (at most one). `schedule_id` points at the scheduler
-- row that fires it; `paused_until` is a timed pause (the row still fires and is skipped until then);
-- `dm_closed` is set when Discord refused a DM, so the member is told once, at their next command.
CREATE TABLE checkin_plans (
    guild_id INTEGER NOT NULL REFERENCES guilds(guild_id) ON DELETE CASCADE,
    user_id INTEGER NOT NULL,
    schedule_id INTEGER,
    cadence TEXT NOT NULL CHECK (cadence IN ('daily', 'weekdays', 'days', 'weekly')),
    days TEXT NOT NULL DEFAULT '',
    at_minute INTEGER NOT NULL CHECK (at_minute BETWEEN 0 AND 1439),
    timezone TEXT NOT NULL,
    prompt_set TEXT NOT NULL CHECK (prompt_set IN ('daily', 'weekly', 'mix')),
    keep_days INTEGER NOT NULL DEFAULT 0 CHECK (keep_days IN (0, 7, 30, 90, 365)),
    paused_until INTEGER,
    dm_closed INTEGER NOT NULL DEFAULT 0 CHECK (dm_closed IN (0, 1)),
    created_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL,
    PRIMARY KEY (guild_id, user_id)
) WITHOUT ROWID;

CREATE INDEX checkin_plans_user ON checkin_plans (user_id);
CREATE INDEX checkin_plans_expiry ON checkin_plans (expires_at);

-- Kept answers (only when keeping is on). `token` is the random id of the prompt message the answer
-- belongs to, unique per member, so a duplicate submit of the same prompt is stored once.
CREATE TABLE checkin_answers (
    id INTEGER PRIMARY KEY,
    guild_id INTEGER NOT NULL REFERENCES guilds(guild_id) ON DELETE CASCADE,
    user_id INTEGER NOT NULL,
    token TEXT NOT NULL,
    prompt_id TEXT NOT NULL,
    body BLOB NOT NULL,
    created_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL,
    UNIQUE (user_id, token)
);

CREATE INDEX checkin_answers_owner ON checkin_answers (guild_id, user_id, created_at);
CREATE INDEX checkin_answers_expiry ON checkin_answers (expires_at);

-- Check-in prompts a server added (written by its moderators, not by members about themselves).
CREATE TABLE checkin_server_prompts (
    id INTEGER PRIMARY KEY,
    guild_id INTEGER NOT NULL REFERENCES guilds(guild_id) ON DELETE CASCADE,
    prompt_set TEXT NOT NULL CHECK (prompt_set IN ('daily', 'weekly')),
    text TEXT NOT NULL,
    created_at INTEGER NOT NULL
);

CREATE INDEX checkin_server_prompts_guild ON checkin_server_prompts (guild_id);

-- Content prompts a server chose not to use.
CREATE TABLE checkin_hidden_prompts (
    guild_id INTEGER NOT NULL REFERENCES guilds(guild_id) ON DELETE CASCADE,
    prompt_id TEXT NOT NULL,
    PRIMARY KEY (guild_id, prompt_id)
) WITHOUT ROWID;

-- The good-moments log: opting in creates the settings row; each moment is encrypted.
CREATE TABLE moment_settings (
    guild_id INTEGER NOT NULL REFERENCES guilds(guild_id) ON DELETE CASCADE,
    user_id INTEGER NOT NULL,
    keep_days INTEGER NOT NULL CHECK (keep_days IN (30, 90, 365)),
    lookback_schedule_id INTEGER,
    dm_closed INTEGER NOT NULL DEFAULT 0 CHECK (dm_closed IN (0, 1)),
    created_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL,
    PRIMARY KEY (guild_id, user_id)
) WITHOUT ROWID;

CREATE INDEX moment_settings_user ON moment_settings (user_id);
CREATE INDEX moment_settings_expiry ON moment_settings (expires_at);

CREATE TABLE moments (
    id INTEGER PRIMARY KEY,
    guild_id INTEGER NOT NULL REFERENCES guilds(guild_id) ON DELETE CASCADE,
    user_id INTEGER NOT NULL,
    body BLOB NOT NULL,
    created_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL
);

CREATE INDEX moments_owner ON moments (guild_id, user_id, created_at);
CREATE INDEX moments_expiry ON moments (expires_at);

-- Disclosure notes, only when the member asked to keep them: one encrypted text per walk-through.
CREATE TABLE disclosure_notes (
    id INTEGER PRIMARY KEY,
    guild_id INTEGER NOT NULL REFERENCES guilds(guild_id) ON DELETE CASCADE,
    user_id INTEGER NOT NULL,
    body BLOB NOT NULL,
    created_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL
);

CREATE INDEX disclosure_notes_owner ON disclosure_notes (guild_id, user_id, created_at);
CREATE INDEX disclosure_notes_expiry ON disclosure_notes (expires_at);
