-- USING and NATURAL joins: column merging and SELECT *.
CREATE TABLE p(id, name, grp);
CREATE TABLE q(id, grp, score);
INSERT INTO p VALUES (1, 'ann', 'x'), (2, 'bob', 'y'), (3, 'cy', 'x');
INSERT INTO q VALUES (1, 'x', 10), (2, 'x', 20), (3, 'x', 30), (4, 'y', 40);
SELECT * FROM p JOIN q USING (id) ORDER BY id;
SELECT * FROM p JOIN q USING (id, grp) ORDER BY id;
SELECT * FROM p NATURAL JOIN q ORDER BY id;
SELECT id, name, score FROM p NATURAL LEFT JOIN q ORDER BY id;
SELECT p.id, q.id, grp FROM p JOIN q USING (grp) ORDER BY 1, 2;
-- error
SELECT * FROM p JOIN q USING (nope);
-- error
SELECT * FROM p JOIN q USING (id) ON p.id = q.id;
SELECT count(*) FROM p NATURAL JOIN p AS p2;
