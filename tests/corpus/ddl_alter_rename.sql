-- ALTER TABLE RENAME TO / RENAME COLUMN / DROP COLUMN rewrite every CREATE statement
-- that names the table or column: indexes, views, triggers, foreign keys.
CREATE TABLE t(a INTEGER, b TEXT, UNIQUE(a), CHECK (b != 'x'));
CREATE INDEX t_b ON t(b);
CREATE INDEX t_e ON t(lower(b)) WHERE a > 0;
CREATE VIEW v AS SELECT a, b FROM t;
CREATE VIEW v2 AS SELECT t.a, x.b FROM t JOIN t AS x ON t.a = x.a WHERE t.b IN (SELECT b FROM t);
CREATE TABLE other(z REFERENCES t(a), w, FOREIGN KEY (w) REFERENCES t(b));
CREATE TABLE log(m);
CREATE TRIGGER tr AFTER INSERT ON t BEGIN INSERT INTO t(a) SELECT new.a + 1 WHERE new.a < 3; UPDATE t SET b = new.b WHERE t.a = 1; END;
CREATE TRIGGER tr2 BEFORE UPDATE OF b ON t WHEN old.b <> new.b BEGIN INSERT INTO log VALUES (old.b); END;
INSERT INTO t VALUES (1, 'one'), (5, 'five');
ALTER TABLE t RENAME COLUMN b TO bee;
SELECT type, name, tbl_name, sql FROM sqlite_schema ORDER BY name;
ALTER TABLE t RENAME COLUMN a TO [A b];
ALTER TABLE t RENAME TO t2;
SELECT type, name, tbl_name, sql FROM sqlite_schema ORDER BY name;
ALTER TABLE t2 RENAME TO "t 3";
SELECT type, name, tbl_name, sql FROM sqlite_schema ORDER BY name;
SELECT * FROM v2 ORDER BY 1;
INSERT INTO "t 3" VALUES (7, 'seven');
UPDATE "t 3" SET bee = 'uno' WHERE "A b" = 1;
SELECT * FROM log;
ALTER TABLE "t 3" ADD COLUMN z DEFAULT 'zz';
SELECT * FROM "t 3" ORDER BY 1;
ALTER TABLE "t 3" DROP COLUMN z;
-- error
ALTER TABLE "t 3" DROP COLUMN bee;
-- error
ALTER TABLE "t 3" DROP COLUMN "A b";
-- error
ALTER TABLE v RENAME TO v9;
-- error
ALTER TABLE v DROP COLUMN a;
SELECT * FROM "t 3" ORDER BY 1;
PRAGMA integrity_check;
