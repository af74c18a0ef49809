-- Schedules: one row per recurring or one-off job (reflection prompts, reminders, ...).
-- `target` is a JSON payload that only the kind's handler interprets (channel id, prompt id, ...).
-- `owner_id` is the member a schedule belongs to, when it belongs to one, kept as its own column so
-- privacy export/forget can find a member's schedules without parsing JSON.
-- `expires_at` is when a member's own schedule is deleted by the purge job unless renewed (the feature
-- renews it while the member keeps using it); NULL for schedules that belong to the server.
-- `next_run_at` is NULL while paused or once a one-off schedule is spent, which keeps such rows out
-- of the partial index the dispatcher reads.

CREATE TABLE schedules (
    id INTEGER PRIMARY KEY,
    guild_id INTEGER NOT NULL REFERENCES guilds(guild_id) ON DELETE CASCADE,
    kind TEXT NOT NULL,
    owner_id INTEGER,
    target TEXT NOT NULL DEFAULT '{}',
    recurrence TEXT NOT NULL,
    next_run_at INTEGER,
    paused INTEGER NOT NULL DEFAULT 0 CHECK (paused IN (0, 1)),
    created_at INTEGER NOT NULL,
    last_run_at INTEGER,
    expires_at INTEGER
);

-- The dispatcher's two queries (earliest due, claim due) read only this index.
CREATE INDEX schedules_due ON schedules (next_run_at) WHERE next_run_at IS NOT NULL;
-- Listing and counting per server and kind (limits, /reflect list).
CREATE INDEX schedules_guild_kind ON schedules (guild_id, kind);
-- Privacy export and forget by member.
CREATE INDEX schedules_owner ON schedules (owner_id) WHERE owner_id IS NOT NULL;
-- The purge job's delete of expired member schedules.
CREATE INDEX schedules_expiry ON schedules (expires_at) WHERE expires_at IS NOT NULL;
