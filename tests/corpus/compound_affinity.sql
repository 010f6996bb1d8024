-- A compound read as a table (subquery, view, CTE): its columns take the leftmost
-- SELECT's affinity and collation.  A REAL column turns the other arms' integers
-- into REALs; a stored (materialized) subquery gives every value the column's
-- affinity; an outer WHERE term is also copied into each UNION ALL arm.
CREATE TABLE m(r REAL, i INTEGER, t TEXT, n NUMERIC, b, c TEXT COLLATE NOCASE);
INSERT INTO m VALUES (1.5, 2, '3', '4.0', '6', 'a'), (2.0, 3, '2', 'x', 2, 'A');
CREATE TABLE one(k INTEGER);
INSERT INTO one VALUES (1);
SELECT typeof(x), x FROM (SELECT r AS x FROM m UNION ALL SELECT i FROM m);
SELECT typeof(x), x FROM (SELECT i AS x FROM m UNION ALL SELECT r FROM m);
SELECT typeof(x), x FROM (SELECT r AS x FROM m UNION SELECT i FROM m) ORDER BY 2;
SELECT r FROM m UNION SELECT i FROM m ORDER BY 1 COLLATE NOCASE;
SELECT typeof(column1), column1 FROM (VALUES (CAST(1 AS REAL)), (2));
-- Stored: the second FROM item, or a CTE used twice.
SELECT typeof(x), x FROM one, (SELECT t AS x FROM m UNION ALL SELECT i FROM m);
SELECT typeof(x), x FROM one, (SELECT n AS x FROM m UNION ALL SELECT t FROM m);
SELECT typeof(x), x FROM (SELECT t AS x FROM m UNION ALL SELECT i FROM m) CROSS JOIN one;
WITH w AS (SELECT t AS x FROM m UNION ALL SELECT i FROM m)
SELECT typeof(a.x), a.x FROM w AS a, w AS b WHERE b.x = a.x ORDER BY 2;
-- The outer comparison uses the leftmost arm's affinity, its pushed copy each arm's.
SELECT x FROM (SELECT t AS x FROM m UNION ALL SELECT b FROM m) WHERE x = 6;
SELECT x FROM (SELECT t AS x FROM m UNION ALL SELECT b FROM m) WHERE x = '6';
SELECT x FROM (SELECT t AS x FROM m UNION SELECT b FROM m) WHERE x = 6;
SELECT x FROM (SELECT t AS x FROM m UNION ALL SELECT b FROM m LIMIT 10) WHERE x = 6;
SELECT x, x < 3 FROM (SELECT t AS x FROM m UNION ALL SELECT 1000) ORDER BY 1;
-- The leftmost arm's collation, none for a literal.
SELECT x FROM (SELECT 'a' AS x UNION ALL SELECT c FROM m) WHERE x = 'A';
SELECT x FROM (SELECT 'b' AS x UNION ALL SELECT c FROM m) ORDER BY x;
SELECT DISTINCT x FROM (SELECT c AS x FROM m UNION ALL SELECT 'a') ORDER BY x;
SELECT CAST(c AS TEXT) FROM m UNION SELECT 'a';
CREATE VIEW mv AS SELECT r AS x, t AS y FROM m UNION ALL SELECT i, b FROM m;
SELECT typeof(x), x, typeof(y), y FROM mv;
SELECT x, y FROM mv WHERE y = 6;
SELECT * FROM (SELECT t COLLATE NOCASE, t FROM m);
