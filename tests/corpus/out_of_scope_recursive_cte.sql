-- Recursive common table expressions: deferred to the 'SQL breadth' issue.
CREATE TABLE tree(id INTEGER PRIMARY KEY, parent INTEGER, name TEXT);
INSERT INTO tree VALUES (1, NULL, 'root'), (2, 1, 'a'), (3, 1, 'b'), (4, 2, 'a1'), (5, 4, 'a1x');
-- minisql: not supported (recursive common table expressions)
WITH RECURSIVE cnt(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM cnt WHERE n < 10) SELECT n FROM cnt;
-- minisql: not supported (recursive common table expressions)
WITH RECURSIVE cnt(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM cnt LIMIT 5) SELECT sum(n) FROM cnt;
-- minisql: not supported (recursive common table expressions)
WITH RECURSIVE fib(a, b) AS (SELECT 0, 1 UNION ALL SELECT b, a + b FROM fib WHERE b < 100) SELECT a FROM fib;
-- minisql: not supported (recursive common table expressions)
WITH RECURSIVE sub(id, depth) AS (SELECT 1, 0 UNION ALL SELECT tree.id, depth + 1 FROM tree JOIN sub ON tree.parent = sub.id) SELECT name, depth FROM sub JOIN tree USING (id) ORDER BY depth, name;
-- minisql: not supported (recursive common table expressions)
WITH RECURSIVE chars(i, c) AS (SELECT 1, substr('hello', 1, 1) UNION ALL SELECT i + 1, substr('hello', i + 1, 1) FROM chars WHERE i < 5) SELECT group_concat(c, '.') FROM chars;
-- minisql: not supported (recursive common table expressions)
WITH RECURSIVE r(x) AS (SELECT 1 UNION SELECT x FROM r) SELECT * FROM r;
