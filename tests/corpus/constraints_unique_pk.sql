-- UNIQUE and PRIMARY KEY violations, composite keys, NULLs in UNIQUE columns.
CREATE TABLE t(a INTEGER PRIMARY KEY, b UNIQUE, c, d, UNIQUE(c, d));
INSERT INTO t VALUES (1, 'x', 1, 1);
-- error
INSERT INTO t VALUES (1, 'y', 2, 2);
-- error
INSERT INTO t VALUES (2, 'x', 2, 2);
-- error
INSERT INTO t VALUES (2, 'y', 1, 1);
INSERT INTO t VALUES (2, 'y', 1, 2);
INSERT INTO t VALUES (3, NULL, NULL, 1);
INSERT INTO t VALUES (4, NULL, NULL, 1);
SELECT * FROM t;
-- error
UPDATE t SET b = 'x' WHERE a = 2;
-- error
UPDATE t SET a = 1 WHERE a = 2;
CREATE TABLE comp(x, y, z, PRIMARY KEY(x, y));
INSERT INTO comp VALUES (1, 1, 'a'), (1, 2, 'b'), (2, 1, 'c');
-- error
INSERT INTO comp VALUES (1, 2, 'dup');
SELECT * FROM comp;
CREATE TABLE txt(k TEXT PRIMARY KEY, v);
INSERT INTO txt VALUES ('a', 1), ('A', 2), ('a ', 3);
-- error
INSERT INTO txt VALUES ('a', 4);
CREATE TABLE nc(k TEXT PRIMARY KEY COLLATE NOCASE, v);
INSERT INTO nc VALUES ('a', 1);
-- error
INSERT INTO nc VALUES ('A', 2);
CREATE TABLE num(k NUMERIC UNIQUE);
INSERT INTO num VALUES (1);
-- error
INSERT INTO num VALUES ('1');
-- error
INSERT INTO num VALUES (1.0);
INSERT INTO num VALUES ('1a');
SELECT k, typeof(k) FROM num;
-- error
CREATE UNIQUE INDEX t_d ON t(d);
-- error
CREATE UNIQUE INDEX t_c ON t(c);
SELECT name FROM sqlite_schema WHERE type = 'index' ORDER BY name;
