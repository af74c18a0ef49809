-- No cost that grows with the community (issue 14): a member's export and forget read their own rows
-- through an index, never a whole table.

CREATE INDEX member_preferences_user ON member_preferences (user_id);
CREATE INDEX moments_user ON moments (user_id, created_at);
CREATE INDEX disclosure_notes_user ON disclosure_notes (user_id, created_at);
CREATE INDEX checkin_answers_user ON checkin_answers (user_id, created_at);

-- Finding a member's anonymous messages without recomputing a keyed hash for every thread. Each link
-- made from now on also holds a "finder": HMAC(secret, "vent-find", server, member, UTC day, n), n
-- counting that member's links in that server that day (0, 1, 2...). Every finder is different, so
-- like the per-thread tag it tells nobody reading the database that two messages share an author;
-- only the bot, asked by the member, can recompute them: one per server per day in the retention
-- window, then the next n for each day that matched. Links made before this migration keep a NULL
-- finder and are still found the old way (they all expire within the retention period).
ALTER TABLE vent_links ADD COLUMN finder TEXT;
CREATE UNIQUE INDEX vent_links_finder ON vent_links (finder);
CREATE INDEX vent_links_unfound ON vent_links (member_tag, guild_id, post_id) WHERE finder IS NULL;

-- A link deleted on its own (its reply or post deleted or removed) leaves its finder here, so counting
-- n for the same member and day does not stop early at the hole and miss the links after it. Only the
-- finder (a keyed hash) and the day: nothing about the message. Every gap of a server's day goes when
-- the last link of that server and day goes (a trigger below), so a gap never outlives the links it
-- helps find; the expiry is a backstop at the longest retention any server can choose.
CREATE TABLE vent_link_gaps (
    finder TEXT PRIMARY KEY,
    guild_id INTEGER NOT NULL REFERENCES guilds(guild_id) ON DELETE CASCADE,
    day INTEGER NOT NULL,
    expires_at INTEGER NOT NULL
) WITHOUT ROWID;
CREATE INDEX vent_link_gaps_day ON vent_link_gaps (guild_id, day);
CREATE INDEX vent_link_gaps_expiry ON vent_link_gaps (expires_at);

CREATE TRIGGER vent_links_leave_gap AFTER DELETE ON vent_links WHEN OLD.finder IS NOT NULL
BEGIN
    INSERT OR IGNORE INTO vent_link_gaps (finder, guild_id, day, expires_at)
        VALUES (OLD.finder, OLD.guild_id, OLD.created_at / 86400, (OLD.created_at / 86400 + 731) * 86400);
    DELETE FROM vent_link_gaps WHERE guild_id = OLD.guild_id AND day = OLD.created_at / 86400
        AND NOT EXISTS (
            SELECT 1 FROM vent_links WHERE guild_id = OLD.guild_id
                AND created_at >= (OLD.created_at / 86400) * 86400 AND created_at < (OLD.created_at / 86400 + 1) * 86400
        );
END;

-- Leaving a server deletes its rows through foreign keys; without an index on guild_id SQLite reads
-- each of these whole tables to find them.
CREATE INDEX outbox_guild ON outbox (guild_id);
CREATE INDEX connect_proposals_guild ON connect_proposals (guild_id);
CREATE INDEX connect_proposal_members_guild ON connect_proposal_members (guild_id);
CREATE INDEX quoting_dms_guild ON quoting_dms (guild_id);
CREATE INDEX vent_pending_deletions_guild ON vent_pending_deletions (guild_id);
CREATE INDEX vent_replies_guild ON vent_replies (guild_id);

-- The purge: by expiry, and by each server's retention period counted from each table's anchor.
CREATE INDEX server_items_expiry ON server_items (expires_at);
CREATE INDEX support_volunteers_expiry ON support_volunteers (expires_at);
CREATE INDEX checkin_answers_retention ON checkin_answers (guild_id, created_at);
CREATE INDEX moments_retention ON moments (guild_id, created_at);
CREATE INDEX schedules_retention ON schedules (guild_id, renewed_at);
CREATE INDEX strategy_favourites_retention ON strategy_favourites (guild_id, used_at);
CREATE INDEX vent_blocks_retention ON vent_blocks (guild_id, created_at);

-- Every button under an anonymous post or reply looks its message up.
CREATE INDEX vent_posts_message ON vent_posts (message_id);
