-- ALTER TABLE: RENAME TO, ADD COLUMN, RENAME COLUMN, DROP COLUMN.
CREATE TABLE t(a INTEGER, b TEXT);
INSERT INTO t VALUES (1, 'one'), (2, 'two');
CREATE INDEX t_b ON t(b);
CREATE VIEW v AS SELECT a, b FROM t;
ALTER TABLE t ADD COLUMN c REAL DEFAULT 1.5;
SELECT * FROM t;
ALTER TABLE t ADD COLUMN d;
SELECT a, b, c, d FROM t;
-- error
ALTER TABLE t ADD COLUMN e NOT NULL;
ALTER TABLE t ADD COLUMN e NOT NULL DEFAULT 'x';
-- error
ALTER TABLE t ADD COLUMN f PRIMARY KEY;
-- error
ALTER TABLE t ADD COLUMN a;
ALTER TABLE t RENAME COLUMN b TO bee;
SELECT bee FROM t ORDER BY a;
-- error
SELECT b FROM t;
SELECT sql FROM sqlite_schema WHERE name IN ('t', 't_b', 'v') ORDER BY name;
ALTER TABLE t RENAME TO t_renamed;
-- error
SELECT * FROM t;
SELECT * FROM t_renamed;
SELECT name, tbl_name FROM sqlite_schema ORDER BY name;
SELECT * FROM v;
ALTER TABLE t_renamed DROP COLUMN d;
SELECT * FROM t_renamed;
-- error
ALTER TABLE t_renamed DROP COLUMN bee;
-- error
ALTER TABLE no_such_table ADD COLUMN x;
-- error
ALTER TABLE t_renamed RENAME COLUMN nope TO other;
CREATE TABLE other(x);
-- error
ALTER TABLE t_renamed RENAME TO other;
PRAGMA table_info(t_renamed);
