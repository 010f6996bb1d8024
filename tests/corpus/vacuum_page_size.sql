-- VACUUM keeps a page size chosen with PRAGMA page_size before the first table.
-- isolation_level: None
PRAGMA page_size = 1024;
CREATE TABLE t(id INTEGER PRIMARY KEY, payload TEXT);
CREATE INDEX t_payload ON t(payload);
INSERT INTO t(payload) VALUES (hex(zeroblob(900))), (hex(zeroblob(300))), ('x'), ('y');
DELETE FROM t WHERE id = 2;
VACUUM;
PRAGMA page_size;
PRAGMA page_count;
PRAGMA freelist_count;
SELECT id, length(payload) FROM t ORDER BY id;
PRAGMA integrity_check;
-- A later PRAGMA page_size does not change a database that has pages.
PRAGMA page_size = 8192;
PRAGMA page_size;
