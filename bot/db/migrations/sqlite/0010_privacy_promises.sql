-- Promises the bot makes about what it keeps, made true in the schema.

-- 1. Retention counts from when a link was made, so lowering the server's retention removes older
-- links at once. The link is written in the same transaction as its post or reply, whose created_at
-- is the same moment; the trigger copies it, so the code that writes links needs no change.
ALTER TABLE vent_links ADD COLUMN created_at INTEGER;
UPDATE vent_links SET created_at = COALESCE(
    (SELECT r.created_at FROM vent_replies r WHERE r.message_id = vent_links.message_id),
    (SELECT p.created_at FROM vent_posts p WHERE p.message_id = vent_links.message_id)
);
CREATE TRIGGER vent_links_created_at AFTER INSERT ON vent_links WHEN NEW.created_at IS NULL
BEGIN
    UPDATE vent_links SET created_at = COALESCE(
        (SELECT r.created_at FROM vent_replies r WHERE r.message_id = NEW.message_id),
        (SELECT p.created_at FROM vent_posts p WHERE p.message_id = NEW.message_id)
    ) WHERE message_id = NEW.message_id;
END;
CREATE INDEX vent_links_created ON vent_links (guild_id, created_at);

-- 4. When the bot first found itself no longer in a server after connecting (NULL while it is in
-- it). The server's data is deleted once it has been missing for the grace period.
ALTER TABLE guilds ADD COLUMN missing_since INTEGER;

-- 3. Direct messages the bot sent that quote something a member asked it to keep (a weekly
-- look-back quotes moments). One row per message and quoted item: when the item goes (forget,
-- deletion, expiry) the bot deletes its message too. Only ids: never the text.
CREATE TABLE quoting_dms (
    channel_id INTEGER NOT NULL,
    message_id INTEGER NOT NULL,
    guild_id INTEGER NOT NULL REFERENCES guilds(guild_id) ON DELETE CASCADE,
    user_id INTEGER NOT NULL,
    item_table TEXT NOT NULL,
    item_id INTEGER NOT NULL,
    created_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL,
    PRIMARY KEY (message_id, item_table, item_id)
) WITHOUT ROWID;
CREATE INDEX quoting_dms_item ON quoting_dms (item_table, item_id);
CREATE INDEX quoting_dms_user ON quoting_dms (user_id);
CREATE INDEX quoting_dms_expiry ON quoting_dms (expires_at);

-- 1. A member's saved strategies are kept the server's retention period after they last saved one
-- (saving renews the whole list), so the period counts from that moment, not from each save.
ALTER TABLE strategy_favourites ADD COLUMN used_at INTEGER;
UPDATE strategy_favourites SET used_at = (
    SELECT max(f.saved_at) FROM strategy_favourites f
    WHERE f.guild_id = strategy_favourites.guild_id AND f.user_id = strategy_favourites.user_id
);

-- 1. A strategy reminder is kept the server's retention period after it was last set; the period
-- counts from then. Only such schedules have it; every other schedule leaves it empty and is never
-- removed by a retention change (a check-in's schedule lasts as long as the check-in).
ALTER TABLE schedules ADD COLUMN renewed_at INTEGER;
-- It was set when its expiry was last renewed by the period then in force (90 days by default).
UPDATE schedules SET renewed_at = expires_at - 86400 * COALESCE(
    (SELECT CAST(s.value AS INTEGER) FROM guild_settings s
     WHERE s.guild_id = schedules.guild_id AND s.key = 'retention_days'), 90)
WHERE kind = 'strategy_reminder' AND expires_at IS NOT NULL;
