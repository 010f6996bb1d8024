-- DELETE: everything, WHERE, rowcount (RETURNING: out_of_scope_returning.sql).
CREATE TABLE t(a, b);
INSERT INTO t VALUES (1, 'a'), (2, 'b'), (3, 'c'), (4, 'd'), (5, 'e');
DELETE FROM t WHERE a > 3;
SELECT * FROM t;
DELETE FROM t WHERE 0;
DELETE FROM t WHERE a IN (SELECT a FROM t WHERE b = 'b');
SELECT * FROM t;
DELETE FROM t;
SELECT count(*) FROM t;
INSERT INTO t VALUES (1, 'again');
SELECT rowid, * FROM t;
-- error
DELETE FROM nope;
-- error
DELETE FROM t WHERE nope = 1;
CREATE TABLE big(x);
INSERT INTO big VALUES (1), (2), (3), (4), (5), (6), (7), (8), (9), (10);
INSERT INTO big SELECT x + 10 FROM big;
INSERT INTO big SELECT x + 20 FROM big;
DELETE FROM big WHERE x % 3 = 0;
SELECT count(*), sum(x) FROM big;
DELETE FROM big;
SELECT count(*) FROM big;
