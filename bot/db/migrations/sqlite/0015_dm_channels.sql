-- The id of each member's direct-message channel with the bot, so a DM costs Discord one request
-- (post to the channel) instead of two (open the channel, then post). Discord gives the bot the same
-- channel for a member every time, so the id stays good; one that turns out stale is dropped and
-- reopened once. A row exists only for members the bot has sent a DM to (or is about to: their own
-- scheduled DM is due soon), which they opted into. `expires_at` moves forward with every DM sent,
-- so an id nobody uses goes by itself; /privacy forget erases it at once.
CREATE TABLE dm_channels (
    user_id INTEGER PRIMARY KEY,
    channel_id INTEGER NOT NULL,
    created_at INTEGER NOT NULL,
    used_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL
);

CREATE INDEX dm_channels_expiry ON dm_channels (expires_at);
