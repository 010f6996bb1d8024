-- Window functions: deferred to the 'SQL breadth' issue.
CREATE TABLE t(g TEXT, x INTEGER);
INSERT INTO t VALUES ('a', 1), ('a', 3), ('a', 3), ('b', 2), ('b', 5), ('c', 4);
-- minisql: not supported (window functions)
SELECT g, x, row_number() OVER (ORDER BY x, g) FROM t ORDER BY x, g;
-- minisql: not supported (window functions)
SELECT g, x, rank() OVER (ORDER BY x), dense_rank() OVER (ORDER BY x) FROM t ORDER BY x, g;
-- minisql: not supported (window functions)
SELECT g, x, sum(x) OVER (PARTITION BY g ORDER BY x) FROM t ORDER BY g, x;
-- minisql: not supported (window functions)
SELECT g, x, sum(x) OVER (PARTITION BY g) FROM t ORDER BY g, x;
-- minisql: not supported (window functions)
SELECT g, x, lag(x) OVER (ORDER BY x, g), lead(x, 1, -1) OVER (ORDER BY x, g) FROM t ORDER BY x, g;
-- minisql: not supported (window functions)
SELECT g, x, first_value(x) OVER w, last_value(x) OVER w FROM t WINDOW w AS (PARTITION BY g ORDER BY x ROWS BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING) ORDER BY g, x;
-- minisql: not supported (window functions)
SELECT x, avg(x) OVER (ORDER BY x ROWS BETWEEN 1 PRECEDING AND 1 FOLLOWING) FROM t ORDER BY x;
-- minisql: not supported (window functions)
SELECT g, count(*) OVER () FROM t ORDER BY g;
-- minisql: not supported (window functions)
SELECT x, ntile(2) OVER (ORDER BY x), percent_rank() OVER (ORDER BY x), cume_dist() OVER (ORDER BY x) FROM t ORDER BY x;
-- error
-- minisql: skip (window functions: minisql refuses before checking where they are used)
SELECT x FROM t WHERE row_number() OVER () > 1;
