-- Scalar, IN, EXISTS, correlated and FROM-clause subqueries.
CREATE TABLE emp(id INTEGER PRIMARY KEY, name TEXT, dept INTEGER, salary INTEGER);
CREATE TABLE dept(id INTEGER PRIMARY KEY, dname TEXT);
INSERT INTO dept VALUES (1, 'eng'), (2, 'ops'), (3, 'empty');
INSERT INTO emp VALUES (1, 'a', 1, 100), (2, 'b', 1, 150), (3, 'c', 2, 90), (4, 'd', 2, 120), (5, 'e', NULL, 80);
SELECT name FROM emp WHERE salary > (SELECT avg(salary) FROM emp) ORDER BY name;
SELECT name FROM emp WHERE dept IN (SELECT id FROM dept WHERE dname <> 'ops') ORDER BY name;
SELECT name FROM emp WHERE dept NOT IN (SELECT id FROM dept WHERE dname = 'ops') ORDER BY name;
SELECT dname FROM dept d WHERE EXISTS (SELECT 1 FROM emp e WHERE e.dept = d.id) ORDER BY dname;
SELECT dname FROM dept d WHERE NOT EXISTS (SELECT 1 FROM emp e WHERE e.dept = d.id) ORDER BY dname;
SELECT name, (SELECT dname FROM dept WHERE dept.id = emp.dept) FROM emp ORDER BY id;
SELECT name, salary - (SELECT max(salary) FROM emp e2 WHERE e2.dept = emp.dept) FROM emp ORDER BY id;
SELECT d, total FROM (SELECT dept AS d, sum(salary) AS total FROM emp GROUP BY dept) WHERE total > 100 ORDER BY d;
SELECT * FROM (SELECT name FROM emp ORDER BY salary DESC LIMIT 2) ORDER BY name;
SELECT (SELECT 1), (SELECT NULL), (SELECT 1 WHERE 0), (SELECT 1, 2) = (1, 2);
SELECT (SELECT name FROM emp ORDER BY id);
-- error
SELECT (SELECT 1, 2);
-- error
SELECT name FROM emp WHERE dept IN (SELECT id, dname FROM dept);
SELECT name FROM emp WHERE (dept, salary) IN (SELECT 1, 150 UNION SELECT 2, 90) ORDER BY name;
SELECT 1 IN (SELECT 1 WHERE 0), NULL IN (SELECT 1 WHERE 0), 1 IN (SELECT NULL);
SELECT name FROM emp WHERE salary = (SELECT max(salary) FROM emp);
SELECT x.name, y.name FROM emp x, (SELECT name, dept FROM emp WHERE salary > 100) y WHERE x.dept = y.dept AND x.name < y.name ORDER BY 1, 2;
SELECT count(*) FROM (SELECT DISTINCT dept FROM emp);
-- A FROM subquery or CTE inside a subquery, reading the outer query's row: the
-- subquery around it is correlated too (it must run again for every outer row).
SELECT id, (SELECT group_concat(name) FROM (SELECT name FROM emp WHERE emp.dept = dept.id)) FROM dept ORDER BY id;
SELECT id, (SELECT count(*) FROM (SELECT salary FROM emp WHERE emp.dept = dept.id) s) FROM dept ORDER BY id;
SELECT dname FROM dept WHERE EXISTS (SELECT 1 FROM (SELECT 1 FROM emp WHERE emp.dept = dept.id)) ORDER BY dname;
SELECT id, (WITH c AS (SELECT salary FROM emp WHERE emp.dept = dept.id) SELECT sum(salary) FROM c) FROM dept ORDER BY id;
SELECT id, (SELECT max(n) FROM (SELECT name AS n FROM emp WHERE emp.dept = dept.id UNION ALL SELECT 'z' WHERE dept.id = 3)) FROM dept ORDER BY id;
