-- Which of several equal rows SQLite shows: bare columns of GROUP BY queries (the
-- group's first row, or the row of its min()/max()), DISTINCT, and compound
-- selects with and without ORDER BY.
CREATE TABLE t(g TEXT COLLATE NOCASE, k INTEGER, m);
INSERT INTO t VALUES ('a', 1, 5), ('A', 2, 9), ('b', 3, NULL), ('a', 4, 0), ('B', 5, 7), ('c', 6, NULL);
SELECT g, k, count(*) FROM t GROUP BY g ORDER BY 1;
SELECT g, k, max(m) FROM t GROUP BY g ORDER BY 1;
SELECT g, k, min(m) FROM t GROUP BY g ORDER BY 1;
SELECT k, m, count(*) FROM t;
SELECT k, max(m) FROM t;
SELECT k, min(m), max(m) FROM t;
SELECT k, max(m) FILTER (WHERE k < 3) FROM t;
SELECT g, k FROM t GROUP BY g HAVING max(k) > 3 ORDER BY 1;
SELECT DISTINCT g FROM t ORDER BY 1;
CREATE TABLE a(x);
CREATE TABLE b(x);
INSERT INTO a VALUES (1), (2), (3), ('t');
INSERT INTO b VALUES (3), (3.0), (2.0), (4);
SELECT x, typeof(x) FROM (SELECT x FROM a UNION SELECT x FROM b) ORDER BY 1;
SELECT x, typeof(x) FROM a UNION SELECT x, typeof(x) FROM b ORDER BY 1;
SELECT x FROM a UNION SELECT x FROM b ORDER BY 1;
SELECT x FROM b UNION SELECT x FROM a ORDER BY 1;
SELECT x FROM a INTERSECT SELECT x FROM b ORDER BY 1;
SELECT x FROM b INTERSECT SELECT x FROM a ORDER BY 1;
SELECT typeof(x) FROM (SELECT x FROM b INTERSECT SELECT x FROM a);
SELECT typeof(x) FROM (SELECT x FROM b EXCEPT SELECT 4);
SELECT x FROM a UNION SELECT x FROM b ORDER BY x COLLATE NOCASE;
SELECT 'a' UNION SELECT 'A' COLLATE NOCASE;
SELECT g FROM t UNION SELECT 'B' ORDER BY 1;
