-- rowid, its aliases, INTEGER PRIMARY KEY, AUTOINCREMENT and sqlite_sequence.
CREATE TABLE t(a);
INSERT INTO t VALUES ('x'), ('y');
SELECT rowid, oid, _rowid_, a FROM t;
INSERT INTO t(rowid, a) VALUES (10, 'ten');
INSERT INTO t VALUES ('eleven?');
SELECT rowid, a FROM t;
UPDATE t SET rowid = 20 WHERE a = 'x';
SELECT rowid, a FROM t ORDER BY rowid;
DELETE FROM t WHERE rowid = 20;
-- error
INSERT INTO t(rowid, a) VALUES (10, 'dup');
CREATE TABLE ipk(id INTEGER PRIMARY KEY, v);
INSERT INTO ipk(v) VALUES ('a');
INSERT INTO ipk VALUES (5, 'b');
INSERT INTO ipk(v) VALUES ('c');
SELECT id, rowid, v FROM ipk;
CREATE TABLE not_alias(id INT PRIMARY KEY, v);
INSERT INTO not_alias VALUES (5, 'b');
SELECT id, rowid, v FROM not_alias;
CREATE TABLE desc_pk(id INTEGER PRIMARY KEY DESC, v);
INSERT INTO desc_pk VALUES (3, 'c'), (1, 'a');
SELECT rowid, id, v FROM desc_pk;
CREATE TABLE auto(id INTEGER PRIMARY KEY AUTOINCREMENT, v);
INSERT INTO auto(v) VALUES ('a'), ('b'), ('c');
DELETE FROM auto WHERE id = 3;
INSERT INTO auto(v) VALUES ('d');
SELECT * FROM auto;
SELECT * FROM sqlite_sequence;
INSERT INTO auto VALUES (100, 'e');
INSERT INTO auto(v) VALUES ('f');
SELECT * FROM sqlite_sequence;
DELETE FROM auto;
INSERT INTO auto(v) VALUES ('g');
SELECT * FROM auto;
INSERT INTO auto VALUES (9223372036854775807, 'max');
-- error
INSERT INTO auto(v) VALUES ('no more');
-- SQLITE_FULL rolled back the whole (implicit) transaction, CREATE TABLE auto included
-- error
SELECT * FROM sqlite_sequence;
-- error
CREATE TABLE bad(id INT PRIMARY KEY AUTOINCREMENT);
CREATE TABLE rowid_col(rowid TEXT, v);
INSERT INTO rowid_col VALUES ('shadow', 1);
SELECT rowid, v, _rowid_ FROM rowid_col;
SELECT last_insert_rowid(), changes(), total_changes() > 0;
