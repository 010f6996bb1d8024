-- Views: creation, column names, querying, errors on writes, dependencies.
CREATE TABLE t(a INTEGER, b TEXT);
INSERT INTO t VALUES (1, 'x'), (2, 'y'), (3, 'z');
CREATE VIEW v1 AS SELECT a, b FROM t WHERE a > 1;
CREATE VIEW v2(c1, c2) AS SELECT a * 10, upper(b) FROM t;
CREATE VIEW v3 AS SELECT a + 1, b || '!' FROM t;
CREATE VIEW IF NOT EXISTS v1 AS SELECT 1;
-- error
CREATE VIEW v1 AS SELECT 1;
SELECT * FROM v1;
SELECT * FROM v2 ORDER BY c1 DESC;
SELECT * FROM v3;
SELECT c2 FROM v2 WHERE c1 = 20;
SELECT v1.b, v2.c2 FROM v1 JOIN v2 ON v1.a * 10 = v2.c1 ORDER BY 1;
CREATE VIEW v4 AS SELECT count(*) AS n, max(a) AS top FROM v1;
SELECT * FROM v4;
INSERT INTO t VALUES (4, 'w');
SELECT * FROM v4;
-- error
INSERT INTO v1 VALUES (5, 'v');
-- error
UPDATE v1 SET a = 0;
-- error
DELETE FROM v1;
CREATE VIEW v5(only_one) AS SELECT a, b FROM t;
-- error
SELECT * FROM v5;
CREATE VIEW v6 AS SELECT * FROM nosuch;
-- error
SELECT * FROM v6;
DROP VIEW v6;
CREATE TEMP VIEW tv AS SELECT a FROM t WHERE a < 3;
SELECT * FROM tv;
PRAGMA table_info(v2);
PRAGMA table_info(v3);
SELECT type, name, sql FROM sqlite_schema WHERE type = 'view' ORDER BY name;
DROP TABLE t;
-- error
SELECT * FROM v1;
