-- Anonymous venting privacy (issue 11): spread-out deletions, and a moderator's forget that keeps
-- the moderation log's actions while dropping who took them.

-- Anonymous posts and replies a member asked to delete, each at its own random moment within the
-- next few hours, so the deletions don't show the messages had one author. Only where each message
-- is: no link to the member, no creation time, no running number that would group a member's rows.
CREATE TABLE vent_pending_deletions (
    message_id INTEGER PRIMARY KEY,
    guild_id INTEGER NOT NULL REFERENCES guilds(guild_id) ON DELETE CASCADE,
    post_id INTEGER NOT NULL,
    is_post INTEGER NOT NULL CHECK (is_post IN (0, 1)),
    due_at INTEGER NOT NULL,
    tries INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX vent_pending_deletions_due ON vent_pending_deletions (due_at);

-- The moderator's id becomes optional: NULL is "a former moderator" who used /privacy forget.
CREATE TABLE vent_mod_actions_new (
    action_id INTEGER PRIMARY KEY,
    guild_id INTEGER NOT NULL REFERENCES guilds(guild_id) ON DELETE CASCADE,
    moderator_id INTEGER,
    action TEXT NOT NULL,
    post_id INTEGER NOT NULL,
    message_id INTEGER NOT NULL,
    created_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL
);
INSERT INTO vent_mod_actions_new SELECT action_id, guild_id, moderator_id, action, post_id, message_id,
    created_at, expires_at FROM vent_mod_actions;
DROP TABLE vent_mod_actions;
ALTER TABLE vent_mod_actions_new RENAME TO vent_mod_actions;
CREATE INDEX vent_mod_actions_guild ON vent_mod_actions (guild_id, created_at);
CREATE INDEX vent_mod_actions_expiry ON vent_mod_actions (expires_at);
CREATE INDEX vent_mod_actions_moderator ON vent_mod_actions (moderator_id);
