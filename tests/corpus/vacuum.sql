-- VACUUM rebuilds the file: the same rows, an empty freelist.
-- isolation_level: None
CREATE TABLE t(id INTEGER PRIMARY KEY, payload TEXT, u UNIQUE);
CREATE INDEX t_payload ON t(payload);
INSERT INTO t(payload, u) VALUES (hex(zeroblob(500)), 1), (hex(zeroblob(500)), 2), ('x', 3);
DELETE FROM t WHERE id = 1;
PRAGMA user_version = 5;
VACUUM;
PRAGMA freelist_count;
PRAGMA user_version;
SELECT id, length(payload), u FROM t ORDER BY id;
SELECT id FROM t WHERE payload = 'x';
SELECT type, name, tbl_name, sql FROM sqlite_schema ORDER BY name;
PRAGMA integrity_check;
BEGIN;
-- error
VACUUM;
ROLLBACK;
