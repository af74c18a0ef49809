-- Tables the routine purge removed expired rows from and that PostgreSQL has yet to rewrite (VACUUM FULL),
-- with when the first of those rows went. Kept in the database rather than in a process's memory, so a
-- restart, or another process taking the next purge, still rewrites them within a day. Table names only.
-- (SQLite overwrites deleted rows at once; it keeps the same list so both engines run the same code.)
CREATE TABLE pending_rewrites (
    table_name TEXT PRIMARY KEY,
    since INTEGER NOT NULL
);
