-- INSERT forms; rowcount and lastrowid after each.
CREATE TABLE t(id INTEGER PRIMARY KEY, a, b DEFAULT 'dflt');
INSERT INTO t VALUES (NULL, 1, 2);
INSERT INTO t(a) VALUES (10);
INSERT INTO t(b, a) VALUES ('bee', 'ay');
INSERT INTO t(a, b) VALUES (1, 1), (2, 2), (3, 3);
INSERT INTO t DEFAULT VALUES;
INSERT INTO t(id, a) VALUES (100, 'hundred');
INSERT INTO t(a) VALUES ('after hundred');
INSERT INTO t(id, a) VALUES (-5, 'negative');
INSERT INTO t(a, b) SELECT a, b FROM t WHERE id BETWEEN 4 AND 6;
INSERT INTO t(a) SELECT 'x' WHERE 0;
SELECT * FROM t;
-- error
INSERT INTO t VALUES (1, 2);
-- error
INSERT INTO t(a, b) VALUES (1);
-- error
INSERT INTO t(nope) VALUES (1);
-- error
INSERT INTO nope VALUES (1);
-- error
INSERT INTO t(id) VALUES ('not an integer');
INSERT INTO t(id) VALUES ('200');
INSERT INTO t(id) VALUES (300.0);
-- error
INSERT INTO t(id) VALUES (300.5);
SELECT id, typeof(id) FROM t WHERE id >= 200;
REPLACE INTO t(id, a) VALUES (100, 'replaced');
INSERT OR REPLACE INTO t(id, a) VALUES (1, 'replaced one');
SELECT * FROM t WHERE id IN (1, 100);
INSERT INTO t(id) VALUES (9223372036854775807);
SELECT max(id), count(*) FROM t;
