-- The people of a /connect suggestion in the order they were added (the one who asked comes first).
ALTER TABLE connect_proposal_members ADD COLUMN position BIGINT NOT NULL DEFAULT 0;
