-- LIKE and GLOB: wildcards, case, escapes, non-ASCII.
CREATE TABLE t(s TEXT);
INSERT INTO t VALUES ('abc'), ('ABC'), ('a_c'), ('a%c'), ('ab'), ('ünï'), ('ÜNÏ'), (''), (NULL), ('a.c'), ('[x]');
SELECT s FROM t WHERE s LIKE 'a%';
SELECT s FROM t WHERE s LIKE 'a_c';
SELECT s FROM t WHERE s LIKE 'A%C';
SELECT s FROM t WHERE s NOT LIKE '%b%';
SELECT s FROM t WHERE s LIKE 'a\_c' ESCAPE '\';
SELECT s FROM t WHERE s LIKE 'a!%c' ESCAPE '!';
SELECT s FROM t WHERE s LIKE 'ü%';
SELECT s FROM t WHERE s LIKE '';
SELECT s FROM t WHERE s LIKE '%';
SELECT s FROM t WHERE s GLOB 'a*';
SELECT s FROM t WHERE s GLOB 'a?c';
SELECT s FROM t WHERE s GLOB '[a-b]*';
SELECT s FROM t WHERE s GLOB '[^a]*';
SELECT s FROM t WHERE s GLOB '*[[]*';
SELECT s FROM t WHERE s GLOB 'A*';
SELECT 'abc' LIKE 'ABC', 'abc' GLOB 'ABC', 1 LIKE 1, 10 LIKE '1%', NULL LIKE 'a', 'a' LIKE NULL;
-- error
SELECT 'a' LIKE 'a' ESCAPE 'xy';
PRAGMA case_sensitive_like = 1;
SELECT s FROM t WHERE s LIKE 'a%';
PRAGMA case_sensitive_like = 0;
SELECT s FROM t WHERE s LIKE 'a%';
