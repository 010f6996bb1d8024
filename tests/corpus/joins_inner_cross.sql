-- Inner and cross joins in their various spellings.
CREATE TABLE a(id INTEGER PRIMARY KEY, x TEXT);
CREATE TABLE b(id INTEGER PRIMARY KEY, a_id INTEGER, y TEXT);
INSERT INTO a VALUES (1, 'one'), (2, 'two'), (3, 'three');
INSERT INTO b VALUES (10, 1, 'p'), (11, 1, 'q'), (12, 2, 'r'), (13, 9, 's');
SELECT a.x, b.y FROM a JOIN b ON a.id = b.a_id ORDER BY a.x, b.y;
SELECT a.x, b.y FROM a INNER JOIN b ON b.a_id = a.id WHERE b.y > 'p' ORDER BY 1, 2;
SELECT a.x, b.y FROM a, b WHERE a.id = b.a_id ORDER BY 1, 2;
SELECT count(*) FROM a CROSS JOIN b;
SELECT a.id, b.id FROM a, b ORDER BY a.id, b.id;
SELECT * FROM a JOIN b ON a.id = b.a_id ORDER BY b.id;
SELECT t1.x, t2.x FROM a AS t1 JOIN a AS t2 ON t1.id < t2.id ORDER BY 1, 2;
SELECT a.x FROM a JOIN b ON a.id = b.a_id AND b.y = 'q';
-- error
SELECT id FROM a JOIN b ON a.id = b.a_id;
-- error
SELECT a.x FROM a JOIN b ON a.nope = b.a_id;
CREATE TABLE c(b_id INTEGER, z TEXT);
INSERT INTO c VALUES (10, 'alpha'), (12, 'beta'), (12, 'gamma');
SELECT a.x, b.y, c.z FROM a JOIN b ON a.id = b.a_id JOIN c ON c.b_id = b.id ORDER BY 1, 2, 3;
SELECT a.x, count(c.z) FROM a JOIN b ON a.id = b.a_id JOIN c ON c.b_id = b.id GROUP BY a.x ORDER BY a.x;
SELECT * FROM a JOIN b ON 1 WHERE a.id = 3 ORDER BY b.id;
SELECT a.*, b.y FROM a, b WHERE a.id = b.a_id AND a.id = 2;
