-- Row values: comparisons, IN, BETWEEN, CASE, subqueries with several columns, UPDATE SET (a, b).
CREATE TABLE t(id INTEGER PRIMARY KEY, a INTEGER, b TEXT COLLATE NOCASE);
INSERT INTO t VALUES (1, 1, 'x'), (2, 1, 'y'), (3, 2, 'X'), (4, NULL, 'z'), (5, 2, NULL);
SELECT (1, 2) = (1, 2), (1, 2) <> (1, 3), (1, 2) < (1, 3), (2, 0) > (1, 9), (1, NULL) = (1, 2), (1, NULL) = (2, 2);
SELECT (1, 2) IS (1, 2), (1, NULL) IS (1, NULL), (1, NULL) IS NOT (1, 2), (NULL, 1) < (2, 3), (1, NULL) < (2, 1);
SELECT id FROM t WHERE (a, b) = (1, 'X') ORDER BY id;
SELECT id FROM t WHERE (a, b) > (1, 'x') ORDER BY id;
SELECT id FROM t WHERE (a, b) IN ((1, 'y'), (2, 'x')) ORDER BY id;
SELECT id FROM t WHERE (a, b) IN (SELECT a, b FROM t WHERE id > 2) ORDER BY id;
SELECT id FROM t WHERE (a, b) NOT IN (SELECT a, b FROM t WHERE id > 3) ORDER BY id;
SELECT id FROM t WHERE (a, id) BETWEEN (1, 2) AND (2, 3) ORDER BY id;
SELECT (SELECT a, b FROM t WHERE id = 3) = (2, 'x'), (SELECT a, b FROM t WHERE id = 99) IS (NULL, NULL);
SELECT id, CASE (a, b) WHEN (1, 'x') THEN 'first' WHEN (2, 'x') THEN 'third' END FROM t ORDER BY id;
SELECT (1, 2) IN (VALUES (1, 2), (3, 4)), (1, NULL) IN (VALUES (1, 2)), (1, NULL) NOT IN (VALUES (2, 2));
UPDATE t SET (a, b) = (10, 'ten') WHERE id = 1;
UPDATE t SET (a, b) = (SELECT a + 100, upper(b) FROM t AS s WHERE s.id = t.id) WHERE id IN (2, 3);
UPDATE t SET (b, a) = (a, b) WHERE id = 5;
SELECT * FROM t;
-- error
SELECT (1, 2) = (1, 2, 3);
-- error
SELECT (1, 2) = 1;
-- error
SELECT (1, 2);
-- error
SELECT (1, 2) IN (1, 2);
-- error
SELECT 1 IN (SELECT 1, 2);
-- error
SELECT (1, 2) IN (SELECT 1);
-- error
SELECT a FROM t WHERE a = (SELECT a, b FROM t);
-- error
UPDATE t SET (a, b) = (1, 2, 3);
-- error
UPDATE t SET (a, b) = (SELECT 1);
