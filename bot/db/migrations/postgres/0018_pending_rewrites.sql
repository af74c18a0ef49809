-- Tables the routine purge removed expired rows from and that are yet to be rewritten (VACUUM FULL), with
-- when the first of those rows went. Kept here rather than in a process's memory, so a restart, or another
-- process taking the next purge, still rewrites them within a day. Table names only.
CREATE TABLE pending_rewrites (
    table_name TEXT PRIMARY KEY,
    since BIGINT NOT NULL
);
