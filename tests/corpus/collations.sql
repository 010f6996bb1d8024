-- BINARY, NOCASE and RTRIM: in columns, comparisons, ORDER BY, DISTINCT, indexes.
CREATE TABLE t(b TEXT, n TEXT COLLATE NOCASE, r TEXT COLLATE RTRIM);
INSERT INTO t VALUES ('abc', 'abc', 'abc'), ('ABC', 'ABC', 'abc  '), ('abd', 'Abd', 'abd'), ('é', 'É', 'é '), ('a', 'a', ' a');
SELECT b = 'ABC', n = 'ABC', r = 'abc' FROM t;
SELECT count(*) FROM t WHERE n = 'abc';
SELECT count(*) FROM t WHERE r = 'abc';
SELECT count(*) FROM t WHERE b = 'abc' COLLATE NOCASE;
SELECT count(*) FROM t WHERE n = 'abc' COLLATE BINARY;
SELECT b FROM t ORDER BY b;
SELECT n FROM t ORDER BY n, b;
SELECT r FROM t ORDER BY r, b;
SELECT b FROM t ORDER BY b COLLATE NOCASE, b;
SELECT DISTINCT n FROM t ORDER BY 1;
SELECT count(DISTINCT n), count(DISTINCT r), count(DISTINCT b) FROM t;
SELECT n, count(*) FROM t GROUP BY n ORDER BY 1;
SELECT 'a' < 'B', 'a' < 'B' COLLATE NOCASE, 'a ' = 'a' COLLATE RTRIM, 'A' COLLATE NOCASE = 'a';
SELECT n = b, b = n FROM t;
SELECT max(n), min(n), max(b), min(b) FROM t;
SELECT b FROM t WHERE b IN ('ABC', 'abd') ORDER BY b;
SELECT n FROM t WHERE n IN ('ABC', 'abd') ORDER BY b;
SELECT b FROM t WHERE b BETWEEN 'a' AND 'b' ORDER BY b;
SELECT n FROM t WHERE n BETWEEN 'A' AND 'B' ORDER BY b;
CREATE INDEX t_n ON t(n);
SELECT n FROM t WHERE n = 'ABD';
SELECT n FROM t WHERE n > 'abc' ORDER BY n;
SELECT b COLLATE nosuch FROM t;
-- error
SELECT b FROM t ORDER BY b COLLATE nosuch;
-- error
CREATE TABLE bad(x COLLATE nosuch);
SELECT b FROM t UNION SELECT 'ABC' ORDER BY 1;
SELECT n FROM t UNION SELECT 'ABC' ORDER BY 1;
