-- The outbox: one row per scheduled message the bot owes (a co-reflection prompt, its closing prompt,
-- a check-in, a reminder, a look-back, the strategy of the week), written in the same transaction
-- that claims the schedule's firing, and deleted once the message is sent or given up.
-- It holds no message text: the text is composed from the schedule and the feature's own tables at
-- each attempt, so a member's kept content is never copied here and /privacy forget (which deletes
-- the member's schedules) erases their rows through the cascade.
-- `lease` names the process that is sending the row now (a random token per start); a row leased by
-- an earlier process was interrupted by a crash or a restart and is resumed.
CREATE TABLE outbox (
    id INTEGER PRIMARY KEY,
    guild_id INTEGER NOT NULL REFERENCES guilds(guild_id) ON DELETE CASCADE,
    schedule_id INTEGER NOT NULL REFERENCES schedules(id) ON DELETE CASCADE,
    kind TEXT NOT NULL,
    user_id INTEGER,
    due_at INTEGER NOT NULL,
    deadline_at INTEGER NOT NULL,
    nonce TEXT NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    next_attempt_at INTEGER NOT NULL,
    lease TEXT,
    created_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL
);

-- The dispatcher's resume pass: rows due for an attempt that no live process holds.
CREATE INDEX outbox_next ON outbox (next_attempt_at);
CREATE INDEX outbox_schedule ON outbox (schedule_id);
CREATE INDEX outbox_user ON outbox (user_id) WHERE user_id IS NOT NULL;
CREATE INDEX outbox_expiry ON outbox (expires_at);

-- Consecutive firings given up (Discord unreachable until the deadline): at three the schedule is
-- paused and its owner told, as for a lost permission. A firing that gets through resets it.
ALTER TABLE schedules ADD COLUMN failures INTEGER NOT NULL DEFAULT 0;
