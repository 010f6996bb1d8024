-- VACUUM (and ANALYZE, which keeps statistics minisql does not use): not implemented.
-- isolation_level: None
CREATE TABLE t(id INTEGER PRIMARY KEY, payload TEXT);
INSERT INTO t(payload) VALUES (hex(zeroblob(500))), (hex(zeroblob(500)));
DELETE FROM t WHERE id = 1;
-- minisql: not supported (VACUUM)
VACUUM;
-- minisql: skip (the file VACUUM rebuilt)
PRAGMA freelist_count;
-- minisql: not supported (ANALYZE)
ANALYZE;
-- minisql: skip (reads what the refused statement wrote)
SELECT tbl FROM sqlite_stat1;
