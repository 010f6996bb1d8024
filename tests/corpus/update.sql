-- UPDATE: expressions, WHERE, rowcount, conflicts, row values (UPDATE FROM, RETURNING:
-- out_of_scope_update_from.sql).
CREATE TABLE t(id INTEGER PRIMARY KEY, a INTEGER, b TEXT UNIQUE);
INSERT INTO t VALUES (1, 10, 'x'), (2, 20, 'y'), (3, 30, 'z'), (4, NULL, NULL);
UPDATE t SET a = a + 1;
SELECT * FROM t;
UPDATE t SET a = a * 2, b = b || b WHERE id > 2;
SELECT * FROM t;
UPDATE t SET a = 0 WHERE 0;
UPDATE t SET a = (SELECT max(a) FROM t) WHERE id = 1;
SELECT * FROM t;
-- error
UPDATE t SET b = 'y' WHERE id = 1;
UPDATE OR IGNORE t SET b = 'y' WHERE id = 1;
UPDATE OR REPLACE t SET b = 'y' WHERE id = 1;
SELECT * FROM t;
UPDATE t SET id = id + 100;
SELECT * FROM t;
-- error
UPDATE t SET nope = 1;
-- error
UPDATE nope SET a = 1;
UPDATE t SET (a, b) = (1, 'pair') WHERE id = 101;
SELECT * FROM t;
UPDATE t SET a = -a WHERE a IS NOT NULL;
SELECT * FROM t;
