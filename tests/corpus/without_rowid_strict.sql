-- WITHOUT ROWID tables, STRICT tables, generated columns.
CREATE TABLE w(k TEXT PRIMARY KEY, v INTEGER) WITHOUT ROWID;
INSERT INTO w VALUES ('b', 2), ('a', 1), ('c', 3);
SELECT * FROM w;
-- error
INSERT INTO w VALUES ('a', 9);
UPDATE w SET v = v * 10 WHERE k > 'a';
DELETE FROM w WHERE k = 'c';
SELECT * FROM w;
CREATE TABLE s(id INTEGER PRIMARY KEY, n INT, r REAL, t TEXT, b BLOB, a ANY) STRICT;
INSERT INTO s VALUES (1, 1, 1.5, 'x', x'00', 'any');
INSERT INTO s VALUES (2, '2', 2, 3, x'01', 3.5);
-- error
INSERT INTO s VALUES (3, 'abc', 1.0, 'x', x'00', 1);
-- error
INSERT INTO s VALUES (4, 1, 'abc', 'x', x'00', 1);
-- error
INSERT INTO s VALUES (5, 1, 1.0, x'00', x'00', 1);
SELECT id, n, typeof(n), r, typeof(r), t, typeof(t), a, typeof(a) FROM s;
-- error
CREATE TABLE bad(x FOO) STRICT;
CREATE TABLE g(a INTEGER, b INTEGER GENERATED ALWAYS AS (a * 2) VIRTUAL, c TEXT AS ('#' || a) STORED);
INSERT INTO g(a) VALUES (1), (2), (NULL);
SELECT * FROM g;
UPDATE g SET a = 10 WHERE a = 1;
SELECT a, b, c FROM g WHERE b > 3;
-- error
INSERT INTO g(a, b) VALUES (1, 2);
PRAGMA table_xinfo(g);
