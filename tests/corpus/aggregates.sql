-- Aggregate functions over integers, reals, text, mixed values, empty inputs.
CREATE TABLE t(i INTEGER, r REAL, s TEXT, m);
INSERT INTO t VALUES (1, 1.5, 'b', 1), (2, 2.5, 'a', 'x'), (3, NULL, 'c', 2.5), (NULL, -1.0, NULL, x'01'), (4, 0.25, 'B', NULL);
SELECT count(*), count(i), count(r), count(s), count(m) FROM t;
SELECT sum(i), sum(r), sum(s), sum(m), total(i), total(r), total(s) FROM t;
SELECT typeof(sum(i)), typeof(sum(r)), typeof(total(i)), typeof(avg(i)) FROM t;
SELECT avg(i), avg(r), avg(s), avg(m) FROM t;
SELECT min(i), max(i), min(r), max(r), min(s), max(s), min(m), max(m) FROM t;
SELECT count(DISTINCT s), sum(DISTINCT i), count(DISTINCT i % 2) FROM t;
SELECT group_concat(s), group_concat(s, '-'), group_concat(DISTINCT s) FROM t;
SELECT group_concat(i, ''), group_concat(r) FROM t;
SELECT count(*), sum(i), avg(i), min(i), max(i), total(i), group_concat(i) FROM t WHERE 0;
SELECT count(*) FROM t WHERE i > 100;
SELECT sum(x) FROM (SELECT 9223372036854775807 AS x UNION ALL SELECT 0);
-- error
SELECT sum(x) FROM (SELECT 9223372036854775807 AS x UNION ALL SELECT 1);
SELECT total(x) FROM (SELECT 9223372036854775807 AS x UNION ALL SELECT 1);
SELECT avg(x) FROM (SELECT 9223372036854775807 AS x UNION ALL SELECT 1);
SELECT sum(x), avg(x) FROM (SELECT 0.1 AS x UNION ALL SELECT 0.2 UNION ALL SELECT 0.3);
SELECT max(i) + 1, min(r) * 2, count(*) * 1.0 / 3 FROM t;
SELECT i, (SELECT count(*) FROM t AS u WHERE u.i <= t.i) FROM t ORDER BY i;
-- error
SELECT i FROM t WHERE count(*) > 1;
-- error
SELECT sum(i, r) FROM t;
-- error
SELECT count(i, r) FROM t;
-- error
SELECT sum(count(*)) FROM t;
SELECT count() FROM t;
SELECT max(s COLLATE NOCASE), min(s COLLATE NOCASE) FROM t;
