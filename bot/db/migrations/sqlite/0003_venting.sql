-- Anonymous venting. No table here holds a member's id, name or nickname for an anonymous author.
-- Public facts about posts (which message, which thread, which pseudonym was shown) are kept apart
-- from the linking material (keyed hashes), so the purge can delete the links and keep the posts.

-- One row per anonymous post; post_id is the thread the post lives in (forum post or text thread).
CREATE TABLE vent_posts (
    post_id INTEGER PRIMARY KEY,
    guild_id INTEGER NOT NULL REFERENCES guilds(guild_id) ON DELETE CASCADE,
    channel_id INTEGER NOT NULL,
    message_id INTEGER NOT NULL,
    is_forum INTEGER NOT NULL CHECK (is_forum IN (0, 1)),
    created_at INTEGER NOT NULL,
    closed_at INTEGER,
    removed_at INTEGER
);
CREATE INDEX vent_posts_guild ON vent_posts (guild_id, created_at);

-- Anonymous replies as everyone sees them: the pseudonym shown and whether it was the original poster.
CREATE TABLE vent_replies (
    message_id INTEGER PRIMARY KEY,
    post_id INTEGER NOT NULL REFERENCES vent_posts(post_id) ON DELETE CASCADE,
    guild_id INTEGER NOT NULL REFERENCES guilds(guild_id) ON DELETE CASCADE,
    pseudonym TEXT NOT NULL,
    is_op INTEGER NOT NULL CHECK (is_op IN (0, 1)),
    created_at INTEGER NOT NULL
);
CREATE INDEX vent_replies_post ON vent_replies (post_id, pseudonym);

-- Linking material: a keyed hash per thread and member, HMAC(secret, "vent-member", guild, post,
-- member). It lets the author delete their post and keep their pseudonym; it expires with retention.
CREATE TABLE vent_links (
    message_id INTEGER PRIMARY KEY,
    post_id INTEGER NOT NULL REFERENCES vent_posts(post_id) ON DELETE CASCADE,
    guild_id INTEGER NOT NULL REFERENCES guilds(guild_id) ON DELETE CASCADE,
    member_tag TEXT NOT NULL,
    is_post INTEGER NOT NULL CHECK (is_post IN (0, 1)),
    expires_at INTEGER NOT NULL
);
CREATE INDEX vent_links_post ON vent_links (post_id, member_tag);
CREATE INDEX vent_links_expiry ON vent_links (expires_at);

-- Blocks from anonymous posting. The tag is the per-thread hash of the message that caused it;
-- at post time the bot recomputes it for the member asking, so nobody learns who is blocked.
-- post_id has no foreign key: the block outlives the post it came from.
CREATE TABLE vent_blocks (
    block_id INTEGER PRIMARY KEY,
    guild_id INTEGER NOT NULL REFERENCES guilds(guild_id) ON DELETE CASCADE,
    post_id INTEGER NOT NULL,
    message_id INTEGER NOT NULL,
    member_tag TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    until_at INTEGER
);
CREATE INDEX vent_blocks_guild ON vent_blocks (guild_id, until_at);
CREATE INDEX vent_blocks_until ON vent_blocks (until_at);

-- What moderators did: who acted, what, on which post. Never the author.
CREATE TABLE vent_mod_actions (
    action_id INTEGER PRIMARY KEY,
    guild_id INTEGER NOT NULL REFERENCES guilds(guild_id) ON DELETE CASCADE,
    moderator_id INTEGER NOT NULL,
    action TEXT NOT NULL,
    post_id INTEGER NOT NULL,
    message_id INTEGER NOT NULL,
    created_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL
);
CREATE INDEX vent_mod_actions_guild ON vent_mod_actions (guild_id, created_at);
CREATE INDEX vent_mod_actions_expiry ON vent_mod_actions (expires_at);
CREATE INDEX vent_mod_actions_moderator ON vent_mod_actions (moderator_id);
