-- CREATE TABLE forms, column definitions, and what sqlite_schema records.
CREATE TABLE t1(a, b, c);
CREATE TABLE t2(id INTEGER PRIMARY KEY, name TEXT NOT NULL, score REAL DEFAULT 0.0, data BLOB);
CREATE TABLE IF NOT EXISTS t1(x);
-- error
CREATE TABLE t1(x);
-- error
CREATE TABLE t3(a, a);
-- error
CREATE TABLE t4();
CREATE TABLE "quoted name"("col one" INTEGER, [col two] TEXT, `col three`);
CREATE TABLE t5(a INT, b VARCHAR(20), c DOUBLE PRECISION, d DECIMAL(10,5), e BOOLEAN, f DATETIME);
CREATE TABLE t6(a INTEGER PRIMARY KEY AUTOINCREMENT, b);
-- error
CREATE TABLE t8(a, b) WITHOUT ROWID;
CREATE TABLE t9(a DEFAULT 5, b DEFAULT 'txt', c DEFAULT (1 + 2), d DEFAULT -3.5, e DEFAULT NULL, f DEFAULT CURRENT_DATE);
CREATE TABLE t10 AS SELECT 1 AS one, 'two' AS two, 3.0 AS three, NULL AS four;
CREATE TABLE t11(a UNIQUE, b CHECK (b > 0), c REFERENCES t2(id), d COLLATE NOCASE);
-- error
CREATE TABLE sqlite_foo(x);
-- error
CREATE TABLE t12(a INTEGER PRIMARY KEY, b INTEGER PRIMARY KEY);
SELECT type, name, tbl_name, sql FROM sqlite_schema ORDER BY name;
SELECT * FROM t10;
SELECT typeof(one), typeof(two), typeof(three), typeof(four) FROM t10;
INSERT INTO t9(a) VALUES (1);
INSERT INTO t9 DEFAULT VALUES;
SELECT a, b, c, d, e, typeof(f) FROM t9;
INSERT INTO "quoted name" VALUES (1, 'x', 2.5);
SELECT "col one", [col two], `col three` FROM "quoted name";
SELECT * FROM "quoted name";
