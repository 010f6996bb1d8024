-- Indexes: creation, uniqueness, partial and expression indexes, lookups through them.
CREATE TABLE t(id INTEGER PRIMARY KEY, a INTEGER, b TEXT, c REAL);
INSERT INTO t(a, b, c) VALUES (5, 'e', 0.5), (3, 'c', 1.5), (1, 'a', 2.5), (4, 'D', NULL), (2, 'b', -1.0), (3, 'C', 3.5), (NULL, NULL, NULL);
CREATE INDEX t_a ON t(a);
CREATE INDEX t_b_nocase ON t(b COLLATE NOCASE);
CREATE INDEX t_ab ON t(a DESC, b);
CREATE INDEX IF NOT EXISTS t_a ON t(b);
-- error
CREATE INDEX t_a ON t(b);
-- error
CREATE INDEX t_x ON t(nope);
-- error
CREATE INDEX t_y ON nosuch(a);
CREATE INDEX t_partial ON t(c) WHERE c > 0;
CREATE INDEX t_expr ON t(a + 1, lower(b));
SELECT id FROM t WHERE a = 3 ORDER BY id;
SELECT id, a FROM t WHERE a > 2 ORDER BY a, id;
SELECT id, a FROM t WHERE a BETWEEN 2 AND 4 ORDER BY a DESC, id;
SELECT b FROM t WHERE b = 'c' COLLATE NOCASE ORDER BY b;
SELECT b FROM t WHERE b >= 'C' ORDER BY b;
SELECT id FROM t WHERE c > 1 ORDER BY c;
SELECT id FROM t WHERE a + 1 = 4 ORDER BY id;
SELECT id FROM t WHERE a IS NULL;
SELECT id FROM t WHERE a IN (1, 5, 7) ORDER BY id;
SELECT count(*), min(a), max(a) FROM t;
CREATE UNIQUE INDEX t_b_unique ON t(b);
-- error
INSERT INTO t(a, b) VALUES (9, 'a');
INSERT INTO t(a, b) VALUES (9, 'A');
-- error
CREATE UNIQUE INDEX t_b_unique_nocase ON t(b COLLATE NOCASE);
UPDATE t SET a = a * 10 WHERE a IS NOT NULL;
SELECT id, a FROM t WHERE a >= 30 ORDER BY a, id;
DELETE FROM t WHERE a = 30;
SELECT id, a, b FROM t ORDER BY id;
PRAGMA index_list(t);
PRAGMA index_info(t_ab);
PRAGMA index_xinfo(t_ab);
PRAGMA index_info(t_expr);
PRAGMA integrity_check;
REINDEX t;
REINDEX t_a;
DROP INDEX t_expr;
SELECT name, sql FROM sqlite_schema WHERE type = 'index' ORDER BY name;
