-- UPSERT (INSERT ... ON CONFLICT DO): deferred to the 'SQL breadth' issue.
-- isolation_level: None
CREATE TABLE t(k INTEGER PRIMARY KEY, u UNIQUE, v);
INSERT INTO t VALUES (1, 'a', 10), (3, 'c', 30), (5, 'e', 50);
-- minisql: not supported (UPSERT)
INSERT INTO t VALUES (1, 'z', 0) ON CONFLICT(k) DO UPDATE SET v = v + 1;
-- minisql: not supported (UPSERT)
INSERT INTO t VALUES (30, 'a', 0) ON CONFLICT(u) DO UPDATE SET v = excluded.v + 1000;
-- minisql: not supported (UPSERT)
INSERT INTO t VALUES (31, 'c', 0) ON CONFLICT DO NOTHING;
-- minisql: not supported (UPSERT)
INSERT INTO t VALUES (32, 'e', 5) ON CONFLICT(u) DO UPDATE SET v = excluded.v WHERE v < 10;
-- minisql: not supported (UPSERT)
INSERT INTO t VALUES (33, 'e', 5) ON CONFLICT(u) DO UPDATE SET v = excluded.v WHERE v > 10;
-- minisql: skip (reads what the refused statements wrote)
SELECT * FROM t;
