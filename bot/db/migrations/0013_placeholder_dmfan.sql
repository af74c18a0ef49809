-- Placeholder on the dmfan branch only: number 0013 belongs to another helper's migration.
-- Delete this file when merging (the numbering must have no gaps for 0016 to apply here).
SELECT 1;
