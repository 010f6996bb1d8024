-- INDEXED BY forces one index (a full scan of it at worst, never a rowid
-- seek); NOT INDEXED forbids them; a missing index is an error.
CREATE TABLE t(a, b, c);
CREATE INDEX ia ON t(a);
CREATE INDEX ib ON t(b);
INSERT INTO t VALUES (3, 1, 'x'), (1, 2, 'y'), (2, 0, 'z'), (5, 5, 'w');
SELECT * FROM t INDEXED BY ia;
SELECT * FROM t INDEXED BY ia WHERE b = 1;
SELECT * FROM t INDEXED BY ib WHERE a = 1;
SELECT a FROM t INDEXED BY ia;
SELECT * FROM t INDEXED BY ia WHERE rowid = 2;
SELECT * FROM t INDEXED BY ia WHERE a > 1;
SELECT a FROM t NOT INDEXED;
SELECT * FROM t NOT INDEXED WHERE a = 1;
-- error
SELECT * FROM t INDEXED BY nope;
-- error
DELETE FROM t INDEXED BY nope;
-- error
UPDATE t INDEXED BY nope SET c = 1;
UPDATE t INDEXED BY ia SET c = 'u' WHERE b = 0;
DELETE FROM t INDEXED BY ib WHERE a = 3;
DELETE FROM t NOT INDEXED WHERE b = 5;
SELECT * FROM t ORDER BY a;
