-- Issue 15 part 1: co-reflection circles. A circle is a series of meetings a facilitator sets up for
-- a channel; each meeting posts the next prompt and opens a thread that closes at the end of the
-- meeting window. Only the circle's set-up is kept: nothing about members (who wants a mention is
-- Discord's role itself) and not who made it.
-- The meeting times live in `schedules` (kinds circle-meeting, circle-moved, circle-close).
CREATE TABLE circles (
    id INTEGER PRIMARY KEY,
    guild_id INTEGER NOT NULL REFERENCES guilds(guild_id) ON DELETE CASCADE,
    name TEXT NOT NULL,
    channel_id INTEGER NOT NULL,
    role_id INTEGER NOT NULL,
    role_made INTEGER NOT NULL DEFAULT 0 CHECK (role_made IN (0, 1)),
    schedule_id INTEGER,
    prompts TEXT NOT NULL,
    next_prompt INTEGER NOT NULL DEFAULT 0,
    held INTEGER NOT NULL DEFAULT 0,
    last_due INTEGER,
    meetings INTEGER,
    ends_on TEXT,
    minutes INTEGER NOT NULL DEFAULT 90,
    agreement TEXT,
    closing TEXT,
    skipped TEXT NOT NULL DEFAULT '[]',
    paused INTEGER NOT NULL DEFAULT 0 CHECK (paused IN (0, 1)),
    problem TEXT,
    version INTEGER NOT NULL DEFAULT 1,
    created_at INTEGER NOT NULL,
    CHECK ((meetings IS NULL) <> (ends_on IS NULL))
);
-- One circle of a name per server, so facilitators can tell them apart.
CREATE UNIQUE INDEX circles_name ON circles (guild_id, lower(name));
