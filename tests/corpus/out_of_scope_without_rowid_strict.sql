-- WITHOUT ROWID and STRICT tables, generated columns: deferred to the 'SQL breadth'
-- issue.  minisql refuses to create them (and to use such tables from files sqlite3
-- wrote), so the statements that use them run on sqlite3 only.
-- minisql: not supported (WITHOUT ROWID / STRICT tables, generated columns)
CREATE TABLE w(k TEXT PRIMARY KEY, v INTEGER) WITHOUT ROWID;
-- minisql: skip (uses a table minisql refused)
INSERT INTO w VALUES ('b', 2), ('a', 1), ('c', 3);
-- minisql: skip (uses a table minisql refused)
SELECT * FROM w;
-- error
-- minisql: skip (uses a table minisql refused)
INSERT INTO w VALUES ('a', 9);
-- minisql: skip (uses a table minisql refused)
UPDATE w SET v = v * 10 WHERE k > 'a';
-- minisql: skip (uses a table minisql refused)
DELETE FROM w WHERE k = 'c';
-- minisql: skip (uses a table minisql refused)
SELECT * FROM w;
-- minisql: not supported (WITHOUT ROWID / STRICT tables, generated columns)
CREATE TABLE s(id INTEGER PRIMARY KEY, n INT, r REAL, t TEXT, b BLOB, a ANY) STRICT;
-- minisql: skip (uses a table minisql refused)
INSERT INTO s VALUES (1, 1, 1.5, 'x', x'00', 'any');
-- minisql: skip (uses a table minisql refused)
INSERT INTO s VALUES (2, '2', 2, 3, x'01', 3.5);
-- error
-- minisql: skip (uses a table minisql refused)
INSERT INTO s VALUES (3, 'abc', 1.0, 'x', x'00', 1);
-- error
-- minisql: skip (uses a table minisql refused)
INSERT INTO s VALUES (4, 1, 'abc', 'x', x'00', 1);
-- error
-- minisql: skip (uses a table minisql refused)
INSERT INTO s VALUES (5, 1, 1.0, x'00', x'00', 1);
-- minisql: skip (uses a table minisql refused)
SELECT id, n, typeof(n), r, typeof(r), t, typeof(t), a, typeof(a) FROM s;
-- error
-- minisql: skip (STRICT tables: minisql refuses before checking the types)
CREATE TABLE bad(x FOO) STRICT;
-- minisql: not supported (WITHOUT ROWID / STRICT tables, generated columns)
CREATE TABLE g(a INTEGER, b INTEGER GENERATED ALWAYS AS (a * 2) VIRTUAL, c TEXT AS ('#' || a) STORED);
-- minisql: skip (uses a table minisql refused)
INSERT INTO g(a) VALUES (1), (2), (NULL);
-- minisql: skip (uses a table minisql refused)
SELECT * FROM g;
-- minisql: skip (uses a table minisql refused)
UPDATE g SET a = 10 WHERE a = 1;
-- minisql: skip (uses a table minisql refused)
SELECT a, b, c FROM g WHERE b > 3;
-- error
-- minisql: skip (uses a table minisql refused)
INSERT INTO g(a, b) VALUES (1, 2);
-- minisql: skip (uses a table minisql refused)
PRAGMA table_xinfo(g);

-- minisql: not supported (WITHOUT ROWID tables)
CREATE TABLE wr(a PRIMARY KEY, b) WITHOUT ROWID;
-- error
-- minisql: skip (uses a table minisql refused)
INSERT INTO wr VALUES (NULL, 1);
-- minisql: skip (uses a table minisql refused)
SELECT count(*) FROM wr;
-- minisql: not supported (WITHOUT ROWID tables)
CREATE TABLE t7(a, b, PRIMARY KEY(a, b)) WITHOUT ROWID;
-- minisql: not supported (WITHOUT ROWID tables)
CREATE TABLE w2(k TEXT, v, PRIMARY KEY(k)) WITHOUT ROWID;
-- minisql: skip (uses a table minisql refused)
PRAGMA table_info('w2');
-- minisql: skip (uses a table minisql refused)
PRAGMA index_list(w2);
-- minisql: not supported (WITHOUT ROWID tables)
CREATE TABLE wr2(k PRIMARY KEY, v) WITHOUT ROWID;
-- error
-- minisql: skip (uses a table minisql refused)
SELECT rowid FROM wr2;
