-- WITH clauses (recursive ones: out_of_scope_recursive_cte.sql).
WITH x(a) AS (SELECT 1 UNION ALL SELECT 2) SELECT * FROM x;
CREATE TABLE tree(id INTEGER PRIMARY KEY, parent INTEGER, name TEXT);
INSERT INTO tree VALUES (1, NULL, 'root'), (2, 1, 'a'), (3, 1, 'b'), (4, 2, 'a1'), (5, 4, 'a1x');
WITH a AS (SELECT 1 AS v), b AS (SELECT v + 1 AS v FROM a) SELECT * FROM a, b;
WITH t(x) AS (VALUES (3), (1), (2)) SELECT x FROM t ORDER BY x;
-- error
WITH x(a, b) AS (SELECT 1) SELECT * FROM x;
-- error
WITH RECURSIVE r(x) AS (SELECT x FROM r) SELECT * FROM r;
WITH upd AS (SELECT id FROM tree WHERE parent = 1) UPDATE tree SET name = upper(name) WHERE id IN (SELECT id FROM upd);
SELECT * FROM tree;
