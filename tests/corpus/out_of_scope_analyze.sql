-- ANALYZE (statistics minisql does not use): not implemented.
-- isolation_level: None
CREATE TABLE t(id INTEGER PRIMARY KEY, payload TEXT);
INSERT INTO t(payload) VALUES ('a'), ('b');
-- minisql: not supported (ANALYZE)
ANALYZE;
-- minisql: skip (reads what the refused statement wrote)
SELECT tbl FROM sqlite_stat1;
