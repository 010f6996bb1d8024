-- Pragmas that describe storage: page counts and the freelist follow the b-trees.
-- minisql always uses WAL mode (sqlite3 starts in rollback-journal mode), so the
-- script switches sqlite3 to WAL first.
-- isolation_level: None
PRAGMA journal_mode = WAL;
PRAGMA journal_mode;
PRAGMA page_count;
PRAGMA freelist_count;
CREATE TABLE t(id INTEGER PRIMARY KEY, payload TEXT);
PRAGMA page_count;
INSERT INTO t(payload) VALUES (hex(zeroblob(500))), (hex(zeroblob(500))), (hex(zeroblob(500))), (hex(zeroblob(500)));
INSERT INTO t(payload) SELECT payload FROM t;
INSERT INTO t(payload) SELECT payload FROM t;
INSERT INTO t(payload) SELECT payload FROM t;
-- minisql: skip (page and freelist counts: minisql splits a full page in two where SQLite balances three siblings, so counts differ after many inserts)
PRAGMA page_count;
-- minisql: skip (page and freelist counts: minisql splits a full page in two where SQLite balances three siblings, so counts differ after many inserts)
PRAGMA freelist_count;
CREATE INDEX t_payload ON t(payload, id);
-- minisql: skip (page and freelist counts: minisql splits a full page in two where SQLite balances three siblings, so counts differ after many inserts)
PRAGMA page_count;
DELETE FROM t WHERE id % 2 = 0;
-- minisql: skip (page and freelist counts: minisql splits a full page in two where SQLite balances three siblings, so counts differ after many inserts)
PRAGMA page_count;
-- minisql: skip (page and freelist counts: minisql splits a full page in two where SQLite balances three siblings, so counts differ after many inserts)
PRAGMA freelist_count;
DROP INDEX t_payload;
-- minisql: skip (page and freelist counts: minisql splits a full page in two where SQLite balances three siblings, so counts differ after many inserts)
PRAGMA freelist_count;
INSERT INTO t(payload) VALUES (hex(zeroblob(6000)));
-- minisql: skip (page and freelist counts: minisql splits a full page in two where SQLite balances three siblings, so counts differ after many inserts)
PRAGMA page_count;
-- minisql: skip (page and freelist counts: minisql splits a full page in two where SQLite balances three siblings, so counts differ after many inserts)
PRAGMA freelist_count;
PRAGMA integrity_check;
PRAGMA quick_check;
SELECT count(*), sum(length(payload)) FROM t;
INSERT INTO t(payload) VALUES ('after');
-- minisql: skip (the WAL's frame count follows the pages each commit wrote, which differ with the page layout: see the page counts above)
PRAGMA wal_checkpoint;
-- minisql: skip (page and freelist counts: minisql splits a full page in two where SQLite balances three siblings, so counts differ after many inserts)
PRAGMA page_count;
PRAGMA synchronous;
PRAGMA cache_size;
