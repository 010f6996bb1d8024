-- CASE, iif, and their typing.
CREATE TABLE t(n);
INSERT INTO t VALUES (1), (2), (3), (NULL), ('x');
SELECT n, CASE n WHEN 1 THEN 'one' WHEN 2 THEN 'two' ELSE 'many' END FROM t;
SELECT n, CASE WHEN n < 2 THEN 'small' WHEN n < 3 THEN 'medium' END FROM t;
SELECT n, CASE WHEN n IS NULL THEN 'null' WHEN typeof(n) = 'text' THEN 'text' ELSE 'int' END FROM t;
SELECT CASE 1 WHEN 1.0 THEN 'num eq' ELSE 'ne' END, CASE '1' WHEN 1 THEN 'eq' ELSE 'ne' END;
SELECT iif(1, 'yes', 'no'), iif(0, 'yes', 'no'), iif(NULL, 'yes', 'no');
SELECT typeof(CASE WHEN 1 THEN 1 ELSE 'a' END), typeof(CASE WHEN 0 THEN 1 ELSE 'a' END);
SELECT sum(CASE WHEN n > 1 THEN 1 ELSE 0 END) FROM t;
SELECT CASE WHEN n = 1 THEN CASE WHEN 1 THEN 'nested' END END FROM t;
-- error
SELECT CASE WHEN 1 THEN 1;
-- error
SELECT CASE END;
