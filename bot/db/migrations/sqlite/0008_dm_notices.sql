-- One store for "Discord refused your DMs, so I paused this; I'll tell you once".
-- A row says a member is owed a one-time notice in a server about one paused thing: `kind` names it
-- (the feature's schedule kind, e.g. 'checkin') and `reason` says why ('dm_closed', ...). The row
-- goes when the member is told (after their next command there, while that feature is on), when
-- they resume or stop what was paused, or with /privacy forget; `expires_at` bounds it otherwise.
CREATE TABLE dm_notices (
    guild_id INTEGER NOT NULL REFERENCES guilds(guild_id) ON DELETE CASCADE,
    user_id INTEGER NOT NULL,
    kind TEXT NOT NULL,
    reason TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL,
    PRIMARY KEY (guild_id, user_id, kind)
) WITHOUT ROWID;

-- Privacy export and forget by member across servers.
CREATE INDEX dm_notices_user ON dm_notices (user_id);
CREATE INDEX dm_notices_expiry ON dm_notices (expires_at);

-- Move every notice still owed out of the three places features kept them before, so nobody loses
-- one. Each keeps the expiry of what it is about (a schedule without one: a year from now).
INSERT OR IGNORE INTO dm_notices (guild_id, user_id, kind, reason, created_at, expires_at)
SELECT guild_id, user_id, 'checkin', 'dm_closed', CAST(strftime('%s', 'now') AS INTEGER), expires_at
FROM checkin_plans WHERE dm_closed = 1;

INSERT OR IGNORE INTO dm_notices (guild_id, user_id, kind, reason, created_at, expires_at)
SELECT guild_id, user_id, 'moments-lookback', 'dm_closed', CAST(strftime('%s', 'now') AS INTEGER), expires_at
FROM moment_settings WHERE dm_closed = 1;

-- A strategy reminder kept its notice in the schedule's JSON target; 'told:...' ones were delivered.
INSERT OR IGNORE INTO dm_notices (guild_id, user_id, kind, reason, created_at, expires_at)
SELECT guild_id, owner_id, 'strategy_reminder', json_extract(target, '$.notice'),
       CAST(strftime('%s', 'now') AS INTEGER),
       COALESCE(expires_at, CAST(strftime('%s', 'now') AS INTEGER) + 365 * 86400)
FROM schedules
WHERE kind = 'strategy_reminder' AND owner_id IS NOT NULL
  AND json_extract(target, '$.notice') IN ('dm_closed', 'no_favourites');

-- The old places are emptied. The two dm_closed columns stay (always 0, no longer read or written):
-- dropping a column needs SQLite 3.35 or later, and the bot may run on an older one.
UPDATE checkin_plans SET dm_closed = 0 WHERE dm_closed = 1;
UPDATE moment_settings SET dm_closed = 0 WHERE dm_closed = 1;
UPDATE schedules SET target = json_remove(target, '$.notice')
WHERE kind = 'strategy_reminder' AND json_type(target, '$.notice') IS NOT NULL;
