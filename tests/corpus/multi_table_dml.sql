-- DML driven by other tables: INSERT ... SELECT, correlated UPDATE/DELETE.
CREATE TABLE orders(id INTEGER PRIMARY KEY, customer TEXT, amount REAL);
CREATE TABLE totals(customer TEXT PRIMARY KEY, total REAL, n INTEGER);
INSERT INTO orders(customer, amount) VALUES ('ann', 10.5), ('bob', 3.25), ('ann', 4.0), ('cy', 100.0), ('bob', 0.75);
INSERT INTO totals SELECT customer, sum(amount), count(*) FROM orders GROUP BY customer;
SELECT * FROM totals ORDER BY customer;
UPDATE totals SET total = (SELECT max(amount) FROM orders o WHERE o.customer = totals.customer);
SELECT * FROM totals ORDER BY customer;
DELETE FROM orders WHERE amount < (SELECT avg(amount) FROM orders);
SELECT * FROM orders;
INSERT INTO orders(customer, amount) SELECT customer || '2', total FROM totals WHERE n > 1 ORDER BY customer;
SELECT * FROM orders;
DELETE FROM totals WHERE customer NOT IN (SELECT customer FROM orders);
SELECT * FROM totals ORDER BY customer;
INSERT OR REPLACE INTO totals SELECT customer, amount, 1 FROM orders WHERE id > 5;
SELECT * FROM totals ORDER BY customer;
