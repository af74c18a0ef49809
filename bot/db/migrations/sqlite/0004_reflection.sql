-- Co-reflection prompts a server added, and its changes to built-in ones (the built-ins themselves
-- live in content/prompts.toml, not here).
-- A row with `builtin_id` set changes or hides that built-in prompt for this server; a row without it
-- is the server's own prompt. `text` is NULL when a built-in is only hidden.
-- `created_by` is who added the prompt (or changed the built-in), so /privacy can export and unlink
-- it; prompts belong to the server and stay when that member leaves or asks to be forgotten.
-- `expires_at` is always NULL today (server prompts last until a server deletes them); it exists so
-- the privacy purge has a column to read, as for every table that can name a member.

CREATE TABLE reflection_prompts (
    id INTEGER PRIMARY KEY,
    guild_id INTEGER NOT NULL REFERENCES guilds(guild_id) ON DELETE CASCADE,
    builtin_id TEXT,
    text TEXT,
    hidden INTEGER NOT NULL DEFAULT 0 CHECK (hidden IN (0, 1)),
    created_by INTEGER,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    expires_at INTEGER,
    UNIQUE (guild_id, builtin_id)
);

-- The library for one server (autocomplete, /reflect prompts list).
CREATE INDEX reflection_prompts_guild ON reflection_prompts (guild_id);
-- Privacy export and forget by member.
CREATE INDEX reflection_prompts_creator ON reflection_prompts (created_by) WHERE created_by IS NOT NULL;
