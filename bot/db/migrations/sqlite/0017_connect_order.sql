-- The people of a /connect suggestion in the order they were added (the one who asked comes first).
-- SQLite kept that order only in rowid, which PostgreSQL has no equivalent of; a column says it on both.
ALTER TABLE connect_proposal_members ADD COLUMN position INTEGER NOT NULL DEFAULT 0;
UPDATE connect_proposal_members SET position = rowid;
