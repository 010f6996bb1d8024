-- UPDATE ... FROM and RETURNING: deferred to the 'SQL breadth' issue.
CREATE TABLE t(id INTEGER PRIMARY KEY, a INTEGER, b TEXT UNIQUE);
INSERT INTO t VALUES (101, 1, 'pair'), (103, 62, 'zz'), (104, NULL, NULL);
CREATE TABLE src(id, val);
INSERT INTO src VALUES (101, 'from src'), (103, 'also');
-- minisql: not supported (UPDATE ... FROM)
UPDATE t SET b = src.val FROM src WHERE src.id = t.id;
-- minisql: skip (reads what the refused statement wrote)
SELECT * FROM t;
-- minisql: not supported (RETURNING)
UPDATE t SET a = -a WHERE a IS NOT NULL RETURNING id, a;
