-- RETURNING on INSERT, UPDATE and DELETE: deferred to the 'SQL breadth' issue.
CREATE TABLE t(id INTEGER PRIMARY KEY, v TEXT, n INTEGER DEFAULT 0);
-- minisql: not supported (RETURNING)
INSERT INTO t(v) VALUES ('a'), ('b') RETURNING id, v, n;
-- minisql: not supported (RETURNING)
INSERT INTO t(v, n) VALUES ('c', 5) RETURNING *;
-- minisql: not supported (RETURNING)
INSERT INTO t(v) VALUES ('d') RETURNING id * 10 AS tenfold, upper(v);
-- minisql: not supported (RETURNING)
UPDATE t SET n = n + 1 WHERE id <= 2 RETURNING id, n;
-- minisql: not supported (RETURNING)
UPDATE t SET v = v || '!' WHERE 0 RETURNING *;
-- minisql: not supported (RETURNING)
DELETE FROM t WHERE id = 4 RETURNING v;
-- minisql: not supported (RETURNING)
INSERT INTO t(id, v) VALUES (1, 'dup') ON CONFLICT(id) DO UPDATE SET v = 'upserted' RETURNING id, v;
-- minisql: skip (reads what the refused statements wrote)
SELECT * FROM t;
-- error
-- minisql: skip (RETURNING: minisql refuses before resolving the names)
INSERT INTO t(v) VALUES ('e') RETURNING nosuch;
-- minisql: skip (reads what the refused statements wrote)
SELECT count(*) FROM t;

-- minisql: skip (the table holds what the refused statements wrote)
DELETE FROM t;
INSERT INTO t VALUES (1, 'a', 0);
-- minisql: not supported (RETURNING)
UPDATE t SET v = 'b' WHERE id = 1 RETURNING id, v;
-- minisql: not supported (RETURNING)
DELETE FROM t WHERE id = 1 RETURNING *;
