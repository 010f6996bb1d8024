-- Operators, precedence, IS, IN lists, row values, affinity in comparisons.
SELECT 1 = 1 = 1, 2 = 2 = 2, NOT 1 = 2, NOT (1 = 2), 1 < 2 < 3, 3 > 2 > 1;
SELECT 1 AND 0 OR 1, 1 OR 0 AND 0, NOT 0 AND 0, - - 1, ~ ~ 5, +'abc';
SELECT 1 IS 1, 1 IS NOT 1, 'a' IS 'a', NULL IS NOT NULL, 1 IS 1.0, 1 IS '1';
SELECT 'abc' || 'def' = 'abcdef', 'a' || 1 + 1, 1 + 1 || 'a';
SELECT 5 IN (1, 5), 5 IN (SELECT 5), (1, 2) = (1, 2), (1, 2) < (1, 3), (1, NULL) = (1, 2), (1, 2) IN (VALUES (1, 2));
SELECT 1 BETWEEN 0 AND 2 AND 1, 2 BETWEEN 1 AND 3 = 1;
SELECT typeof(1 = 1), typeof(1 < 'a'), typeof(NOT 1), 1 == 1, 1 != 2, 1 <> 1;
CREATE TABLE t(i INTEGER, tx TEXT, n);
INSERT INTO t VALUES (10, '10', 10), (9, '9', '9'), (1, '1.0', 1.0);
SELECT i = tx, i = n, tx = n, i < tx, tx < n FROM t;
SELECT i = '10', tx = 10, n = '10', n = 10 FROM t;
SELECT count(*) FROM t WHERE tx > 5;
SELECT count(*) FROM t WHERE i > '5';
SELECT i IN ('10', '9'), tx IN (10, 9), n IN ('9', 10) FROM t;
SELECT i, tx FROM t WHERE tx BETWEEN 1 AND 5;
SELECT 'abc' > 'abd', 'b' > 'abc', '' < 'a', x'' < '', 1 < '', 1.5 < x'00';
SELECT coalesce(NULL, i, 0), nullif(i, 10), typeof(nullif(i, 10)) FROM t;
SELECT likely(1), unlikely(0), likelihood(1, 0.5), typeof(likely('a'));
