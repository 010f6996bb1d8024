-- Error classes and messages for common mistakes.
CREATE TABLE t(a, b);
CREATE TABLE u(a, c);
-- error
SELEC 1;
-- error
SELECT * FORM t;
-- error
SELECT (1;
-- error
SELECT 1 +;
-- error
SELECT * FROM nosuch;
-- error
SELECT nosuch FROM t;
-- error
SELECT t.nosuch FROM t;
-- error
SELECT nosuch.a FROM t;
-- error
SELECT a FROM t, u;
-- error
INSERT INTO t VALUES (1, 2, 3);
INSERT INTO t(a, a) VALUES (1, 2);
SELECT * FROM t;
-- error
SELECT count(*) FROM t GROUP BY a HAVING nosuch > 1;
-- error
SELECT * FROM t WHERE a = (SELECT * FROM u);
-- error
SELECT 1 FROM t ORDER BY nosuch;
-- error
CREATE TABLE t(x);
-- error
CREATE INDEX i ON t(a) WHERE nosuch > 1;
-- error
SELECT min();
-- error
SELECT upper(1, 2);
-- error
SELECT * FROM t LIMIT nosuch;
-- error
SELECT 'a' MATCH 'b';
-- error
SELECT 1 WHERE 1 REGEXP 1;
-- error
ANALYZE nosuch;
-- error
VACUUM nosuch;
-- error
SELECT * FROM t WHERE a IN t;
-- error
INSERT INTO t SELECT 1;
-- error
UPDATE t SET a = 1 WHERE;
-- error
DELETE t;
-- error
SELECT DISTINCT ALL a FROM t;
SELECT a FROM t WINDOW w AS ();
-- error
SELECT a, sum(a) OVER nosuch FROM t;
-- error
SELECT ?;
SELECT 'still alive';
