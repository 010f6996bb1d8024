-- GROUP BY and HAVING.
CREATE TABLE sales(region TEXT, product TEXT, qty INTEGER, price REAL);
INSERT INTO sales VALUES ('north', 'apple', 10, 1.5), ('north', 'pear', 5, 2.0), ('south', 'apple', 7, 1.5), ('south', 'apple', 3, 1.25), ('east', 'fig', 1, 9.75), ('north', 'apple', 2, 1.5), (NULL, 'pear', 4, 2.0);
SELECT region, count(*), sum(qty), total(qty * price) FROM sales GROUP BY region ORDER BY region;
SELECT region, product, sum(qty) FROM sales GROUP BY region, product ORDER BY region, product;
SELECT region, sum(qty) AS q FROM sales GROUP BY region HAVING q > 5 ORDER BY q DESC;
SELECT product, count(*) FROM sales GROUP BY product HAVING count(*) > 1 ORDER BY product;
SELECT product, avg(price) FROM sales GROUP BY 1 ORDER BY 2, 1;
SELECT qty % 2 AS parity, count(*) FROM sales GROUP BY parity ORDER BY parity;
SELECT upper(region), count(*) FROM sales GROUP BY upper(region) ORDER BY 1;
SELECT count(*) FROM sales HAVING count(*) > 3;
SELECT count(*) FROM sales HAVING count(*) > 100;
SELECT region, max(qty), product FROM sales GROUP BY region ORDER BY region;
SELECT region, min(price), product FROM sales GROUP BY region ORDER BY region;
SELECT product, group_concat(qty, '+') FROM (SELECT * FROM sales ORDER BY qty) GROUP BY product ORDER BY product;
-- error
SELECT region FROM sales GROUP BY nosuch;
-- error
SELECT region, count(*) FROM sales GROUP BY count(*);
-- error
SELECT region FROM sales GROUP BY 5;
SELECT region, count(*) FROM sales WHERE qty > 2 GROUP BY region HAVING sum(qty) >= 7 ORDER BY region;
SELECT DISTINCT product FROM sales ORDER BY product;
SELECT count(DISTINCT region), count(region) FROM sales;
CREATE TABLE g(k TEXT COLLATE NOCASE, v);
INSERT INTO g VALUES ('a', 1), ('A', 2), ('b', 3), ('a', 4);
SELECT count(*), sum(v) FROM g GROUP BY k ORDER BY sum(v);
SELECT lower(k), count(*) FROM g GROUP BY k ORDER BY 1;
