-- CHECK constraints: column and table level, named, messages.
CREATE TABLE t(a INTEGER CHECK (a > 0), b TEXT CHECK (length(b) <= 3), CONSTRAINT pos_sum CHECK (a + length(b) < 10));
INSERT INTO t VALUES (1, 'abc');
-- error
INSERT INTO t VALUES (0, 'abc');
-- error
INSERT INTO t VALUES (1, 'abcd');
-- error
INSERT INTO t VALUES (8, 'abc');
INSERT INTO t VALUES (NULL, NULL);
-- error
UPDATE t SET a = -1;
SELECT * FROM t;
CREATE TABLE ck(x CHECK (x IN ('a', 'b')), y CHECK (typeof(y) = 'integer'));
INSERT INTO ck VALUES ('a', 1);
-- error
INSERT INTO ck VALUES ('c', 1);
-- error
INSERT INTO ck VALUES ('a', '1.5');
INSERT OR IGNORE INTO ck VALUES ('z', 1);
SELECT * FROM ck;
-- error
CREATE TABLE bad(x CHECK (x > (SELECT 1)));
PRAGMA ignore_check_constraints = 1;
INSERT INTO ck VALUES ('c', 'text');
PRAGMA ignore_check_constraints = 0;
SELECT * FROM ck;
